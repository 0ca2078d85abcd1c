"""`rgpd audit` as an administrator or an auditor runs it, on a database written through the
services and then altered directly in SQL: each alteration is reported, with where it is."""

import base64
import json
import stat
import uuid
from datetime import timedelta
from itertools import pairwise

import pytest
from tortoise.context import tortoise_test_context

from api.database import MODEL_MODULES
from core.actor import acting_as
from core.audit.models import AuditCheckpoint
from core.clock import today_local
from core.scope import Scope
from register.activities import service as activities
from register.activities.schemas import ActivityIn
from register.organisations import service as organisations
from register.organisations.schemas import ContactIn, OrganisationIn
from tests.audit.helpers import events_of, sql
from tests.cli import rgpd
from tests.conftest import POSTGRES_URL, USE_POSTGRES, _drop_postgres_database

pytestmark = pytest.mark.engine

ALL = Scope.everything()
DPO = "dpd@vitry-sur-seine.fr"


@pytest.fixture
async def journal(tmp_path):
    """A database with a small register written through the services: the commune's chain
    holds its creation, an activity created then edited twice, and a contact."""
    url = (
        POSTGRES_URL.format(f"cli_{uuid.uuid4().hex}")
        if USE_POSTGRES
        else f"sqlite://{tmp_path / 'rgpd.sqlite3'}"
    )
    try:
        async with tortoise_test_context(MODEL_MODULES, db_url=url):
            with acting_as(DPO):
                commune = await organisations.create_organisation(
                    scope=ALL,
                    data=OrganisationIn(legal_name="Commune de Vitry-sur-Seine", kind="commune"),
                )
                activity = await activities.create_activity(
                    scope=ALL, data=ActivityIn(controller_id=commune.id, name="État civil")
                )
                for version, name in ((1, "État civil et population"), (2, "Population")):
                    await activities.update_activity(
                        scope=ALL, activity_id=activity.id, version=version, patch={"name": name}
                    )
                await organisations.create_contact(
                    scope=ALL,
                    data=ContactIn(organisation_id=commune.id, name="M. Leroy", roles=["dpo"]),
                )
            await organisations.create_organisation(
                scope=ALL, data=OrganisationIn(legal_name="CCAS de Vitry", kind="ccas_cias")
            )
            yield url, str(commune.id)
    finally:
        if USE_POSTGRES:
            await _drop_postgres_database(url)


