"""A NUL character (U+0000) is refused with the field's name, on both engines alike:
PostgreSQL cannot store it (found by schemathesis as a 500 on a token's name)."""

from tests.factories import API, make_org


async def test_a_nul_in_a_body_field_is_refused_naming_the_field_and_nothing_is_written(client):
    org = await make_org(client)
    response = await client.post(
        f"{API}/contacts",
        json={"organisation_id": org["id"], "name": "Jean\u0000Dupont", "roles": ["dpo"]},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "name"],
            "msg": "caractère nul (U+0000) refusé : retirez-le du texte",
            "type": "value_error",
        }
    ]
    listed = await client.get(f"{API}/contacts", params={"organisation_id": org["id"]})
    assert listed.json()["total"] == 0


async def test_a_nul_deep_in_a_list_and_in_a_query_are_refused_with_their_place(client):
    response = await client.post(
        f"{API}/auth/tokens", json={"name": "outil", "extra": [{"x": "a\u0000"}]}
    )
    assert response.json()["detail"][0]["loc"] == ["body", "extra", 0, "x"]
    response = await client.get(f"{API}/activities", params={"q": "état\u0000civil"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "q"]


async def test_text_without_nul_goes_through_untouched(client):
    org = await make_org(client)
    response = await client.post(
        f"{API}/contacts",
        json={"organisation_id": org["id"], "name": "Zoé N'Diaye \\u0000", "roles": ["dpo"]},
    )
    # An escaped backslash followed by "u0000" is ordinary text, not a NUL.
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Zoé N'Diaye \\u0000"


async def test_a_nul_beside_nulls_numbers_and_booleans_is_still_found(client):
    # Found by schemathesis: the search tripped on a null before reaching the NUL.
    org = await make_org(client)
    response = await client.patch(
        f"{API}/organisations/{org['id']}",
        json={"version": 1, "siret": None, "population": 3, "address": "rue\u0000"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "address"]
