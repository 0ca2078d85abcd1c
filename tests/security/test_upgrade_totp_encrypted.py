"""An upgrade from migration 0012 on a database holding a TOTP secret in clear: `rgpd
migrate` applies 0013, which encrypts the secret in place (bound to its row), and the
account still signs in with its codes. A SQLite file, or a fresh PostgreSQL database in the
PostgreSQL run (`RGPD_TEST_DB=postgres`)."""

import asyncio
import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, datetime

import asyncpg
import pyotp
import pytest

from tests import test_cli_and_migrations as cli
from tests.cli import rgpd
from tests.conftest import USE_POSTGRES
from tests.test_upgrade_0006_to_0007 import python

pytestmark = pytest.mark.engine

database_url = cli.database_url  # the fixture: a SQLite file, or a fresh PostgreSQL database

MIGRATE_TO_0012 = """
import asyncio
from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate
from api.database import tortoise_config

async def main():
    try:
        await migrate(config=tortoise_config(), target="models.0012_activity_body_order_index")
    finally:
        await Tortoise.close_connections()

asyncio.run(main())
"""

SIGN_IN = """
import asyncio
from tortoise import Tortoise
from api.database import tortoise_config
from core.accounts.models import User
from core.accounts.service import Credentials, authenticate
from core.clock import utcnow

async def main():
    await Tortoise.init(config=tortoise_config())
    try:
        user = await authenticate(
            Credentials("dpd@vitry.fr", "un mot de passe assez long", CODE),
            ip="127.0.0.1",
            now=utcnow(),
        )
        print(user.email, (await User.get(id=user.id)).totp_secret == SECRET)
    finally:
        await Tortoise.close_connections()

asyncio.run(main())
"""


def _stored_secret(url: str) -> str:
    return _sql(url, "SELECT totp_secret FROM account_user")[0][0]


def _sql(url: str, query: str, *args) -> list[tuple]:
    if USE_POSTGRES:

        async def run():
            conn = await asyncpg.connect(url)
            try:
                return [tuple(r) for r in await conn.fetch(query, *args)]
            finally:
                await conn.close()

        return asyncio.run(run())
    with closing(sqlite3.connect(url.removeprefix("sqlite://"))) as conn, conn:
        marked = query
        for n in range(len(args), 0, -1):
            marked = marked.replace(f"${n}", "?")
        return list(conn.execute(marked, [str(a) if isinstance(a, uuid.UUID) else a for a in args]))


def _insert_user(url: str, password_hash: str, totp_secret: str) -> None:
    """An account written as the schema holds it, around the models (which would encrypt)."""
    now = datetime.now(UTC)
    _sql(
        url,
        "INSERT INTO account_user (id, email, name, password_hash, is_instance_admin, active,"
        " totp_secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        uuid.uuid4(),
        "dpd@vitry.fr",
        "DPD",
        password_hash,
        False,
        True,
        totp_secret,
        now if USE_POSTGRES else now.isoformat(),
        now if USE_POSTGRES else now.isoformat(),
    )


def test_migration_0013_encrypts_the_totp_secrets_left_in_clear(database_url):
    result = python(database_url, MIGRATE_TO_0012)
    assert result.returncode == 0, result.stderr
    secret = pyotp.random_base32()
    hashed = python(
        database_url,
        "from core.accounts.passwords import hash_password;"
        "print(hash_password('un mot de passe assez long'))",
    ).stdout.strip()
    _insert_user(database_url, hashed, secret)
    assert _stored_secret(database_url) == secret  # the premise: in clear at 0012

    migrated = rgpd("migrate", database=database_url)
    assert migrated.returncode == 0, migrated.stderr
    stored = _stored_secret(database_url)
    assert stored.startswith("enc:v2:") and secret not in stored

    # The secret reads back through the model, and a code of it opens the account.
    script = SIGN_IN.replace("CODE", repr(pyotp.TOTP(secret).now()))
    signed = python(database_url, script.replace("SECRET", repr(secret)))
    assert signed.returncode == 0, signed.stderr
    assert signed.stdout.strip().splitlines()[-1] == "dpd@vitry.fr True"


def test_going_back_past_0013_is_refused_once_a_secret_is_encrypted(database_url):
    migrated = rgpd("migrate", database=database_url)
    assert migrated.returncode == 0, migrated.stderr
    # Without a secret stored, stepping back is allowed (nothing would be lost)…
    back = python(database_url, MIGRATE_TO_0012)
    assert back.returncode == 0, back.stderr
    assert rgpd("migrate", database=database_url).returncode == 0
    _insert_user(database_url, "x", "enc:v2:k1:c2VjcmV0")
    # …but once the column holds an encrypted value, the clear column cannot come back.
    refused = python(database_url, MIGRATE_TO_0012)
    assert refused.returncode != 0
    assert "cannot go back to clear" in refused.stderr
