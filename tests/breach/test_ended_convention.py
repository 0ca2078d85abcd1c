"""A breach on data still held under an ended convention fans out all the same (the data are
still there), and the processor's notice says the convention has ended and since when."""

from datetime import timedelta

from core.clock import today_local
from core.french import format_day
from tests.factories import (
    API,
    BREACHES,
    ago,
    bodies,
    declare_on,
    outbox,
    read,
    with_facts,
)


async def _ended_world(client) -> tuple[dict, str]:
    world = await bodies(client)
    convention = world["convention"]
    last_day = today_local() - timedelta(days=1)
    response = await client.post(
        f"{API}/conventions/{convention['id']}/termination",
        json={
            "version": convention["version"],
            "terminated_on": last_day.isoformat(),
            "reason": "Démutualisation",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "terminated_early"
    return world, f"convention résiliée avant son terme, fin le {format_day(last_day)}"


async def test_a_breach_under_an_ended_convention_still_fans_out_with_the_warning(client):
    world, words = await _ended_world(client)
    declared = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=2)
    )
    # The commune's breach, reached through the convention: processor path, its notice clock.
    assert declared["controller_id"] == world["commune"]["id"]
    assert declared["convention_id"] == world["convention"]["id"]
    assert declared["controller_notice_due_at"] is not None
    breach = await with_facts(client, declared)

    preview = await read(client, f"/breaches/{breach['id']}/previews/controller-notice")
    assert f"Attention : {words}." in preview["body"]
    assert "toujours détenues et touchées par cette violation" in preview["body"]

    sent = await client.post(
        f"{BREACHES}/{breach['id']}/controller-notice", json={"version": breach["version"]}
    )
    assert sent.status_code == 200, sent.text
    (message,) = await outbox(kind="breach.controller_notice")
    assert f"Attention : {words}." in message.body_text
    # The controller's CNIL document says it beside the processor that was hit.
    cnil = await read(client, f"/breaches/{breach['id']}/previews/cnil")
    assert f"Convention qui la liait à l'organisme : {words} ;" in cnil["body"]


async def test_a_convention_in_force_adds_no_warning_to_the_notice(client):
    world = await bodies(client)
    declared = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=2)
    )
    breach = await with_facts(client, declared)
    preview = await read(client, f"/breaches/{breach['id']}/previews/controller-notice")
    assert "Convention de services informatiques partagés" in preview["body"]
    assert "Attention : convention" not in preview["body"]
    cnil = await read(client, f"/breaches/{breach['id']}/previews/cnil")
    assert "Violation survenue chez" in cnil["body"]  # the premise: the source is named
    assert "Convention qui la liait" not in cnil["body"]
