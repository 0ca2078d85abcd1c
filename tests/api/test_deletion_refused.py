"""What a breach, an incident, the records or a convention refers to cannot be deleted: 409
naming what refers to it, in the API, the pages and the command line (register.deletion, the
guards registered by breach and register). Deleting an activity an incident cited used to
empty the breach's `activity_ids` (and answer 500 on the incident afterwards)."""

import pytest

from tests.access.conftest import make_user  # noqa: F401  (the fixture)
from tests.factories import (
    API,
    ago,
    bodies,
    declare_on,
    make_activity,
    make_contact,
    make_convention,
    make_dpo,
    make_measure,
    make_org,
    make_subprocessor,
    read,
)
from tests.web.conftest import browser, csrf_of  # noqa: F401  (the fixture)


def incident(org: dict, **links) -> dict:
    return {
        "organisation_id": org["id"],
        "title": "Panne du serveur mutualisé",
        "description": "Serveur de fichiers indisponible, copie de fichiers constatée.",
        "detected_at": ago(hours=1).isoformat(),
        "nature": ["availability"],
        "origin": "hacking_malware_phishing",
        "cause": "external_malicious",
        **links,
    }


@pytest.fixture
async def hit(client):
    world = await bodies(client)
    breach = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=2)
    )
    return {**world, "breach": breach}


async def test_an_activity_an_incident_cites_is_kept_and_the_breach_named(client, hit):
    activity, breach = hit["activity"], hit["breach"]

    response = await client.delete(f"{API}/activities/{activity['id']}")

    assert response.status_code == 409
    assert breach["ref"] in response.json()["detail"]
    assert (
        "suppression impossible : l'activité est citée par la violation"
        in response.json()["detail"]
    )
    await read(client, f"/activities/{activity['id']}")
    incident_id = breach["incident_id"]
    assert activity["id"] in (await read(client, f"/incidents/{incident_id}"))["activity_ids"]
    assert (await read(client, f"/breaches/{breach['id']}"))["activity_ids"] == [activity["id"]]
    assert (await client.get(f"{API}/incidents")).status_code == 200
    incident = await read(client, f"/incidents/{incident_id}")
    patched = await client.patch(
        f"{API}/incidents/{incident_id}", json={"version": incident["version"], "system": "NAS"}
    )
    assert patched.status_code == 200, patched.text


async def test_an_activity_no_incident_cites_is_deleted(client, hit):
    other = await make_activity(client, controller=hit["commune"])
    assert (await client.delete(f"{API}/activities/{other['id']}")).status_code == 204


async def test_a_body_party_to_a_breach_is_kept_naming_it(client, hit):
    response = await client.delete(f"{API}/organisations/{hit['commune']['id']}")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert hit["breach"]["ref"] in detail and "Inscriptions périscolaires" in detail
    assert "Convention de services informatiques partagés" in detail
    await read(client, f"/organisations/{hit['commune']['id']}")


async def test_a_convention_a_breach_cites_is_kept_naming_it(client, hit):
    # Unlink the activity first: only the breach still cites the convention.
    activity = await read(client, f"/activities/{hit['activity']['id']}")
    unlinked = await client.patch(
        f"{API}/activities/{activity['id']}",
        json={"version": activity["version"], "convention_ids": []},
    )
    assert unlinked.status_code == 200, unlinked.text
    cited = await client.post(
        f"{API}/incidents",
        json=incident(hit["commune"], convention_ids=[hit["convention"]["id"]]),
    )
    assert cited.status_code == 201, cited.text
    (breach_id,) = cited.json()["breach_ids"]
    breach = await read(client, f"/breaches/{breach_id}")

    response = await client.delete(f"{API}/conventions/{hit['convention']['id']}")

    assert response.status_code == 409, response.text
    assert breach["ref"] in response.json()["detail"]
    await read(client, f"/conventions/{hit['convention']['id']}")


async def test_a_dpo_still_designated_is_kept_naming_the_body(client):
    dpo = await make_dpo(client)
    org = await make_org(client, legal_name="Commune de Sceaux", dpo_id=dpo["id"])
    response = await client.delete(f"{API}/dpos/{dpo['id']}")
    assert response.status_code == 409
    assert "le DPO est encore désigné par « Commune de Sceaux »" in response.json()["detail"]
    assert (await read(client, f"/organisations/{org['id']}"))["dpo_id"] == dpo["id"]


async def test_an_engagement_with_a_further_one_is_kept_naming_it(client):
    ept = await make_org(client, kind="ept")
    host = await make_org(client, kind="other", legal_name="Hébergeur SAS")
    parent = await make_subprocessor(
        client, processor=ept, name="Hébergeur", subprocessor_org_id=host["id"]
    )
    child = await make_subprocessor(
        client, processor=host, name="Sauvegarde externalisée", parent_id=parent["id"]
    )
    response = await client.delete(f"{API}/subprocessors/{parent['id']}")
    assert response.status_code == 409, response.text
    assert "« Sauvegarde externalisée »" in response.json()["detail"]
    await read(client, f"/subprocessors/{child['id']}")


async def test_unreferenced_records_are_still_deleted(client):
    org = await make_org(client)
    dpo = await make_dpo(client)
    contact = await make_contact(client, organisation=org)
    measure = await make_measure(client, organisation=org)
    for path in (
        f"/contacts/{contact['id']}",
        f"/measures/{measure['id']}",
        f"/dpos/{dpo['id']}",
        f"/organisations/{org['id']}",
    ):
        assert (await client.delete(f"{API}{path}")).status_code == 204, path


async def test_another_bodys_breach_is_counted_never_named(client, make_user, hit):  # noqa: F811
    other = await make_org(client, legal_name="Commune de Sceaux")
    convention = await make_convention(client, processor=hit["ept"], controller=other)
    theirs = await make_activity(client, controller=other, convention_ids=[convention["id"]])
    shared = await client.post(
        f"{API}/incidents",
        json=incident(hit["ept"], activity_ids=[hit["activity"]["id"], theirs["id"]]),
    )
    assert shared.status_code == 201, shared.text
    refs = {
        b["controller_id"]: b["ref"] for b in (await read(client, "/breaches?limit=50"))["items"]
    }
    dpo = await make_user("dpd@vitry.fr", (hit["commune"]["id"], "dpo"))
    from tests.access.conftest import new_client

    async with new_client() as http:
        from core.accounts.tokens import issue_token
        from core.clock import utcnow

        token = (await issue_token(user=dpo, name="t", days=1, now=utcnow())).secret
        response = await http.delete(
            f"{API}/activities/{hit['activity']['id']}",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert refs[hit["commune"]["id"]] in detail and hit["breach"]["ref"] in detail
    assert "et 1 d'un autre organisme" in detail and "Sceaux" not in detail


async def test_the_page_refuses_it_naming_the_breach(client, browser, make_user, hit):  # noqa: F811
    dpo = await make_user("dpd@vitry.fr", (hit["commune"]["id"], "dpo"))
    http = await browser(dpo)
    url = f"/registre/{hit['activity']['id']}/supprimer"
    form = await http.get(url)
    assert form.status_code == 200

    answer = await http.post(
        url, data={"csrf_token": csrf_of(form.text), "version": hit["activity"]["version"]}
    )

    assert answer.status_code == 409
    assert hit["breach"]["ref"] in answer.text
    await read(client, f"/activities/{hit['activity']['id']}")
