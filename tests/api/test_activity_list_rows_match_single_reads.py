"""A page of the activity list is built from the stored columns without an ORM object per
row: each activity it lists reads exactly as the same activity fetched alone (JSON lists,
dates, timestamps, links, derived fields)."""

from tests.factories import API, complete_record, make_activity, make_measure, make_org, read


async def test_each_listed_activity_is_the_one_read_alone(client):
    org = await make_org(client)
    measures = [(await make_measure(client, organisation=org))["id"] for _ in range(2)]
    await make_activity(
        client,
        controller=org,
        name="Paie des agents",
        status="finished",
        next_review="2020-01-31",
        special_categories=["health"],
        art9_condition="Art. 9.2.b",
        dpia_criteria=["large_scale", "data_matching"],
        security_measure_ids=measures,
        **complete_record(),
    )
    await make_activity(client, controller=org, name="Brouillon sans rien")

    listed = (await read(client, "/activities?limit=10"))["items"]
    assert len(listed) == 2
    for item in listed:
        assert item == await read(client, f"/activities/{item['id']}")
    full = next(item for item in listed if item["name"] == "Paie des agents")
    assert sorted(full["security_measure_ids"]) == sorted(measures)
    assert full["review_overdue"] and full["has_sensitive_data"] and full["retention"]
    assert full["next_review"] == "2020-01-31"
    assert (await client.get(f"{API}/activities", params={"data_category": "civil_status"})).json()[
        "total"
    ] == 1
