"""The lead's CNIL document under `lead_notifies` names the joint controllers it notifies for
(art. 26): each one's legal name, SIREN and DPO, and the arrangement's title and essence
(breach.messages.cnil_sections.joint_controllers). No other breach's document has the section.
"""

from tests.breach.joint_world import COMMUNE, ESSENCE, METRO, joint_breaches, joint_convention
from tests.factories import (
    SIREN_JUVISY,
    ago,
    make_activity,
    make_convention,
    make_dpo,
    make_org,
    read,
)

SECTION = "Responsables conjoints du traitement (article 26 du RGPD)"
TITLE = "Accord de responsabilité conjointe — portail citoyen"


async def _world(client, **convention) -> dict:
    dpo = await make_dpo(client, name="Jeanne Délégué", email="dpd@saint-max.fr")
    metro = await make_org(client, kind="epci_fp", legal_name=METRO)
    commune = await make_org(
        client, kind="commune", legal_name=COMMUNE, siren=SIREN_JUVISY, dpo_id=dpo["id"]
    )
    arrangement = await make_convention(client, **joint_convention(metro, commune, **convention))
    activity = await make_activity(
        client,
        controller=metro,
        name="Portail citoyen",
        joint_controller_ids=[commune["id"]],
        convention_ids=[arrangement["id"]],
    )
    return {"metro": metro, "commune": commune, "convention": arrangement, "activity": activity}


async def _document(client, breach: dict) -> str:
    return (await read(client, f"/breaches/{breach['id']}/previews/cnil"))["body"]


async def test_the_lead_s_document_names_the_joint_controllers(client):
    world = await _world(client)
    lead, other = await joint_breaches(
        client, world, declaring=world["metro"], detected=ago(hours=1)
    )
    assert lead["joint_duty"] == "lead_notifies" and other["lead_breach_id"] == lead["id"]
    text = await _document(client, lead)
    assert SECTION in text
    assert (
        f"Notification faite par la {METRO}, chef de file, pour son compte et également pour "
        "le compte des responsables conjoints suivants (article 26 du RGPD) :"
    ) in text
    line = next(row for row in text.splitlines() if COMMUNE in row)
    assert f"SIREN : {SIREN_JUVISY}" in line
    assert "Jeanne Délégué" in line and "dpd@saint-max.fr" in line
    assert f"Intitulé de l'accord : {TITLE}" in text
    assert f"Répartition des obligations (art. 26.2) : {ESSENCE}" in text
    # The Commune's own document (its breach follows the lead's) has no such section.
    assert SECTION not in await _document(client, other)


async def test_no_section_when_each_notifies(client):
    world = await _world(client, joint_breach_duty="each_notifies")
    lead, other = await joint_breaches(
        client, world, declaring=world["metro"], detected=ago(hours=1)
    )
    assert lead["joint_duty"] == "each_notifies"  # the premise
    assert SECTION not in await _document(client, lead)
    assert SECTION not in await _document(client, other)
