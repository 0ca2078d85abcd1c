"""What the register relies on cannot vanish silently, and names are found as people type them."""

from tests.factories import API, make_activity, make_convention, make_measure, make_org, read


async def test_a_convention_still_founding_an_activity_cannot_be_deleted(client):
    ept = await make_org(client, kind="ept")
    juvisy = await make_org(client)
    convention = await make_convention(client, processor=ept, controller=juvisy)
    activity = await make_activity(client, controller=juvisy, convention_ids=[convention["id"]])

    response = await client.delete(f"{API}/conventions/{convention['id']}")

    assert response.status_code == 409
    assert "1 activité" in response.json()["detail"]
    assert (await read(client, f"/activities/{activity['id']}"))["convention_ids"] == [
        convention["id"]
    ]
    await read(client, f"/conventions/{convention['id']}")


async def test_a_measure_still_protecting_an_activity_cannot_be_deleted(client):
    juvisy = await make_org(client)
    measure = await make_measure(client, organisation=juvisy)
    activity = await make_activity(client, controller=juvisy, security_measure_ids=[measure["id"]])

    response = await client.delete(f"{API}/measures/{measure['id']}")

    assert response.status_code == 409
    assert (await read(client, f"/activities/{activity['id']}"))["security_measure_ids"] == [
        measure["id"]
    ]


async def test_an_unlinked_measure_can_be_deleted(client):
    juvisy = await make_org(client)
    measure = await make_measure(client, organisation=juvisy)
    assert (await client.delete(f"{API}/measures/{measure['id']}")).status_code == 204


async def test_organisations_are_found_without_accents_and_sorted_as_read(client):
    await make_org(client, kind="ept", legal_name="Établissement public territorial Grand-Orly")
    await make_org(client, legal_name="Ville de Boulogne-Billancourt")
    await make_org(client, legal_name="Commune d'Essey-lès-Nancy")

    found = (await read(client, "/organisations?q=etablissement grand"))["items"]
    names = [o["legal_name"] for o in (await read(client, "/organisations"))["items"]]

    assert [o["legal_name"] for o in found] == ["Établissement public territorial Grand-Orly"]
    assert names == [
        "Commune d'Essey-lès-Nancy",
        "Établissement public territorial Grand-Orly",
        "Ville de Boulogne-Billancourt",
    ]
