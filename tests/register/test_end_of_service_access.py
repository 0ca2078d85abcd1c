"""Who records the end of service: the controller's or the processor's DPO, the archives
outcome the controller's only; another body's convention answers as a missing one."""

from tests.access.conftest import client_as, make_user
from tests.factories import API, gosb_juvisy, make_org

__all__ = ["client_as", "make_user"]
GROUND = "Code du patrimoine, art. L212-2 ; tri selon le tableau de gestion"


async def test_the_processor_records_the_destruction_not_the_archives(client, make_user, client_as):
    world = await gosb_juvisy(client)
    url = f"{API}/conventions/{world['convention']['id']}/end-of-service"
    gosb = await client_as(await make_user("dpd@gosb.fr", (world["gosb"]["id"], "dpo")))
    juvisy = await client_as(await make_user("dpd@juvisy.fr", (world["juvisy"]["id"], "dpo")))

    returned = {"step": "returned", "done_on": "2021-09-15", "how": "Export des bases"}
    assert (await gosb.post(url, json=returned)).status_code == 201
    destroyed = {"step": "destroyed", "done_on": "2021-10-01", "done_by": "Mission numérique"}
    assert (await gosb.post(url, json=destroyed)).status_code == 201

    kept = {"step": "archived", "done_on": "2021-10-01", "legal_ground": GROUND}
    refused = await gosb.post(url, json=kept)
    assert refused.status_code == 403 and "responsable de traitement" in refused.json()["detail"]
    assert (await juvisy.post(url, json=kept)).status_code == 201


async def test_another_bodys_convention_answers_as_a_missing_one(client, make_user, client_as):
    world = await gosb_juvisy(client)
    other = await make_org(client)
    outsider = await client_as(await make_user("dpd@ailleurs.fr", (other["id"], "dpo")))
    missing = f"{API}/conventions/00000000-0000-4000-8000-000000000000/end-of-service"
    url = f"{API}/conventions/{world['convention']['id']}/end-of-service"
    returned = {"step": "returned", "done_on": "2021-09-15", "how": "Export"}
    for path in (url, missing):
        assert (await outsider.get(path)).status_code == 404
        assert (await outsider.post(path, json=returned)).status_code == 404
    state = (await client.get(url)).json()
    assert all(s["record"] is None for s in state["controllers"][0]["steps"])
