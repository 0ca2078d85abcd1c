"""Roles a user holds in a body, the permissions each grants, and the Scope they give.

A Principal is a signed-in user with their memberships; `principal.scope(permission)` is the
set of bodies where one of their roles grants that permission. An instance administrator
gets every body.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from core.scope import Scope


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    DPO = "dpo"
    SECURITY_OFFICER = "security_officer"
    AUDITOR = "auditor"


ROLE_LABELS = {
    Role.ADMINISTRATOR: "administrateur de l'organisme",
    Role.DPO: "délégué à la protection des données",
    Role.SECURITY_OFFICER: "responsable de la sécurité (RSSI)",
    Role.AUDITOR: "auditeur",
}


class Permission(StrEnum):
    READ_REGISTER = "read_register"
    EDIT_REGISTER = "edit_register"
    DECLARE_INCIDENT = "declare_incident"
    UPDATE_INCIDENT = "update_incident"
    READ_BREACHES = "read_breaches"
    # The body whose system was hit tells its controllers (art. 33(2)): notice, informed.
    INFORM_CONTROLLER = "inform_controller"
    MANAGE_BREACH = "manage_breach"  # awareness, assess, decide, notify, close, send notices
    READ_MESSAGES = "read_messages"
    EXPORT = "export"  # art. 30 records, breach register, journal export
    READ_JOURNAL = "read_journal"
    MANAGE_ACCOUNTS = "manage_accounts"


P = Permission
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.DPO: frozenset(
        {
            P.READ_REGISTER,
            P.EDIT_REGISTER,
            P.DECLARE_INCIDENT,
            P.UPDATE_INCIDENT,
            P.READ_BREACHES,
            P.INFORM_CONTROLLER,
            P.MANAGE_BREACH,
            P.READ_MESSAGES,
            P.EXPORT,
            P.READ_JOURNAL,
        }
    ),
    Role.SECURITY_OFFICER: frozenset(
        {
            P.READ_REGISTER,
            P.DECLARE_INCIDENT,
            P.UPDATE_INCIDENT,
            P.READ_BREACHES,
            P.INFORM_CONTROLLER,
        }
    ),
    Role.AUDITOR: frozenset(
        {P.READ_REGISTER, P.READ_BREACHES, P.READ_MESSAGES, P.EXPORT, P.READ_JOURNAL}
    ),
}

# Permissions that also reach the breaches a body must report as the source (processor, host):
# reading them, informing the controller, completing their facts (breach.breaches.source_facts).
SOURCE_SIDE = frozenset({P.READ_BREACHES, P.INFORM_CONTROLLER, P.UPDATE_INCIDENT})


@dataclass(frozen=True)
class Principal:
    user_id: UUID
    email: str
    name: str
    is_instance_admin: bool = False
    memberships: Mapping[UUID, frozenset[Role]] = field(default_factory=dict)

    def permissions_in(self, org_id: UUID) -> frozenset[Permission]:
        if self.is_instance_admin:
            return frozenset(Permission)
        return frozenset(
            p for role in self.memberships.get(org_id, ()) for p in ROLE_PERMISSIONS[role]
        )

    def bodies_with(self, permission: Permission) -> frozenset[UUID]:
        return frozenset(
            org_id
            for org_id, roles in self.memberships.items()
            if any(permission in ROLE_PERMISSIONS[r] for r in roles)
        )

    def scope(self, permission: Permission) -> Scope:
        """The bodies where one of the caller's roles grants `permission`."""
        if self.is_instance_admin:
            return Scope.everything()
        bodies = self.bodies_with(permission)
        return Scope.of(bodies, sources=bodies if permission in SOURCE_SIDE else ())


def memberships_of(rows: Iterable[tuple[UUID, str]]) -> dict[UUID, frozenset[Role]]:
    """(organisation id, role) rows into {organisation id: roles}."""
    found: dict[UUID, set[Role]] = {}
    for org_id, role in rows:
        found.setdefault(org_id, set()).add(Role(role))
    return {org_id: frozenset(roles) for org_id, roles in found.items()}
