"""Every list answers a page in a constant number of SQL queries, whatever its size.

The queries are counted at the database client (tests/queries.py). A page of 2 rows and a
page of 20 rows of the same list must cost the same number of queries: a shaper that looks
up something per row (N+1) fails here.
"""

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
from tortoise import connections
from tortoise.transactions import in_transaction

from api.app import create_app
from core.accounts.roles import Role
from core.accounts.service import create_user, grant
from core.accounts.tokens import issue_token
from core.clock import utcnow
from core.outbox.service import Draft, enqueue
from tests.factories import (
    API,
    make_activity,
    make_contact,
    make_convention,
    make_dpo,
    make_measure,
    make_org,
    make_subprocessor,
    party,
)
from tests.queries import counted_queries

ROWS = 20  # the big page; the small one has 2 rows


async def queries_for(client: httpx.AsyncClient, path: str, size: int) -> list[str]:
    """The statements one GET of a page of `size` rows sends; the page must be full."""
    async with counted_queries() as statements:
        response = await client.get(f"{API}{path}", params={"limit": size})
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == size, f"{path}: fewer than {size} rows to page"
    assert statements, f"{path}: no query counted (is the hook on the right connection?)"
    return statements


def _repeated(statements: list[str]) -> str:
    """The statements sent more than once, the most repeated first: where an N+1 hides."""
    repeats = Counter(statements).most_common()
    return "\n".join(f"    {n} × {sql[:160]}" for sql, n in repeats if n > 1)


def _at(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


async def _seed(client: httpx.AsyncClient) -> dict:
    """ROWS of everything a list shows, each with the related rows its shaper looks up."""
    ept = await make_org(client, kind="ept", dpo_id=(await make_dpo(client))["id"])
    commune = await make_org(client, dpo_id=(await make_dpo(client))["id"])
    for _ in range(ROWS):  # DPOs each serving a body
        await make_org(client, dpo_id=(await make_dpo(client))["id"])
    for _ in range(ROWS):
        await make_contact(client, organisation=commune)
    measures = [await make_measure(client, organisation=commune) for _ in range(ROWS)]
    conventions = [
        await make_convention(client, processor=ept, controller=commune, breach_notice_hours=24)
        for _ in range(ROWS)
    ]
    activities = [
        await make_activity(
            client,
            controller=commune,
            convention_ids=[c["id"]],
            joint_controller_ids=[ept["id"]],
            security_measure_ids=[m["id"]],
        )
        for c, m in zip(conventions, measures, strict=True)
    ]
    for convention, activity in zip(conventions, activities, strict=True):
        await make_subprocessor(
            client,
            processor=ept,
            convention_ids=[convention["id"]],
            activity_ids=[activity["id"]],
        )
    for index, activity in enumerate(activities):  # on the EPT's system: a breach of the commune
        response = await client.post(
            f"{API}/incidents",
            json={
                "organisation_id": ept["id"],
                "title": f"Incident {index}",
                "description": "Serveur de fichiers chiffré.",
                "detected_at": _at(index + 1),
                "nature": ["availability"],
                "activity_ids": [activity["id"]],
            },
        )
        assert response.status_code == 201, response.text
        incident = response.json()
        response = await client.patch(
            f"{API}/incidents/{incident['id']}",
            json={"version": incident["version"], "system": "Serveur de fichiers"},
        )
        assert response.status_code == 200, response.text
    for index in range(ROWS):
        await enqueue(
            Draft(
                kind="test",
                to_addrs=("dpd@example.fr",),
                subject=f"Message {index}",
                body_text="Corps",
                organisation_id=commune["id"],
            ),
            now=utcnow(),
        )
    return {"ept": ept, "commune": commune}


@asynccontextmanager
async def _ept_dpo(ept: dict) -> AsyncIterator[httpx.AsyncClient]:
    """The API as the EPT's DPO, who proposes ROWS conventions to a body they do not act for
    (each awaits that body's answer)."""
    user = await create_user(email="dpd-ept@registre-rgpd.test", name="DPD EPT", password=None)
    await grant(user, organisation_id=ept["id"], role=Role.DPO)
    issued = await issue_token(user=user, name="tests", days=1, now=utcnow())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(manage_database=False)),
        base_url="http://test",
        headers={"Authorization": f"Bearer {issued.secret}"},
    ) as dpo:
        yield dpo


# Every paged list of the API, seen by an instance administrator.
LISTS = [
    "/organisations",
    "/dpos",
    "/contacts",
    "/conventions",
    "/activities",
    "/measures",
    "/subprocessors",
    "/incidents",
    "/breaches",
    "/messages",
    "/organisations/{commune}/journal",
]
# Those a body's DPO sees with rows scoped to their bodies, and proposals awaiting others.
LISTS_OF_THE_EPT_DPO = ["/conventions", "/breaches", "/incidents", "/subprocessors"]


async def _compare(client: httpx.AsyncClient, path: str, counts: dict, label: str) -> None:
    small = await queries_for(client, path, 2)
    big = await queries_for(client, path, ROWS)
    counts[label] = (len(small), len(big), _repeated(big))


async def test_every_list_costs_the_same_queries_for_2_rows_and_for_20(client):
    seeded = await _seed(client)
    counts: dict[str, tuple[int, int, str]] = {}
    for path in LISTS:
        await _compare(client, path.format(commune=seeded["commune"]["id"]), counts, path)
    async with _ept_dpo(seeded["ept"]) as dpo:
        other = await make_org(client)
        for _ in range(ROWS):
            await make_convention(
                dpo, parties=[party(seeded["ept"], "processor"), party(other, "controller")]
            )
        for path in LISTS_OF_THE_EPT_DPO:
            await _compare(dpo, path, counts, f"{path} (the EPT's DPO)")
    report = "\n".join(
        f"{label}: {small} queries for 2 rows, {big} for {ROWS}"
        + (f"\n{repeated}" if small != big else "")
        for label, (small, big, repeated) in counts.items()
    )
    print(report)
    assert all(small == big for small, big, _ in counts.values()), (
        f"queries grow with the page size:\n{report}"
    )


async def test_statements_inside_a_transaction_are_counted(db):
    # The counter serves the write paths too (reminders, exports): a transaction's client must
    # not escape it.
    async with counted_queries() as statements:
        async with in_transaction() as connection:
            await connection.execute_query("SELECT 1 AS inside")
        await connections.get("default").execute_query("SELECT 2 AS outside")
    assert statements == ["SELECT 1 AS inside", "SELECT 2 AS outside"]
