"""Transfers made by sub-processors at any depth reach the controller's record (art. 30(1)(e))
and the record of every processor above them (art. 30(2)(c)), marked as coming from the chain;
one to a third country with no mechanism is a missing item, counted in the completeness."""

from datetime import date

from core.scope import Scope
from register.completeness import register_completeness
from tests.factories import API, bodies, complete_record, make_org, make_subprocessor, read

SCC = "Clauses contractuelles types (art. 46.2.c)"


async def _chain(client, *, authorised: bool = True, **us_link):
    """EPT → SIIM (a body, hired for the convention) → a US host hired by SIIM; the commune
    has authorised SIIM (the convention leaves the regime unsaid: each link is asked)."""
    world = await bodies(client)
    siim = await make_org(client, kind="syndicat", legal_name="Syndicat informatique (essai)")
    first = await make_subprocessor(
        client,
        processor=world["ept"],
        name="Syndicat informatique",
        subprocessor_org_id=siim["id"],
        convention_ids=[world["convention"]["id"]],
    )
    us = await make_subprocessor(
        client, processor=siim, parent_id=first["id"], name="Cloud Corp", **us_link
    )
    if authorised:
        await answer(client, first, world["commune"], "authorise")
    return world | {"siim": siim, "first": first, "us": us}


async def answer(client, engagement: dict, controller: dict, kind: str) -> dict:
    given = await client.post(
        f"{API}/subprocessors/{engagement['id']}/answers",
        json={"controller_id": controller["id"], "answer": kind},
    )
    assert given.status_code == 201, given.text
    return given.json()


async def _figures() -> dict:
    everything = await register_completeness(scope=Scope.everything(), today=date(2026, 12, 7))
    return {str(b.organisation_id): b for b in everything}


def _entry(record: dict, activity_id: str) -> dict:
    (entry,) = [e for e in record["activities"] if e["activity"]["id"] == activity_id]
    return entry


async def test_us_sub_sub_processor_with_scc_reaches_both_records_via_the_chain(client):
    w = await _chain(client, country="US", data_locations=["US"], transfer_mechanism="scc_46_2c")
    via = "via le sous-traitant ultérieur Cloud Corp du Syndicat informatique"

    controller = await read(client, f"/organisations/{w['commune']['id']}/records/controller")
    entry = _entry(controller, w["activity"]["id"])
    assert entry["activity"]["transfers"] == []  # the commune declared none itself
    (transfer,) = entry["chain_transfers"]
    assert transfer["country"] == "US"
    assert transfer["recipient"] == "Cloud Corp"
    assert transfer["mechanism"] == "scc_46_2c"
    assert transfer["mechanism_label"] == SCC
    assert transfer["depth"] == 2
    assert transfer["from_chain"] is True
    assert transfer["via"] == via
    assert entry["missing_items"] == []

    processor = await read(client, f"/organisations/{w['ept']['id']}/records/processor")
    (served,) = processor["controllers"]
    assert served["controller"]["organisation_id"] == w["commune"]["id"]
    assert [(t["country"], t["mechanism"], t["via"]) for t in served["chain_transfers"]] == [
        ("US", "scc_46_2c", via)
    ]
    assert served["missing_items"] == []

    # The sub-processor body's own record: the US host is its own sub-processor (depth 1).
    siim = await read(client, f"/organisations/{w['siim']['id']}/records/processor")
    (own,) = siim["controllers"]
    assert own["acting_for"]["organisation_id"] == w["ept"]["id"]
    assert [(t["depth"], t["hired_by"]) for t in own["chain_transfers"]] == [
        (1, "Syndicat informatique (essai)")
    ]


async def test_a_host_in_the_eu_of_a_us_company_is_a_transfer_by_its_establishment(client):
    """`country` (where it is established) counts as much as where it keeps the data."""
    w = await _chain(client, country="US", data_locations=["FR"], transfer_mechanism="scc_46_2c")
    controller = await read(client, f"/organisations/{w['commune']['id']}/records/controller")
    assert [t["country"] for t in _entry(controller, w["activity"]["id"])["chain_transfers"]] == [
        "US"
    ]


async def test_a_chain_inside_the_eea_makes_no_transfer(client):
    w = await _chain(client, country="IE", data_locations=["DE", "NO"])
    controller = await read(client, f"/organisations/{w['commune']['id']}/records/controller")
    entry = _entry(controller, w["activity"]["id"])
    assert [s["name"] for p in entry["processors"] for s in p["subprocessors"]] == [
        "Syndicat informatique",
        "Cloud Corp",
    ]
    assert entry["chain_transfers"] == [] and entry["missing_items"] == []


