"""`rgpd user …` and `rgpd token …`: accounts, roles in bodies, API tokens, TOTP.

Registered in api.cli with `app.add_typer`.
"""

import sys

import typer

from api.cli.common import organisation_id, run
from core.accounts.roles import ROLE_LABELS, Role
from core.french import plural

user_app = typer.Typer(help="Comptes et rôles dans les organismes", no_args_is_help=True)
token_app = typer.Typer(help="Jetons d'accès à l'API", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)


@user_app.command("create")
def create_user(
    email: str,
    name: str = typer.Option(..., "--name", help="Nom affiché"),
    role: list[Role] = typer.Option([], "--role", help="Rôle dans chaque --org"),
    org: list[str] = typer.Option([], "--org", help="Organisme (id, SIREN ou nom), répétable"),
    instance_admin: bool = typer.Option(False, "--instance-admin", help="Tous les organismes"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Lire le mot de passe"),
) -> None:
    """Create an account; each --role is given in each --org."""
    from core.accounts import service

    if org and not role:
        typer.echo("erreur : indiquez au moins un --role pour les --org", err=True)
        raise typer.Exit(2)
    password = _read_password(password_stdin)

    async def work():
        org_ids = [await organisation_id(o) for o in org]
        user = await service.create_user(
            email=email, name=name, password=password, is_instance_admin=instance_admin
        )
        for org_id in org_ids:
            for r in role:
                await service.grant(user, organisation_id=org_id, role=r)
        return user

    user = run(work)
    typer.echo(f"compte créé : {user.email} ({user.id})")


@user_app.command("grant")
def grant(email: str, role: Role = typer.Option(..., "--role"), org: str = typer.Option(...)):
    """Give a role in a body."""
    from core.accounts import service

    async def work():
        return await service.grant(
            await service.get_user(email), organisation_id=await organisation_id(org), role=role
        )

    typer.echo("rôle accordé" if run(work) else "rôle déjà détenu")


@user_app.command("revoke")
def revoke(
    email: str,
    org: str = typer.Option(...),
    role: Role | None = typer.Option(None, "--role", help="Sans --role : tous ses rôles"),
):
    """Withdraw a role (or every role) in a body."""
    from core.accounts import service

    async def work():
        return await service.revoke(
            await service.get_user(email), organisation_id=await organisation_id(org), role=role
        )

    typer.echo(plural(run(work), "rôle retiré", "rôles retirés"))


@user_app.command("password")
def password(email: str, password_stdin: bool = typer.Option(False, "--password-stdin")):
    """Set a new password; every session of the account ends and every token is revoked."""
    from core.accounts import service
    from core.clock import utcnow

    new = _read_password(password_stdin)

    async def work():
        return await service.reset_password(await service.get_user(email), new, now=utcnow())

    changed = run(work)
    typer.echo(
        "mot de passe changé : "
        f"{plural(changed.sessions_closed, 'session fermée', 'sessions fermées')}, "
        f"{plural(changed.tokens_revoked, 'jeton révoqué', 'jetons révoqués')}"
    )


@user_app.command("list")
def list_users() -> None:
    """Accounts with their roles per body."""
    from core.accounts.models import Membership, User

    async def work():
        lines = []
        for user in await User.all().order_by("email"):
            roles = await Membership.filter(user_id=user.id).values_list(
                "organisation__legal_name", "role"
            )
            held = "; ".join(f"{ROLE_LABELS[Role(r)]} de {o}" for o, r in sorted(roles))
            flags = " [administrateur de l'instance]" if user.is_instance_admin else ""
            flags += "" if user.active else " [désactivé]"
            flags += " [TOTP]" if user.totp_secret else ""
            lines.append(f"{user.email} — {user.name}{flags} : {held or 'aucun rôle'}")
        return lines

    for line in run(work):
        typer.echo(line)


@user_app.command("totp")
def totp(
    email: str,
    remove: bool = typer.Option(
        False, "--remove", help="Désactiver la double authentification (téléphone perdu)"
    ),
) -> None:
    """Turn on the second factor (a new secret, replacing any) and print the otpauth URI to
    hand over; or, with --remove, turn it off. Journaled either way."""
    from core.accounts import service
    from core.accounts.totp import provisioning_uri
    from core.clock import utcnow

    async def work():
        user = await service.get_user(email)
        if remove:
            return await service.remove_totp(user, None, ip=None, now=utcnow())
        return provisioning_uri(await service.enable_totp(user), user.email)

    result = run(work)
    if remove:
        typer.echo("double authentification désactivée" if result else "aucune à désactiver")
    else:
        typer.echo(result)


@token_app.command("create")
def create_token(
    email: str,
    name: str = typer.Option(..., "--name"),
    days: int = typer.Option(
        90, "--days", min=1, max=366, help="Au plus RGPD_TOKEN_MAX_DAYS jours (366 par défaut)"
    ),
) -> None:
    """Create an API token; the secret is printed once and stored only as a hash."""
    from core.accounts import service, tokens
    from core.clock import utcnow

    async def work():
        user = await service.get_user(email)
        return await tokens.issue_token(user=user, name=name, days=days, now=utcnow())

    issued = run(work)
    typer.echo(f"jeton {issued.token.id} valable jusqu'au {issued.token.expires_at:%Y-%m-%d}")
    typer.echo("secret (affiché une seule fois) :", err=True)
    typer.echo(issued.secret)


@token_app.command("revoke")
def revoke_token(token_id: str) -> None:
    """Revoke a token by its id."""
    from uuid import UUID

    from core.accounts import tokens
    from core.clock import utcnow

    try:
        parsed = UUID(token_id)
    except ValueError:
        typer.echo("erreur : identifiant de jeton invalide", err=True)
        raise typer.Exit(2) from None

    async def work():
        return await tokens.revoke_token(token_id=parsed, now=utcnow())

    run(work)
    typer.echo("jeton révoqué")
