"""Each convention's sub-processing regime, enforced when a processor records a sub-processor
(art. 28(2) GDPR): forbidden, specific (a request until every controller authorises), not
stated (treated as specific), general (the notice before the start, with its deadline)."""

from datetime import date, timedelta

from core.clock import today_local
from core.french import format_day
from register.subprocessors.models import SubprocessorEngagement
from tests.factories import (
    API,
    SIREN_OTHER,
    assert_refused,
    make_activity,
    make_convention,
    make_org,
    outbox,
    party,
)

SUBPROCESSORS = f"{API}/subprocessors"


def engagement(processor: dict, **fields) -> dict:
    return {
        "processor_id": processor["id"],
        "name": "Cloud Atlantique Inc.",
        "services": "Hébergement des sauvegardes",
        "authorisation": "general",
        **fields,
    }


def days_ahead(days: int) -> date:
    return today_local() + timedelta(days=days)


async def metropole_and_ccas(client, **convention):
    metropole = await make_org(client, kind="epci_fp", legal_name="Métropole (essai)")
    ccas = await make_org(client, kind="ccas_cias", legal_name="CCAS de Baillargues (essai)")
    conv = await make_convention(
        client,
        processor=metropole,
        controller=ccas,
        title="Convention de gestion de services numériques communs",
        **convention,
    )
    return metropole, ccas, conv


# Forbidden ----------------------------------------------------------------------------------


async def test_a_convention_forbidding_sub_processing_refuses_a_sub_processor_naming_it(client):
    metropole, _, conv = await metropole_and_ccas(client, subprocessor_authorisation="none")

    implicit = await client.post(
        SUBPROCESSORS,
        json=engagement(
            metropole,
            country="US",
            data_locations=["US"],
            transfer_mechanism="scc_46_2c",
            contract_start=days_ahead(60).isoformat(),
        ),
    )
    named = await client.post(
        SUBPROCESSORS, json=engagement(metropole, convention_ids=[conv["id"]])
    )

    says = (
        "la convention « Convention de gestion de services numériques communs » n'autorise pas "
        "la sous-traitance ultérieure (art. 28(2) RGPD)"
    )
    assert_refused(implicit, ["body", "convention_ids"], says)
    assert_refused(named, ["body", "convention_ids", 0], says)
    assert await SubprocessorEngagement.all().count() == 0
    assert await outbox(kind="subprocessor.change_notice") == []


async def test_a_forbidding_convention_refuses_a_change_of_an_engagement_serving_it(client):
    metropole, _, conv = await metropole_and_ccas(client, subprocessor_authorisation="specific")
    created = await client.post(SUBPROCESSORS, json=engagement(metropole))
    assert created.status_code == 201, created.text
    edited = await client.patch(
        f"{API}/conventions/{conv['id']}",
        json={"version": conv["version"], "subprocessor_authorisation": "none"},
    )
    assert edited.status_code == 200, edited.text

    response = await client.patch(
        f"{SUBPROCESSORS}/{created.json()['id']}", json={"version": 1, "services": "Autre"}
    )
    shown = (await client.get(f"{SUBPROCESSORS}/{created.json()['id']}")).json()

    assert_refused(response, ["body", "convention_ids"], "n'autorise pas la sous-traitance")
    assert (shown["state"], shown["state_label"]) == ("forbidden", "Interdit par la convention")


# Specific, and a regime the convention does not state ---------------------------------------


