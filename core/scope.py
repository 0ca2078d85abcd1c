"""Which organisations a caller may see and change.

Every service takes a Scope. Until accounts and roles exist, the API hands out
`Scope.everything()`; the access layer will build a Scope from the caller's memberships
and nothing below the API has to change.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Scope:
    org_ids: frozenset[UUID] | None  # None: every organisation (administrator, CLI)

    @classmethod
    def everything(cls) -> "Scope":
        return cls(None)

    @classmethod
    def of(cls, org_ids: Iterable[UUID]) -> "Scope":
        return cls(frozenset(org_ids))

    @property
    def is_unrestricted(self) -> bool:
        return self.org_ids is None

    def allows(self, org_id: UUID | None) -> bool:
        return self.org_ids is None or org_id in self.org_ids

    def allows_any(self, org_ids: Iterable[UUID]) -> bool:
        return self.org_ids is None or any(o in self.org_ids for o in org_ids)
