"""The breach register's rows cost a constant number of statements per batch, whatever the
number of breaches in it or the bodies they come from."""

from datetime import UTC, datetime
from uuid import UUID

from breach import export
from breach.export import breach_rows
from tests.factories import ago, bodies, declare_on
from tests.queries import counted_queries


async def _statements(controller_id: UUID) -> tuple[int, int]:
    async with counted_queries() as statements:
        rows = [r async for r in breach_rows(controller_id, "Commune", now=datetime.now(UTC))]
    return len(rows), len(statements)


async def test_one_batch_costs_the_same_for_one_or_three_breaches(db, client, monkeypatch):
    monkeypatch.setattr(export, "BATCH", 3)
    world = await bodies(client)
    commune, activity = world["commune"], world["activity"]
    controller = UUID(commune["id"])

    await declare_on(client, commune, [activity["id"]], detected=ago(days=3))
    one = await _statements(controller)
    for days in (2, 1):
        await declare_on(client, commune, [activity["id"]], detected=ago(days=days))
    three = await _statements(controller)
    await declare_on(client, commune, [activity["id"]], detected=ago(hours=5))
    four = await _statements(controller)

    assert (one[0], three[0], four[0]) == (1, 3, 4)  # the premise: every breach is a row
    assert one[1] == three[1]
    # A second batch costs the same statements as the first (the breaches with their
    # incidents and bodies, then what breaches_out reads for a batch: notifications, their
    # deliveries, events, activities, the bodies' codes…); a walk ends with an empty read.
    batch = one[1] - 1
    assert four[1] - three[1] == batch
    assert batch <= 8
