"""Which organisations a caller may see and change.

Every service takes a Scope. The API builds it per request from the caller's memberships
and the permission the route needs (core.accounts.roles); an instance administrator and
the command line get `Scope.everything()`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Scope:
    org_ids: frozenset[UUID] | None  # None: every organisation (administrator, CLI)
    # Bodies whose systems the caller answers for: the breaches those bodies must report to
    # their controllers are visible through them too (a processor's people), never the rest
    # of the controllers' registers. Only the breach filter reads it.
    sources: frozenset[UUID] = frozenset()

    @classmethod
    def everything(cls) -> "Scope":
        return cls(None)

    @classmethod
    def of(cls, org_ids: Iterable[UUID], *, sources: Iterable[UUID] = ()) -> "Scope":
        return cls(frozenset(org_ids), frozenset(sources))

    @property
    def is_empty(self) -> bool:
        return self.org_ids is not None and not self.org_ids and not self.sources

    @property
    def is_unrestricted(self) -> bool:
        return self.org_ids is None

    def allows(self, org_id: UUID | None) -> bool:
        return self.org_ids is None or org_id in self.org_ids

    def allows_any(self, org_ids: Iterable[UUID]) -> bool:
        return self.org_ids is None or any(o in self.org_ids for o in org_ids)
