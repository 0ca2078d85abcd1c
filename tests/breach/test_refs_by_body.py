"""Breach references are unique on an instance: each body has a short code, derived from its
name or chosen (a French 422 when malformed or taken), and its references carry it
(« VIO-BOULOGNE-2026-0001 »); references recorded before the codes are shown qualified."""

from uuid import UUID

import pytest

from breach.breaches.models import Breach
from breach.breaches.names import shown_ref
from core.accounts.service import create_user
from core.clock import to_local
from register.organisations.codes import base_code, derive
from tests.access.conftest import PASSWORD, new_client
from tests.factories import (
    API,
    ago,
    assert_refused,
    declare_on,
    make_activity,
    make_convention,
    make_org,
    read,
)
from tests.web.conftest import sign_in


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Ville de Boulogne-Billancourt", "BOULOGNE"),
        ("Commune d'Essey-lès-Nancy", "ESSEY"),
        ("Établissement public territorial Grand Paris Seine Ouest", "EPTGPSO"),
        ("SIIM94 — syndicat intercommunal d'informatique (Val-de-Marne)", "SIIM94"),
        ("CCAS de Baillargues", "CCASBAILLARG"),  # 12 at most
        ("Métropole du Grand Nancy", "MGN"),
        ("13 Habitat", "ORG13"),  # a letter first
    ],
)
def test_a_code_is_derived_from_the_name(name, code):
    assert base_code(name) == code


def test_a_derived_code_taken_gets_the_first_free_number_within_twelve_characters():
    assert derive("Ville de Boulogne", {"BOULOGNE"}) == "BOULOGNE2"
    assert derive("Ville de Boulogne", {"BOULOGNE", "BOULOGNE2"}) == "BOULOGNE3"
    assert derive("CCAS de Baillargues", {"CCASBAILLARG"}) == "CCASBAILLAR2"


def test_a_stored_reference_without_a_code_is_shown_with_it():
    assert shown_ref("VIO-2026-0001", "BOULOGNE") == "VIO-BOULOGNE-2026-0001"
    assert shown_ref("VIO-BOULOGNE-2026-0001", "BOULOGNE") == "VIO-BOULOGNE-2026-0001"
    assert shown_ref("VIO-2026-0001", None) == "VIO-2026-0001"


