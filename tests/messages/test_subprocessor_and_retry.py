"""The art. 28(2) notice of a new or replaced sub-processor under a general authorisation,
and the operator's retry of a failed message."""

from datetime import timedelta

from core.clock import today_local
from core.french import format_day
from core.outbox.delivery import deliver_due
from core.outbox.models import MessageStatus, OutboxMessage
from tests.factories import (
    API,
    COMMUNE_DPO,
    ago,
    bodies,
    declare_on,
    done,
    make_activity,
    make_convention,
    make_dpo,
    make_org,
    make_subprocessor,
    outbox,
    party,
    read,
)

BAILLARGUES_DPO = "dpd@baillargues-exemple.fr"
ESSEY_DPO = "dpd@essey-exemple.fr"


async def processor_with_two_controllers(client, *, notice_days=30, authorisation="general"):
    metropole = await make_org(client, kind="epci_fp", legal_name="Métropole (essai)")
    ccas_dpo = await make_dpo(client, email=BAILLARGUES_DPO)
    ccas = await make_org(
        client,
        kind="ccas_cias",
        legal_name="CCAS de Baillargues (essai)",
        dpo_id=ccas_dpo["id"],
        legal_rep_email="president@baillargues-exemple.fr",
    )
    commune_dpo = await make_dpo(client, email=ESSEY_DPO)
    commune = await make_org(
        client, kind="commune", legal_name="Commune d'Essey (essai)", dpo_id=commune_dpo["id"]
    )
    convention = await make_convention(
        client,
        parties=[
            party(metropole, "processor"),
            party(ccas, "controller"),
            party(commune, "controller"),
        ],
        title="Convention des plateformes mutualisées",
        subprocessor_authorisation=authorisation,
        subprocessor_notice_days=notice_days,
    )
    activity = await make_activity(
        client, controller=ccas, name="Aide sociale facultative", ref="CCAS-02"
    )
    return metropole, ccas, commune, convention, activity


async def test_added_subprocessor_notifies_each_controller_with_the_objection_date(client, smtp):
    metropole, ccas, commune, convention, activity = await processor_with_two_controllers(client)

    engagement = await make_subprocessor(
        client,
        processor=metropole,
        name="Hébergeur Cloud Sud",
        services="Hébergement et sauvegarde des serveurs de l'aide sociale",
        data_locations=["FR", "DE"],
        certifications=["HDS", "SecNumCloud"],
        convention_ids=[convention["id"]],
        activity_ids=[activity["id"]],
        contract_start=str(today_local() + timedelta(days=31)),
    )

    deadline = today_local() + timedelta(days=30)
    assert engagement["objection_deadline"] == deadline.isoformat()
    messages = await outbox(kind="subprocessor.change_notice")
    assert len(messages) == 2
    by_org = {str(m.organisation_id): m for m in messages}
    assert by_org[ccas["id"]].to_addrs == [BAILLARGUES_DPO, "president@baillargues-exemple.fr"]
    assert by_org[commune["id"]].to_addrs == [ESSEY_DPO]
    assert {str(m.subject_id) for m in messages} == {engagement["id"]}

    await deliver_due(owner="test")
    assert len(smtp.received) == 2
    mail = next(m for m in smtp.received if ESSEY_DPO in m.rcpt_tos)
    body = mail.body
    assert "Ajout d'un sous-traitant ultérieur par Métropole (essai) : Hébergeur Cloud Sud" in (
        mail.subject
    )
    assert "article 28, paragraphe 2" in body
    assert "Prestations confiées : Hébergement et sauvegarde des serveurs" in body
    assert "France (FR), Allemagne (DE)" in body
    assert "Certifications : HDS, SecNumCloud" in body
    assert f"jusqu'au {format_day(deadline)} (30 jours" in body
    ccas_mail = next(m for m in smtp.received if BAILLARGUES_DPO in m.rcpt_tos)
    assert "CCAS-02 — Aide sociale facultative" in ccas_mail.body
    assert "CCAS-02" not in body  # the commune is told of its own activities only

    # A replacement is a new change: new notices and a new objection period.
    replaced = await client.patch(
        f"{API}/subprocessors/{engagement['id']}",
        json={"version": engagement["version"], "name": "Hébergeur Cloud Nord"},
    )
    assert replaced.status_code == 200, replaced.text
    messages = await outbox(kind="subprocessor.change_notice")
    assert len(messages) == 4
    latest = [m for m in messages if "Remplacement" in m.subject]
    assert len(latest) == 2
    assert "Hébergeur Cloud Sud est remplacé par Hébergeur Cloud Nord" in latest[0].body_text

    # Correcting the services is no change of sub-processor: nobody is written to.
    again = await client.patch(
        f"{API}/subprocessors/{engagement['id']}",
        json={"version": replaced.json()["version"], "services": "Hébergement seul"},
    )
    assert again.status_code == 200
    assert await OutboxMessage.filter(kind="subprocessor.change_notice").count() == 4