async def test_an_untouched_journal_verifies(journal):
    url, commune = journal
    result = rgpd("audit", "verify", database=url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "journal intègre : 6 événements, 2 chaînes" in result.stdout
    one = rgpd("audit", "verify", "--org", "Vitry-sur-Seine", database=url)
    assert "journal intègre : 5 événements, 1 chaînes" in one.stdout, one.stderr
    assert [e.actor for e in await events_of(commune)] == [DPO] * 5


async def _swap(chain: str, a: int, b: int) -> None:
    # Through a free number: (chain, seq) is unique.
    await sql("UPDATE audit_event SET seq = ? WHERE chain = ? AND seq = ?", -1, chain, a)
    await sql("UPDATE audit_event SET seq = ? WHERE chain = ? AND seq = ?", a, chain, b)
    await sql("UPDATE audit_event SET seq = ? WHERE chain = ? AND seq = ?", b, chain, -1)


async def _change_after(chain: str, seq: int) -> None:
    (row,) = await sql('SELECT "after" FROM audit_event WHERE chain = ? AND seq = ?', chain, seq)
    after = row["after"] if isinstance(row["after"], dict) else json.loads(row["after"])
    after["name"] = "Traitement effacé"
    await sql(
        'UPDATE audit_event SET "after" = ? WHERE chain = ? AND seq = ?',
        json.dumps(after, ensure_ascii=False),
        chain,
        seq,
    )


@pytest.mark.parametrize(
    ("alteration", "seq", "kind"),
    [
        ("change a value", 3, "modified"),
        ("delete a row", 3, "deleted"),
        ("swap two rows", 3, "reordered"),
    ],
)
async def test_each_alteration_is_reported_with_where_it_is(journal, alteration, seq, kind):
    url, commune = journal
    events = {e.seq: e for e in await events_of(commune)}
    if alteration == "change a value":
        await _change_after(commune, 3)
        named = events[3].id
    elif alteration == "delete a row":
        await sql("DELETE FROM audit_event WHERE chain = ? AND seq = ?", commune, 3)
        named = events[4].id  # the event that no longer follows its predecessor
    else:
        await _swap(commune, 3, 4)
        named = events[4].id  # now n° 3

    result = rgpd("audit", "verify", database=url)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines, result.stderr
    first = lines[0]
    assert f"chaîne {commune}" in first and f"n° {seq}" in first, first
    assert f"événement {named}" in first and kind in first, first
    assert "journal altéré" in result.stderr
    # The other chain is intact, and checked alone it says so.
    assert rgpd("audit", "verify", "--org", "CCAS", database=url).returncode == 0


async def test_checkpoints_are_signed_and_a_forged_signature_is_reported(journal, tmp_path):
    url, commune = journal
    key_file = tmp_path / "signing.pem"
    made = rgpd("audit", "keygen", str(key_file), database=url)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert rgpd("audit", "keygen", str(key_file), database=url).returncode == 2, (
        "a key is never overwritten"
    )
    public = tmp_path / "public.pem"
    public.write_text(made.stdout)
    env = {"RGPD_SIGNING_KEY_FILE": str(key_file)}

    signed = rgpd("audit", "checkpoint", database=url, **env)
    assert signed.returncode == 0, signed.stderr
    assert "2 point(s) de contrôle signé(s)" in signed.stdout
    assert "0 point(s)" in rgpd("audit", "checkpoint", database=url, **env).stdout, (
        "nothing moved since"
    )
    assert rgpd("audit", "verify", database=url, **env).returncode == 0
    assert rgpd("audit", "verify", "--public-key", str(public), database=url).returncode == 0

    # Without the key, a checkpoint cannot be checked: said, not taken as valid.
    unchecked = rgpd("audit", "verify", database=url)
    assert unchecked.returncode == 1 and "checkpoint_unchecked" in unchecked.stdout

    mark = await AuditCheckpoint.get(chain=commune)
    forged = base64.b64encode(bytes(64)).decode()
    await sql("UPDATE audit_checkpoint SET signature = ? WHERE id = ?", forged, str(mark.id))
    result = rgpd("audit", "verify", "--public-key", str(public), database=url)
    assert result.returncode == 1
    (line,) = result.stdout.strip().splitlines()
    assert f"chaîne {commune}" in line and f"n° {mark.seq}" in line
    assert "checkpoint_signature" in line and "signature invalide" in line


async def test_a_rewritten_chain_is_caught_by_its_checkpoint(journal, tmp_path):
    url, commune = journal
    key_file = tmp_path / "signing.pem"
    assert rgpd("audit", "keygen", str(key_file), database=url).returncode == 0
    env = {"RGPD_SIGNING_KEY_FILE": str(key_file)}
    assert rgpd("audit", "checkpoint", database=url, **env).returncode == 0
    # The last event removed: the chain is still consistent, only the checkpoint tells.
    await sql("DELETE FROM audit_event WHERE chain = ? AND seq = ?", commune, 5)
    result = rgpd("audit", "verify", database=url, **env)
    assert result.returncode == 1
    assert "checkpoint_mismatch" in result.stdout and "n° 5" in result.stdout


async def test_export_gives_one_json_object_per_line_with_the_hashes(journal):
    url, commune = journal
    result = rgpd("audit", "export", "--org", commune, database=url)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    assert events[0]["prev_hash"] == "0" * 64
    assert all(e["prev_hash"] == p["hash"] for p, e in pairwise(events))
    assert events[2]["action"] == "activity.update" and events[2]["actor"] == DPO
    assert events[2]["after"]["name"] == "État civil et population"

    today = today_local()
    same_day = rgpd(
        "audit",
        "export",
        "--org",
        "Commune de Vitry",
        "--from",
        str(today),
        "--to",
        str(today),
        database=url,
    )
    assert len(same_day.stdout.splitlines()) == 5, same_day.stderr
    tomorrow = str(today + timedelta(days=1))
    assert rgpd("audit", "export", "--org", commune, "--from", tomorrow, database=url).stdout == ""
    instance = rgpd("audit", "export", "--org", "instance", database=url)
    assert instance.returncode == 0 and instance.stdout == ""
