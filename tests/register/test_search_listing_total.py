"""A search's `total` is the number of matching activities whatever page is asked for: the
first, one at an offset, one past the end, one after a cursor, and with another filter.
(On PostgreSQL the page's own query counts the matches; on SQLite the index counts them.)"""

from register.activities import search
from tests.factories import API, make_activity, make_org
from tests.queries import counted_queries

LIMIT = 3


async def _page(client, **params) -> dict:
    response = await client.get(f"{API}/activities", params={"limit": LIMIT, **params})
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_search_counts_every_match_on_every_page(client):
    from tortoise import connections

    await search.install(connections.get("default"))
    org = await make_org(client)
    other = await make_org(client)
    matching = [
        await make_activity(client, controller=org, name=f"Cantine scolaire {n}") for n in range(5)
    ]
    matching.append(await make_activity(client, controller=other, name="Cantine du CCAS"))
    await make_activity(client, controller=org, name="Paie des agents")
    await make_activity(client, controller=other, name="État civil")

    first = await _page(client, q="cantine")
    assert first["total"] == 6
    assert len(first["items"]) == LIMIT
    assert first["next_cursor"] is not None

    assert (await _page(client, q="cantine", offset=LIMIT))["total"] == 6
    past_the_end = await _page(client, q="cantine", offset=50)
    assert past_the_end["items"] == []
    assert past_the_end["total"] == 6

    after = await _page(client, q="cantine", cursor=first["next_cursor"])
    assert after["total"] == 6  # all the matches, not those after the cursor
    seen = [item["id"] for item in first["items"] + after["items"]]
    assert sorted(seen) == sorted(a["id"] for a in matching)

    one_body = await _page(client, q="cantine", controller_id=org["id"])
    assert one_body["total"] == 5
    assert (await _page(client, q="cantine scolaire"))["total"] == 5
    nothing = await _page(client, q="introuvable")
    assert (nothing["total"], nothing["items"]) == (0, [])


async def test_a_register_wide_search_finds_its_matches_once_per_page(client):
    from tortoise import connections

    connection = connections.get("default")
    await search.install(connection)
    org = await make_org(client)
    for n in range(4):
        await make_activity(client, controller=org, name=f"Cantine scolaire {n}")
    async with counted_queries() as statements:
        page = await _page(client, q="cantine")
    assert page["total"] == 4  # the premise: the search found and counted them
    # The index answers: a trigram LIKE (PostgreSQL) or an FTS5 MATCH (SQLite).
    searching = [s for s in statements if " LIKE " in s or " MATCH " in s]
    # Counting and paging used to find the matches twice, in two statements.
    assert len(searching) == 1, statements


async def test_a_search_within_one_body_finds_what_the_register_wide_search_finds_there(client):
    from tortoise import connections

    await search.install(connections.get("default"))
    org = await make_org(client)
    other = await make_org(client)
    for name in ["Taux de 100 % de remise_en_état", "Cantine : repas", "Tenue d'état civil"]:
        await make_activity(client, controller=org, name=name)
        await make_activity(client, controller=other, name=name)
    for q in ["etat", "100 %", "%", "_", "remise_en", "d'état", "repas cantine", "zzz", "a"]:
        wide = await _page(client, q=q, limit=100)
        mine = await _page(client, q=q, limit=100, controller_id=org["id"])
        # The premise: the register-wide search reaches both bodies' rows.
        assert wide["total"] == 2 * mine["total"], q
        expected = {i["id"] for i in wide["items"] if i["controller_id"] == org["id"]}
        assert {i["id"] for i in mine["items"]} == expected, q
