"""Demo accounts, one per role, created by `rgpd demo` (idempotent) and printed with their
passwords so the demo can be signed into at once. Never for a real instance: the passwords
are public (README, « comptes de démonstration »)."""

from dataclasses import dataclass
from uuid import UUID

from core.accounts import service
from core.accounts.models import User
from core.accounts.roles import ROLE_LABELS, Role


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    password: str
    roles: tuple[tuple[str, Role], ...] = ()  # (body key of the demo, role)
    instance_admin: bool = False

    def describe(self, names: dict[str, str]) -> str:
        if self.instance_admin:
            return "administrateur de l'instance (tous les organismes)"
        return "; ".join(f"{ROLE_LABELS[role]} — {names.get(key, key)}" for key, role in self.roles)


DEMO_ACCOUNTS = (
    DemoAccount(
        "admin@demo.registre-rgpd.fr",
        "Administratrice de l'instance (démo)",
        "demo-admin-registre",
        instance_admin=True,
    ),
    DemoAccount(
        "dpd.mutualise@demo.registre-rgpd.fr",
        "DPD mutualisé Juvisy et GOSB (démo)",
        "demo-dpd-registre",
        (("juvisy", Role.DPO), ("gosb", Role.DPO)),
    ),
    DemoAccount(
        "rssi.gosb@demo.registre-rgpd.fr",
        "RSSI de l'EPT Grand-Orly Seine Bièvre (démo)",
        "demo-rssi-registre",
        (("gosb", Role.SECURITY_OFFICER),),
    ),
    DemoAccount(
        "auditeur.juvisy@demo.registre-rgpd.fr",
        "Auditeur de Juvisy-sur-Orge (démo)",
        "demo-audit-registre",
        (("juvisy", Role.AUDITOR),),
    ),
)


async def load_demo_accounts(bodies: dict[str, UUID]) -> list[DemoAccount]:
    """Create the accounts missing and the roles missing; an existing password is kept."""
    for account in DEMO_ACCOUNTS:
        user = await User.get_or_none(email=account.email)
        if user is None:
            user = await service.create_user(
                email=account.email,
                name=account.name,
                password=account.password,
                is_instance_admin=account.instance_admin,
            )
        for key, role in account.roles:
            if key in bodies:
                await service.grant(user, organisation_id=bodies[key], role=role)
    return list(DEMO_ACCOUNTS)


def login_help(accounts: list[DemoAccount], names: dict[str, str], base_url: str) -> list[str]:
    lines = [
        "comptes de démonstration (mots de passe publics : jamais sur une instance réelle) :",
    ]
    for account in accounts:
        lines.append(f"  {account.email} / {account.password} — {account.describe(names)}")
    lines.append(
        f"connexion : POST {base_url}/api/v1/auth/login "
        '{"email": …, "password": …} (cookie de session), '
        "ou un jeton : rgpd token create EMAIL --name outil"
    )
    return lines
