"""An instant is found by the day a person types, whatever the engine: SQLite compares text,
so the bounds (Paris midnight) and the stored instants (UTC) must be written alike."""

from datetime import UTC, datetime

import pytest

from core.audit.models import AuditEvent
from core.validators import parse_period_bound

pytestmark = pytest.mark.usefixtures("db")


async def _event(at: datetime) -> AuditEvent:
    return await AuditEvent.create(
        chain="instance",
        seq=1,
        at=at,
        actor="test",
        action="test.event",
        entity_type="test",
        entity_id="1",
        prev_hash="0" * 64,
        hash="1" * 64,
    )


async def test_an_instant_just_after_paris_midnight_belongs_to_that_paris_day():
    # 23:30 UTC on 7 December is 00:30 on 8 December in Paris (UTC+1 in winter).
    event = await _event(datetime(2026, 12, 7, 23, 30, tzinfo=UTC))
    since = parse_period_bound("2026-12-08")
    until = parse_period_bound("2026-12-08", end=True)
    assert since.utcoffset() is not None and since == datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
    found = await AuditEvent.filter(at__gte=since, at__lt=until).values_list("id", flat=True)
    assert found == [event.id]
    before = parse_period_bound("2026-12-07", end=True)
    assert await AuditEvent.filter(at__lt=before).count() == 0
