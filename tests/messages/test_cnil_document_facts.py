"""The CNIL document as the CNIL reads it: the type of notification (complete, initial,
complementary), the other authorities told and the cross-border answer, each from a fact of
the breach (« Non » only when the fact says no, « non renseigné » while unknown), and the
ENISA conditions behind the severity."""

from datetime import date

import pytest

from breach.breaches.models import Breach
from tests.factories import (
    ASSESS_FINANCIAL,
    BREACHES,
    DECIDE_HIGH,
    ago,
    assert_refused,
    bodies,
    declare_on,
    done,
    iso,
    post,
    read,
    with_facts,
)

COMPLAINT = {
    "kind": "police",
    "name": "Commissariat de Vitry-sur-Seine",
    "on": "2026-03-02",
    "reference": "PV 2026/00417",
}
AUTHORITIES_LINE = (
    "Autres autorités informées (ANSSI, police ou gendarmerie, autres autorités de protection "
    "des données) : "
)
CROSS_BORDER_LINE = "Traitement transfrontalier (art. 4.23 du RGPD) : "


@pytest.fixture
async def world(client):
    return await bodies(client)


async def decided(client, world) -> dict:
    """A commune's own breach, facts given, assessed and decided (notify, inform later)."""
    declared = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=10)
    )
    breach = await with_facts(client, declared)
    breach = await done(client, breach, "assessment", **ASSESS_FINANCIAL)
    return await done(client, breach, "decision", **DECIDE_HIGH)


async def patch(client, breach: dict, **facts):
    return await client.patch(
        f"{BREACHES}/{breach['id']}", json={"version": breach["version"], **facts}
    )


async def cnil_text(client, breach: dict, phase: str = "initial") -> dict:
    return await read(client, f"/breaches/{breach['id']}/previews/cnil?phase={phase}")


# Other authorities and cross-border: yes, no, unknown ----------------------------------------


async def test_unknown_facts_say_non_renseigne_never_non(client, world):
    breach = await decided(client, world)
    assert (breach["other_authorities"], breach["cross_border"]) == (None, None)

    preview = await cnil_text(client, breach)
    body = preview["body"]
    assert AUTHORITIES_LINE + "non renseigné" in body
    assert CROSS_BORDER_LINE + "non renseigné" in body
    assert "Non : organisme public" not in body  # the old fixed answer is gone
    assert "autres autorités informées (ANSSI, plainte…) : non renseigné" in preview["warnings"]
    assert "caractère transfrontalier du traitement : non renseigné" in preview["warnings"]


async def test_no_other_authority_and_no_cross_border_say_non(client, world):
    breach = await decided(client, world)
    response = await patch(client, breach, other_authorities=[], cross_border=False)
    assert response.status_code == 200, response.text

    body = (await cnil_text(client, response.json()))["body"]
    assert AUTHORITIES_LINE + "Non\n" in body
    assert CROSS_BORDER_LINE + "Non\n" in body
    assert "Autres États membres concernés" not in body


async def test_a_complaint_anssi_and_other_member_states_are_printed(client, world):
    breach = await decided(client, world)
    response = await patch(
        client,
        breach,
        other_authorities=[COMPLAINT, {"kind": "anssi", "reference": "CERT-FR 2026-0091"}],
        cross_border=True,
        other_member_states=["DE", "BE"],
    )
    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["other_authorities"][0] == COMPLAINT
    assert seen["other_member_states"] == ["DE", "BE"]

    preview = await cnil_text(client, seen)
    body = preview["body"]
    assert AUTHORITIES_LINE + "Oui" in body
    assert (
        "  - Plainte déposée auprès de la police ou de la gendarmerie : Commissariat de "
        "Vitry-sur-Seine, le lundi 2 mars 2026, référence PV 2026/00417"
    ) in body
    assert (
        "  - ANSSI (CERT-FR) : incident signalé au titre de NIS 2 ou volontairement, "
        "référence CERT-FR 2026-0091"
    ) in body
    assert CROSS_BORDER_LINE + "Oui" in body
    assert "Autres États membres concernés : Allemagne, Belgique" in body
    assert not any("non renseigné" in w for w in preview["warnings"])
    assert date.fromisoformat(COMPLAINT["on"]).weekday() == 0  # « lundi » is right