async def test_under_a_specific_authorisation_the_engagement_is_a_request_until_every_controller_authorises(  # noqa: E501
    client,
):
    metropole = await make_org(client, kind="epci_fp", legal_name="Métropole (essai)")
    ccas = await make_org(client, kind="ccas_cias", legal_name="CCAS (essai)")
    commune = await make_org(client, legal_name="Commune d'Essey (essai)")
    conv = await make_convention(
        client,
        parties=[
            party(metropole, "processor"),
            party(ccas, "controller"),
            party(commune, "controller"),
        ],
        subprocessor_authorisation="specific",
    )
    start = days_ahead(10)
    created = await client.post(
        SUBPROCESSORS, json=engagement(metropole, contract_start=start.isoformat())
    )
    assert created.status_code == 201, created.text
    made = created.json()
    path = f"{SUBPROCESSORS}/{made['id']}"

    assert made["state"] == "requested"
    assert "Autorisation écrite attendue : CCAS (essai)" in " ".join(made["state_reasons"])
    first = await client.post(
        f"{path}/answers", json={"controller_id": ccas["id"], "answer": "authorise"}
    )
    assert first.status_code == 201, first.text
    assert first.json()["engagement_state"] == "requested"  # the commune has not answered
    # Starting now is refused while an authorisation is awaited.
    early = await client.patch(path, json={"version": 1, "contract_start": str(today_local())})
    assert_refused(early, ["body", "contract_start"], "autorisation écrite de chaque")

    second = await client.post(
        f"{path}/answers",
        json={"controller_id": commune["id"], "convention_id": conv["id"], "answer": "authorise"},
    )

    assert second.status_code == 201, second.text
    shown = (await client.get(path)).json()
    assert shown["state"] == "authorised"  # its contract starts in ten days
    assert {(s["controller_id"], s["answer"]) for s in shown["standing"]} == {
        (ccas["id"], "authorise"),
        (commune["id"], "authorise"),
    }
    now = await client.patch(path, json={"version": 1, "contract_start": str(today_local())})
    assert now.status_code == 200, now.text
    assert now.json()["state"] == "active"


async def test_a_convention_that_does_not_state_its_regime_asks_each_controllers_authorisation(
    client,
):
    # Montpellier–CCAS: annex 4 (« RGPD ») is missing: the regime is not known.
    metropole, ccas, conv = await metropole_and_ccas(client)
    assert conv["subprocessor_authorisation"] == "unknown"

    created = await client.post(SUBPROCESSORS, json=engagement(metropole))

    assert created.status_code == 201, created.text
    made = created.json()
    assert (made["state"], made["state_label"]) == ("requested", "Autorisation demandée")
    assert (
        "La convention « Convention de gestion de services numériques communs » ne précise pas "
        "le régime de sous-traitance ultérieure : l'autorisation écrite spécifique de chaque "
        "responsable de traitement est requise (art. 28(2) RGPD)."
    ) in made["state_reasons"]
    # An authorisation is asked of the CCAS, not an objection invited.
    (message,) = await outbox(kind="subprocessor.change_notice")
    assert str(message.organisation_id) == ccas["id"]
    assert message.subject.startswith("Demande d'autorisation d'un sous-traitant ultérieur")
    assert (
        "La convention ne précise pas le régime de sous-traitance ultérieure : l'autorisation "
        "écrite spécifique de chaque responsable de traitement est requise. Ce sous-traitant "
        "ultérieur ne commencera pas sans votre autorisation."
    ) in message.body_text
    assert "objection" not in message.body_text
    assert "Dates du contrat de sous-traitance : non précisées" in message.body_text
    accepted = await client.post(
        f"{SUBPROCESSORS}/{made['id']}/answers",
        json={"controller_id": ccas["id"], "answer": "accept"},
    )
    assert_refused(accepted, ["body", "answer"], "autorisation écrite spécifique")
    authorised = await client.post(
        f"{SUBPROCESSORS}/{made['id']}/answers",
        json={"controller_id": ccas["id"], "answer": "authorise"},
    )
    assert authorised.json()["engagement_state"] == "active"  # no start date: running


async def test_an_engagement_cannot_claim_an_unstated_regime_as_its_authorisation(client):
    metropole, _, _ = await metropole_and_ccas(client)

    response = await client.post(SUBPROCESSORS, json=engagement(metropole, authorisation="unknown"))

    assert_refused(response, ["body", "authorisation"], "autorisation écrite")


# General: the notice before the start ------------------------------------------------------


async def test_under_a_general_authorisation_the_start_must_follow_the_period_to_object(client):
    metropole, _, _ = await metropole_and_ccas(
        client, subprocessor_authorisation="general", subprocessor_notice_days=30
    )
    deadline = days_ahead(30)

    no_start = await client.post(SUBPROCESSORS, json=engagement(metropole))
    on_deadline = await client.post(
        SUBPROCESSORS, json=engagement(metropole, contract_start=deadline.isoformat())
    )
    short = await client.post(
        SUBPROCESSORS,
        json=engagement(
            metropole,
            objection_deadline=days_ahead(29).isoformat(),
            contract_start=days_ahead(40).isoformat(),
        ),
    )
    after = await client.post(
        SUBPROCESSORS, json=engagement(metropole, contract_start=days_ahead(31).isoformat())
    )

    assert_refused(no_start, ["body", "contract_start"], "date de début du contrat requise")
    assert_refused(
        on_deadline,
        ["body", "contract_start"],
        f"le contrat ne peut commencer qu'après la fin du délai d'opposition (le "
        f"{format_day(deadline)})",
    )
    assert_refused(
        short,
        ["body", "objection_deadline"],
        "délai d'opposition plus court que celui de la convention « Convention de gestion de "
        "services numériques communs » (30 jours",
    )
    assert after.status_code == 201, after.text
    made = after.json()
    assert (made["state"], made["objection_deadline"]) == ("notified", deadline.isoformat())
    assert f"Délai d'opposition jusqu'au {format_day(deadline)}." in made["state_reasons"]
    assert len(await outbox(kind="subprocessor.change_notice")) == 1


