"""`rgpd user …` and `rgpd token …` as an operator runs them, on a migrated database: the
same rules as the pages (core.accounts), and every change journaled in the instance's chain
as the command line's actor."""

import pyotp
import pytest

from core.accounts import sessions
from core.accounts.models import ApiToken, User, WebSession
from core.audit.models import AuditEvent
from core.clock import utcnow
from tests.cli import rgpd
from tests.scheduler.processes import orm
from tests.test_cli_and_migrations import database_url

pytestmark = pytest.mark.engine

__all__ = ["database_url"]
EMAIL = "dpd@vitry.fr"


def ok(*args: str, url: str, input: str | None = None) -> str:
    result = rgpd(*args, database=url, input=input)
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_the_account_commands_follow_the_rules_and_are_journaled(database_url):
    url = database_url
    ok("migrate", url=url)
    ok("user", "create", EMAIL, "--name", "DPD", "--password-stdin", url=url,
       input="un mot de passe assez long\n")  # fmt: skip
    secret = ok("token", "create", EMAIL, "--name", "outil", "--days", "30", url=url)
    async with orm(url):
        user = await User.get(email=EMAIL)
        await sessions.open_session(user=user, now=utcnow())
    too_long = rgpd("token", "create", EMAIL, "--name", "long", "--days", "400", database=url)
    assert too_long.returncode != 0

    said = ok("user", "password", EMAIL, "--password-stdin", url=url,
              input="une toute nouvelle phrase\n")  # fmt: skip
    assert "1 session fermée, 1 jeton révoqué" in said
    uri = ok("user", "totp", EMAIL, url=url).strip()
    assert uri.startswith("otpauth://totp/")
    assert pyotp.parse_uri(uri).secret
    assert "double authentification désactivée" in ok("user", "totp", EMAIL, "--remove", url=url)

    async with orm(url):
        assert not await WebSession.filter(user__email=EMAIL).exists()
        assert not await ApiToken.filter(user__email=EMAIL, revoked_at__isnull=True).exists()
        assert (await User.get(email=EMAIL)).totp_secret is None
        events = await AuditEvent.filter(entity_type="account").order_by("seq")
    actions = [e.action for e in events]
    assert actions == [
        "account.create",
        "account.token_create",
        "account.password_change",
        "account.totp_enable",
        "account.totp_remove",
    ]
    assert all(e.actor.startswith("cli") for e in events), [e.actor for e in events]
    journal = str([e.after for e in events])
    token_secret = secret.strip().splitlines()[-1]
    assert token_secret not in journal and pyotp.parse_uri(uri).secret not in journal
