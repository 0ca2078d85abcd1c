"""Keyset paging of the activities (`cursor` / `next_cursor`): while rows are inserted
between two pages, before and after the reader's position, every row that was there from
the start is read exactly once; `offset` paging, kept for compatibility, repeats one."""

from tests.factories import API, make_activity, make_org

LIMIT = 4


async def _page(client, **params) -> dict:
    response = await client.get(f"{API}/activities", params={"limit": LIMIT, **params})
    assert response.status_code == 200, response.text
    return response.json()


async def _register(client) -> tuple[dict, set[str]]:
    org = await make_org(client)
    # Equal names too: the order is (name, id), so ties are broken the same way every time.
    names = [f"Traitement {n:02d}" for n in range(0, 30, 2)] + ["Traitement 10"] * 3
    ids = {(await make_activity(client, controller=org, name=name))["id"] for name in names}
    return org, ids


async def test_cursor_pages_read_every_row_once_while_rows_are_inserted(client):
    org, original = await _register(client)
    seen: list[str] = []
    inserted_after: set[str] = set()
    body = await _page(client)
    turn = 0
    while True:
        seen += [item["id"] for item in body["items"]]
        assert body["total"] >= len(original)
        if body["next_cursor"] is None:
            break
        turn += 1
        # Someone adds a record that sorts before the reader's position, and one after it.
        await make_activity(client, controller=org, name=f"Traitement 00 bis {turn}")
        late = await make_activity(client, controller=org, name=f"Traitement 99 bis {turn}")
        inserted_after.add(late["id"])
        body = await _page(client, cursor=body["next_cursor"])

    assert turn >= 4, "the register spans several pages"
    assert len(seen) == len(set(seen)), "a row was read twice"
    assert original <= set(seen), "a row was skipped"
    assert inserted_after <= set(seen), "rows added after the position are read too"


async def test_offset_pages_repeat_a_row_when_one_is_inserted_before_the_position(client):
    """The premise of the test above: the inserts it makes do disturb offset paging."""
    org, _ = await _register(client)
    first = await _page(client)
    await make_activity(client, controller=org, name="Traitement 00 bis")
    second = await _page(client, offset=LIMIT)
    assert first["items"][-1]["id"] == second["items"][0]["id"]
    assert first["offset"] == 0 and second["offset"] == LIMIT


async def test_the_last_page_has_no_cursor_and_filters_hold_across_pages(client):
    org, original = await _register(client)
    other = await make_org(client)
    await make_activity(client, controller=other, name="Traitement 05")
    ids, cursor = [], None
    while True:
        body = await _page(
            client, controller_id=org["id"], **({"cursor": cursor} if cursor else {})
        )
        ids += [item["id"] for item in body["items"]]
        assert body["total"] == len(original)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert ids == [
        item["id"] for item in (await _page(client, controller_id=org["id"], limit=100))["items"]
    ]
    assert set(ids) == original


async def test_a_bad_cursor_or_a_cursor_with_an_offset_is_refused_in_french(client):
    await _register(client)
    cursor = (await _page(client))["next_cursor"]
    for bad in ["nimporte-quoi", "W10", "WyJhIiwgIm5vbi11dWlkIl0", "e30", "!!", "WyJceDAwIiwgMV0"]:
        response = await client.get(f"{API}/activities", params={"cursor": bad})
        assert response.status_code == 422, (bad, response.text)
        assert "curseur invalide" in response.text
    both = await client.get(f"{API}/activities", params={"cursor": cursor, "offset": 4})
    assert both.status_code == 422
    assert "offset ne se combine pas avec cursor" in both.text
    too_long = await client.get(f"{API}/activities", params={"cursor": "A" * 1001})
    assert too_long.status_code == 422