async def test_each_body_gets_a_code_at_creation_and_may_choose_it(client):
    boulogne = await make_org(client, legal_name="Ville de Boulogne-Billancourt")
    other = await make_org(client, legal_name="Commune de Boulogne-sur-Mer")
    chosen = await make_org(client, kind="ept", legal_name="EPT Paris Est", short_code=" ept12 ")
    assert (boulogne["short_code"], other["short_code"]) == ("BOULOGNE", "BOULOGNE2")
    assert chosen["short_code"] == "EPT12"  # capitals, trimmed

    for bad in ("B", "12AB", "EPT-12", "ÉVRY", "ABCDEFGHIJKLM"):
        refused = await client.post(
            f"{API}/organisations",
            json={"legal_name": "Commune de Sceaux", "kind": "commune", "short_code": bad},
        )
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["detail"][0]["loc"] == ["body", "short_code"], bad
    taken = await client.post(
        f"{API}/organisations",
        json={"legal_name": "Commune de Sceaux", "kind": "commune", "short_code": "boulogne"},
    )
    assert_refused(taken, ["body", "short_code"], "déjà attribué à un autre organisme")

    # Through the organisation's API: another body's code is refused, its own is kept.
    stolen = await client.patch(
        f"{API}/organisations/{other['id']}",
        json={"version": other["version"], "short_code": "EPT12"},
    )
    assert_refused(stolen, ["body", "short_code"], "déjà attribué")
    renamed = await client.patch(
        f"{API}/organisations/{other['id']}",
        json={"version": other["version"], "legal_name": "Commune de Boulogne (Pas-de-Calais)"},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["short_code"] == "BOULOGNE2"
    moved = await client.patch(
        f"{API}/organisations/{other['id']}",
        json={"version": renamed.json()["version"], "short_code": "BSM"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["short_code"] == "BSM"


async def _commune(client, name: str, code: str | None = None) -> tuple[dict, dict]:
    org = await make_org(client, legal_name=name, **({"short_code": code} if code else {}))
    return org, await make_activity(client, controller=org, name="État civil")


async def test_two_bodies_first_breaches_have_different_references(client):
    vanves, vanves_activity = await _commune(client, "Commune de Vanves")
    issy, issy_activity = await _commune(client, "Ville d'Issy-les-Moulineaux")
    detected = ago(hours=2)
    year = to_local(detected).year
    first = await declare_on(client, vanves, [vanves_activity["id"]], detected=detected)
    second = await declare_on(client, issy, [issy_activity["id"]], detected=detected)
    third = await declare_on(client, issy, [issy_activity["id"]], detected=detected)

    assert first["ref"] == f"VIO-VANVES-{year}-0001"
    assert second["ref"] == f"VIO-ISSY-{year}-0001"
    assert third["ref"] == f"VIO-ISSY-{year}-0002"
    listed = (await read(client, "/breaches?limit=50"))["items"]
    refs = [b["ref"] for b in listed]
    assert len(refs) == 3 and len(set(refs)) == 3


async def test_one_incident_for_two_controllers_gives_each_its_own_reference(client):
    ept = await make_org(client, kind="ept", legal_name="EPT Grand-Orly Seine Bièvre")
    juvisy, juvisy_activity = await _commune(client, "Commune de Juvisy-sur-Orge")
    athis, athis_activity = await _commune(client, "Commune d'Athis-Mons")
    for commune, activity in ((juvisy, juvisy_activity), (athis, athis_activity)):
        convention = await make_convention(client, processor=ept, controller=commune)
        linked = await client.patch(
            f"{API}/activities/{activity['id']}",
            json={"version": activity["version"], "convention_ids": [convention["id"]]},
        )
        assert linked.status_code == 200, linked.text
    declared = await client.post(
        f"{API}/incidents",
        json={
            "organisation_id": ept["id"],
            "title": "Messagerie compromise",
            "description": "Accès frauduleux à la messagerie partagée.",
            "detected_at": ago(hours=1).isoformat(),
            "nature": ["confidentiality"],
            "activity_ids": [juvisy_activity["id"], athis_activity["id"]],
        },
    )
    assert declared.status_code == 201, declared.text
    breach_ids = declared.json()["breach_ids"]
    assert len(breach_ids) == 2  # the premise: one breach per controller
    refs = {(await read(client, f"/breaches/{i}"))["ref"] for i in breach_ids}
    year = to_local(ago(hours=1)).year
    assert refs == {f"VIO-JUVISY-{year}-0001", f"VIO-ATHIS-{year}-0001"}

    # The incident page and the list of breaches, as the instance's administrator sees them.
    await create_user(
        email="admin-page@registre-rgpd.test",
        name="Administrateur",
        password=PASSWORD,
        is_instance_admin=True,
    )
    async with new_client() as http:
        assert (await sign_in(http, "admin-page@registre-rgpd.test")).status_code == 303
        incident_page = await http.get(f"/incidents/{declared.json()['id']}")
        listed = await http.get("/violations")
    assert incident_page.status_code == 200 and listed.status_code == 200
    for ref in refs:
        assert incident_page.text.count(ref) >= 1, ref
        assert listed.text.count(ref) >= 1, ref


async def test_a_reference_from_before_the_codes_is_shown_qualified_and_numbering_goes_on(
    client,
):
    sceaux, activity = await _commune(client, "Commune de Sceaux")
    detected = ago(hours=2)
    year = to_local(detected).year
    old = await declare_on(client, sceaux, [activity["id"]], detected=detected)
    # As recorded before migration 0019: no code in the stored reference.
    await Breach.filter(id=UUID(old["id"])).update(ref=f"VIO-{year}-0001")

    shown = await read(client, f"/breaches/{old['id']}")
    assert shown["ref"] == f"VIO-SCEAUX-{year}-0001"
    new = await declare_on(client, sceaux, [activity["id"]], detected=detected)
    assert new["ref"] == f"VIO-SCEAUX-{year}-0002"  # never the old one's number again
    deadlines = await read(client, "/deadlines")
    assert f"VIO-SCEAUX-{year}-0001" in {d["breach_ref"] for d in deadlines}


async def test_a_code_given_up_and_taken_by_another_body_keeps_counting(client):
    first, first_activity = await _commune(client, "Commune de Bagneux", code="BAG")
    second, second_activity = await _commune(client, "Commune de Bagnolet", code="BAGNOLET")
    detected = ago(hours=2)
    year = to_local(detected).year
    kept = await declare_on(client, first, [first_activity["id"]], detected=detected)
    assert kept["ref"] == f"VIO-BAG-{year}-0001"

    for org, code in ((first, "BAGNEUX"), (second, "BAG")):
        current = await read(client, f"/organisations/{org['id']}")
        changed = await client.patch(
            f"{API}/organisations/{org['id']}",
            json={"version": current["version"], "short_code": code},
        )
        assert changed.status_code == 200, changed.text
    taken = await declare_on(client, second, [second_activity["id"]], detected=detected)
    assert taken["ref"] == f"VIO-BAG-{year}-0002"  # not a second VIO-BAG-…-0001
    again = await declare_on(client, first, [first_activity["id"]], detected=detected)
    assert again["ref"] == f"VIO-BAGNEUX-{year}-0001"