async def test_bad_authority_and_member_state_facts_are_refused_naming_the_field(client, world):
    breach = await decided(client, world)
    no_date = {key: value for key, value in COMPLAINT.items() if key != "on"}
    response = await patch(client, breach, other_authorities=[no_date])
    assert_refused(response, ["body", "other_authorities", 0, "on"], "date de la plainte")
    response = await patch(client, breach, other_authorities=[{"kind": "other_dpa"}])
    assert_refused(response, ["body", "other_authorities", 0, "name"], "autorité")
    response = await patch(client, breach, cross_border=False, other_member_states=["DE"])
    assert_refused(response, ["body", "other_member_states"], "traitement transfrontalier")
    response = await patch(client, breach, cross_border=True, other_member_states=["FR"])
    assert response.status_code == 422  # France is the CNIL's: not another Member State
    after = await read(client, f"/breaches/{breach['id']}")
    assert (after["other_authorities"], after["other_member_states"]) == (None, [])


# The type of notification ---------------------------------------------------------------


async def test_initial_then_complementary_say_what_they_are(client, world):
    breach = await decided(client, world)
    initial = (await cnil_text(client, breach))["body"]
    assert (
        "Notification initiale : des informations complémentaires pourront suivre (art. 33.4)."
        in initial
    )
    notified = await done(
        client, breach, "notifications", sent_at=iso(ago(minutes=5)), phase="initial"
    )
    assert notified["notifications"][0]["phase"] == "initial"
    complementary = (await cnil_text(client, notified, "complementary"))["body"]
    assert (
        "Notification complémentaire : elle complète la notification initiale (art. 33.4)."
        in complementary
    )


async def test_a_complete_notification_needs_every_element_known(client, world):
    breach = await decided(client, world)
    preview = await cnil_text(client, breach, "complete")
    assert any(
        "inconnus à ce stade : autres autorités informées, caractère transfrontalier" in w
        for w in preview["warnings"]
    )
    refused = await post(
        client, breach, "notifications", sent_at=iso(ago(minutes=5)), phase="complete"
    )
    assert_refused(refused, ["body", "phase"], "autres autorités informées")
    assert (await read(client, f"/breaches/{breach['id']}"))["notifications"] == []

    response = await patch(client, breach, other_authorities=[COMPLAINT], cross_border=False)
    assert response.status_code == 200, response.text
    breach = response.json()
    preview = await cnil_text(client, breach, "complete")
    assert preview["warnings"] == [] or not any("complète" in w for w in preview["warnings"])
    notified = await done(
        client, breach, "notifications", sent_at=iso(ago(minutes=5)), phase="complete"
    )
    assert notified["status"] == "notified"
    (notification,) = notified["notifications"]
    assert notification["phase"] == "complete"
    body = notification["message_body"]
    assert "Notification complète : tous les éléments sont connus et donnés en une fois" in body
    assert "seront transmises par étapes" not in body
    assert notified["events"][-1]["action"] == "notify_cnil_complete"
    # Initial already made (it was complete): a second initial or complete one is refused.
    again = await post(
        client, notified, "notifications", sent_at=iso(ago(minutes=1)), phase="complete"
    )
    assert again.status_code == 409


# The ENISA conditions in the document -------------------------------------------------------


async def test_the_document_says_the_enisa_conditions(client, world):
    declared = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=10)
    )
    breach = await with_facts(client, declared)
    breach = await done(
        client,
        breach,
        "assessment",
        **ASSESS_FINANCIAL,
        integrity="altered_recoverable",
        integrity_possibly_misused=True,
    )
    body = (await cnil_text(client, breach))["body"]
    assert (
        "  Données rendues inintelligibles (chiffrement à l'état de l'art, clé non compromise) "
        ": non"
    ) in body
    assert (
        "  Intégrité : données modifiées, les données correctes peuvent être rétablies ; "
        "données modifiées ayant pu être utilisées de façon incorrecte ou illicite"
    ) in body


async def test_a_breach_stored_before_these_facts_reads_as_unknown(client, world):
    """Rows written before migration 0018 hold null in all three columns."""
    breach = await decided(client, world)
    row = await Breach.get(id=breach["id"])
    row.other_authorities, row.cross_border, row.other_member_states = None, None, None
    await row.save(update_fields=["other_authorities", "cross_border", "other_member_states"])

    seen = await read(client, f"/breaches/{breach['id']}")
    assert (seen["other_authorities"], seen["cross_border"], seen["other_member_states"]) == (
        None,
        None,
        [],
    )
    body = (await cnil_text(client, seen))["body"]
    assert CROSS_BORDER_LINE + "non renseigné" in body