async def test_the_gosb_juvisy_notice_gives_the_clause_6_content_and_the_default_deadline(client):
    # Seed 001/003 annex 1 §II.6: « autorisation générale … en indiquant clairement les
    # activités de traitement sous-traitées, l'identité et les coordonnées du sous-traitant et
    # les dates du contrat de sous-traitance », « dans les plus brefs délais » (no period).
    ept = await make_org(client, kind="ept", legal_name="EPT Grand-Orly Seine Bièvre (essai)")
    juvisy = await make_org(client, legal_name="Commune de Juvisy-sur-Orge (essai)")
    await make_convention(
        client,
        processor=ept,
        controller=juvisy,
        title="Convention de mutualisation GOSB–Juvisy",
        subprocessor_authorisation="general",
    )
    activity = await make_activity(
        client,
        controller=juvisy,
        ref="JUV-01",
        name="Gestion de l'état civil",
        data_categories=["civil_status"],
    )
    start, end = days_ahead(45), days_ahead(45 + 365)
    response = await client.post(
        SUBPROCESSORS,
        json=engagement(
            ept,
            name="Hébergeur Sud SAS",
            siren=SIREN_OTHER,
            address="1 rue du Cloud, 13000 Marseille",
            dpo_contact="dpo@hebergeur-sud.example",
            services="Hébergement et sauvegarde des serveurs de l'état civil",
            data_locations=["FR"],
            contract_start=start.isoformat(),
            contract_end=end.isoformat(),
            activity_ids=[activity["id"]],
        ),
    )

    assert response.status_code == 201, response.text
    deadline = days_ahead(30)
    assert response.json()["objection_deadline"] == deadline.isoformat()
    (message,) = await outbox(kind="subprocessor.change_notice")
    body = message.body_text
    assert (
        f"Vous pouvez émettre des objections à ce changement jusqu'au {format_day(deadline)} "
        "(la convention ne fixe pas de délai d'opposition : délai par défaut de 30 jours), "
        "avant le début du contrat."
    ) in body
    assert "La convention ne fixe pas de délai :" not in body
    assert (
        f"Dates du contrat de sous-traitance : du {format_day(start)} au {format_day(end)}"
    ) in body
    assert "JUV-01 — Gestion de l'état civil (données : " in body
    for identity in (
        "Nom : Hébergeur Sud SAS",
        f"SIREN : {SIREN_OTHER}",
        "Adresse : 1 rue du Cloud, 13000 Marseille",
        "Contact du délégué à la protection des données : dpo@hebergeur-sud.example",
        "Prestations confiées : Hébergement et sauvegarde des serveurs de l'état civil",
        "Lieux d'hébergement et de traitement des données : France (FR)",
    ):
        assert identity in body


async def test_a_deadline_set_on_the_engagement_is_the_one_the_notice_gives(client):
    ept = await make_org(client, kind="ept", legal_name="EPT (essai)")
    juvisy = await make_org(client, legal_name="Commune de Juvisy-sur-Orge (essai)")
    await make_convention(
        client, processor=ept, controller=juvisy, subprocessor_authorisation="general"
    )
    deadline = days_ahead(15)

    response = await client.post(
        SUBPROCESSORS,
        json=engagement(
            ept,
            objection_deadline=deadline.isoformat(),
            contract_start=days_ahead(16).isoformat(),
        ),
    )

    assert response.status_code == 201, response.text
    assert response.json()["objection_deadline"] == deadline.isoformat()
    (message,) = await outbox(kind="subprocessor.change_notice")
    assert (
        f"jusqu'au {format_day(deadline)} (date fixée par EPT (essai) ; la convention ne fixe "
        "pas de délai d'opposition)"
    ) in message.body_text
