"""Small persistence helpers every service uses: versioned writes, journaled, and scoped reads.

`update_versioned`, `delete_versioned` and `create_journaled` record each write in the audit
journal (core.audit.trail), in the write's transaction: a refused write records nothing.
Pages are read by `core.paging.paginate` (below the audit journal, which pages its own list).
"""

from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.models import Model
from tortoise.transactions import in_transaction

from core.audit.trail import journaled, record_created
from core.clock import utcnow
from core.crypto import seal_values
from core.errors import Conflict, NotFound

# Moved to core.paging; still importable from here for code written before the move.
from core.paging import Page as Page
from core.paging import paginate as paginate


async def update_versioned(
    model: type[Model], *, obj_id: UUID, expected_version: int, values: dict[str, Any]
) -> int:
    """Write `values` only if the row still has `expected_version`; return the new version.

    The version check and the write are one UPDATE statement, so two editors racing cannot
    both win: the second gets a Conflict instead of silently overwriting the first.
    The fields it changes are journaled with their values before and after.
    """
    async with journaled(model, obj_id, action="update"):
        await _update_or_conflict(model, obj_id, expected_version, values)
    return expected_version + 1


async def _update_or_conflict(
    model: type[Model], obj_id: UUID, expected_version: int, values: dict[str, Any]
) -> None:
    # Encrypted fields are encrypted here, bound to this row (core.crypto): the query set then
    # writes them as they are, in one UPDATE with the version check.
    updated = await model.filter(id=obj_id, version=expected_version).update(
        **seal_values(model, obj_id, values), version=F("version") + 1, updated_at=utcnow()
    )
    if updated == 0:
        current = await model.filter(id=obj_id).values_list("version", flat=True)
        actual = current[0] if current else None
        raise Conflict(
            f"modification refusée : la fiche a été modifiée entre-temps "
            f"(version envoyée {expected_version}, version actuelle {actual}); "
            "rechargez-la puis recommencez"
        )


async def create_journaled(model: type[Model], **values: Any) -> Any:
    """Create a row and journal it whole, in one transaction (a record without links; one
    with links calls `record_created` once they are written)."""
    async with in_transaction():
        obj = await model.create(**values)
        await record_created(model, obj.id)
    return obj


async def get_scoped(model: type[Model], *, scope: Any, obj_id: UUID, label: str) -> Any:
    """Fetch one row the scope may see; a row outside the scope is reported as absent,
    so a guessed identifier reveals nothing about another body."""
    obj = await model.filter(id=obj_id, **model.scope_filter(scope)).first()
    if obj is None:
        raise NotFound(label, obj_id)
    return obj


async def delete_versioned(
    model: type[Model], *, obj: Any, expected_version: int | None, label: str
) -> None:
    """Delete a row, journaled whole; refuse (409) when it is stale or still referenced
    elsewhere."""
    query = model.filter(id=obj.id)
    if expected_version is not None:
        query = query.filter(version=expected_version)
    async with journaled(model, obj.id, action="delete"):
        try:
            deleted = await query.delete()
        except IntegrityError:
            raise Conflict(
                f"suppression impossible : {label} est encore utilisé(e) ailleurs dans le registre"
            ) from None
        if deleted == 0:
            raise Conflict(f"suppression refusée : {label} a été modifié(e) entre-temps")