async def test_us_sub_processor_without_mechanism_is_a_missing_item_counted_in_completeness(
    client,
):
    # Established in the US, data said to be in France: the API accepts it with no mechanism.
    w = await _chain(client, country="US", data_locations=["FR"])
    completed = await client.patch(
        f"{API}/activities/{w['activity']['id']}",
        json={"version": w["activity"]["version"], **complete_record()},
    )
    assert completed.status_code == 200, completed.text
    activity = await read(client, f"/activities/{w['activity']['id']}")
    assert activity["missing_fields"] == []  # complete but for the chain's transfer

    controller = await read(client, f"/organisations/{w['commune']['id']}/records/controller")
    entry = _entry(controller, w["activity"]["id"])
    (transfer,) = entry["chain_transfers"]
    assert transfer["mechanism"] is None and transfer["missing_mechanism"] is True
    (missing,) = entry["missing_items"]
    assert "US sans mécanisme des articles 45 à 49" in missing
    assert "via le sous-traitant ultérieur Cloud Corp du Syndicat informatique" in missing

    processor = await read(client, f"/organisations/{w['ept']['id']}/records/processor")
    assert processor["controllers"][0]["missing_items"] == [missing]

    figures = await _figures()
    commune = figures[w["commune"]["id"]]
    assert (commune.activities, commune.incomplete, commune.transfer_gaps) == (1, 1, 1)
    assert commune.complete_share == 0
    assert figures[w["ept"]["id"]].transfer_gaps == 0  # the controller's register, not the EPT's

    # The mechanism given: the gap closes in the record and the figures.
    fixed = await client.patch(
        f"{API}/subprocessors/{w['us']['id']}",
        json={"version": w["us"]["version"], "transfer_mechanism": "adequacy_45"},
    )
    assert fixed.status_code == 200, fixed.text
    controller = await read(client, f"/organisations/{w['commune']['id']}/records/controller")
    entry = _entry(controller, w["activity"]["id"])
    assert entry["missing_items"] == []
    assert entry["chain_transfers"][0]["mechanism_label"] == "Décision d'adéquation (art. 45)"
    after = (await _figures())[w["commune"]["id"]]
    assert (after.incomplete, after.transfer_gaps, after.complete_share) == (0, 0, 100)


async def test_a_chain_still_awaiting_the_controllers_authorisation_makes_no_transfer_of_its(
    client,
):
    """A requested (or refused) sub-processor does not process the controller's data yet:
    its chain's transfers are neither in the records nor a gap in the figures."""
    w = await _chain(client, authorised=False, country="US", data_locations=["FR"])
    state = await read(client, f"/subprocessors/{w['first']['id']}")
    assert state["state"] == "requested"  # the premise: the commune has not answered

    controller = await read(client, f"/organisations/{w['commune']['id']}/records/controller")
    entry = _entry(controller, w["activity"]["id"])
    assert [s["name"] for p in entry["processors"] for s in p["subprocessors"]] == [
        "Syndicat informatique",
        "Cloud Corp",
    ]  # the controller still sees who is asked, on its own record
    assert entry["chain_transfers"] == [] and entry["missing_items"] == []
    processor = await read(client, f"/organisations/{w['ept']['id']}/records/processor")
    assert processor["controllers"][0]["chain_transfers"] == []
    assert (await _figures())[w["commune"]["id"]].transfer_gaps == 0

    await answer(client, w["first"], w["commune"], "object")
    assert (await read(client, f"/subprocessors/{w['first']['id']}"))["state"] == "objected"
    controller = await read(client, f"/organisations/{w['commune']['id']}/records/controller")
    assert _entry(controller, w["activity"]["id"])["chain_transfers"] == []
    assert (await _figures())[w["commune"]["id"]].transfer_gaps == 0

    await answer(client, w["first"], w["commune"], "authorise")
    controller = await read(client, f"/organisations/{w['commune']['id']}/records/controller")
    (transfer,) = _entry(controller, w["activity"]["id"])["chain_transfers"]
    assert transfer["recipient"] == "Cloud Corp" and transfer["missing_mechanism"] is True
    assert (await _figures())[w["commune"]["id"]].transfer_gaps == 1