async def test_specific_authorisation_asks_each_controller_without_a_period_to_object(client):
    metropole, ccas, commune, convention, _ = await processor_with_two_controllers(
        client, authorisation="specific", notice_days=None
    )
    engagement = await make_subprocessor(
        client, processor=metropole, authorisation="specific", convention_ids=[convention["id"]]
    )
    assert engagement["objection_deadline"] is None
    messages = await outbox(kind="subprocessor.change_notice")
    assert {str(m.organisation_id) for m in messages} == {ccas["id"], commune["id"]}
    for message in messages:
        assert message.subject.startswith("Demande d'autorisation d'un sous-traitant ultérieur")
        assert "vous demande, conformément à l'article 28, paragraphe 2" in message.body_text
        assert "Votre droit d'opposition" not in message.body_text


async def test_no_period_in_the_convention_gives_the_default_one_and_says_so(client):
    metropole, *_ = await processor_with_two_controllers(client, notice_days=None)
    # No convention named: every convention where the body is processor.
    engagement = await make_subprocessor(
        client, processor=metropole, contract_start=str(today_local() + timedelta(days=31))
    )
    deadline = today_local() + timedelta(days=30)
    assert engagement["objection_deadline"] == deadline.isoformat()
    messages = await outbox()
    assert len(messages) == 2
    assert (
        f"jusqu'au {format_day(deadline)} (la convention ne fixe pas de délai d'opposition : "
        "délai par défaut de 30 jours)"
    ) in messages[0].body_text


async def test_failed_message_is_retried_with_a_corrected_address(client, smtp):
    world = await bodies(client)
    declared = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=1)
    )
    smtp.handler.refuse.update({COMMUNE_DPO, "rssi@vitry-exemple.fr"})
    await done(client, declared, "controller-notice")

    report = await deliver_due(owner="test")
    assert (report.sent, report.failed) == (0, 1)  # a 550 refusal is permanent
    (message,) = await outbox()
    failed = await read(client, f"/messages/{message.id}")
    assert (failed["status"], failed["status_label"]) == ("failed", "Échec")
    assert "550" in failed["last_error"] and failed["attempts"] == 1
    assert failed["body_text"] == message.body_text
    assert (await read(client, "/messages?status=failed"))["total"] == 1

    bad = await client.post(f"{API}/messages/{message.id}/retry", json={"to_addrs": ["x@"]})
    assert bad.status_code == 422
    retried = await client.post(
        f"{API}/messages/{message.id}/retry", json={"to_addrs": ["dgs@vitry-exemple.fr"]}
    )
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    assert retried.json()["to_addrs"] == ["dgs@vitry-exemple.fr"]

    report = await deliver_due(owner="test")
    assert report.sent == 1
    (mail,) = smtp.received
    assert mail.rcpt_tos == ["dgs@vitry-exemple.fr"]
    assert (await OutboxMessage.get(id=message.id)).status == MessageStatus.SENT

    again = await client.post(f"{API}/messages/{message.id}/retry")
    assert again.status_code == 409
    assert "seul un message en échec" in again.json()["detail"]


async def test_messages_list_filters_and_pages(client):
    world = await bodies(client)
    declared = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=1)
    )
    await done(client, declared, "controller-notice")
    other_org = (await read(client, f"/messages?organisation_id={world['ept']['id']}"))["total"]
    assert other_org == 0
    mine = await read(client, f"/messages?organisation_id={world['commune']['id']}&limit=1")
    assert (mine["total"], mine["limit"], len(mine["items"])) == (1, 1, 1)
    assert mine["items"][0]["status_label"] == "En attente d'envoi"
    assert "body_text" not in mine["items"][0]
    assert (await read(client, "/messages?status=sent"))["total"] == 0
    missing = await client.get(f"{API}/messages/{declared['id']}")
    assert missing.status_code == 404
