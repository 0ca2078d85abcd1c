"""`rgpd audit` as an administrator or an auditor runs it, on a database written through the
services and then altered directly in SQL: each alteration is reported, with where it is."""

import base64
import json
import stat
import uuid
import zipfile
from datetime import timedelta
from itertools import pairwise
from types import SimpleNamespace

import pytest
from tortoise.context import tortoise_test_context

from api.database import MODEL_MODULES
from core.actor import acting_as
from core.audit.chain import event_hash
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
    assert "2 points de contrôle signés" in signed.stdout
    assert "0 point de contrôle signé" in rgpd("audit", "checkpoint", database=url, **env).stdout, (
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


# The anchor: the signed heads kept outside the database, beside the signing key ---------------


@pytest.fixture
def signed(journal, tmp_path):
    """The journal with its chains signed by `rgpd audit checkpoint`: its url, the commune's
    id, the instance's settings (env), the public key file and the anchor file."""
    url, commune = journal
    key_file = tmp_path / "keys" / "signing.pem"
    key_file.parent.mkdir()
    made = rgpd("audit", "keygen", str(key_file), database=url)
    assert made.returncode == 0, made.stderr
    public = tmp_path / "public.pem"
    public.write_text(made.stdout)
    env = {"RGPD_SIGNING_KEY_FILE": str(key_file)}
    anchor = key_file.with_name("journal-anchor.jsonl")
    assert not anchor.exists()
    fresh = rgpd("audit", "verify", database=url, **env)
    assert fresh.returncode == 0 and "journal intègre" in fresh.stdout
    assert "aucune ancre encore" in fresh.stderr
    signing = rgpd("audit", "checkpoint", database=url, **env)
    assert "2 points de contrôle signés" in signing.stdout, signing.stderr
    return SimpleNamespace(url=url, commune=commune, env=env, public=public, anchor=anchor)


def _intact_without_the_anchor(url: str, public) -> None:
    """What the database alone says: the premise of each erasure below."""
    alone = rgpd("audit", "verify", "--public-key", str(public), database=url)
    assert alone.returncode == 0 and "journal intègre" in alone.stdout, alone.stdout


def _altered(result, commune: str, kind: str, says: str) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if kind in line]
    assert lines, result.stdout
    assert f"chaîne {commune} « Commune de Vitry-sur-Seine »" in lines[0], lines[0]
    assert says in lines[0], lines[0]
    assert "journal altéré" in result.stderr
    return lines[0]


async def test_the_anchor_is_written_beside_the_key_owner_only_and_appended_to(signed):
    url = signed.url
    commune = signed.commune
    env = signed.env
    anchor = signed.anchor
    assert stat.S_IMODE(anchor.stat().st_mode) == 0o600
    first = anchor.read_bytes()
    heads = [json.loads(line) for line in first.decode().splitlines()]
    marks = await AuditCheckpoint.all().order_by("chain")
    assert sorted((h["chain"], h["seq"], h["hash"], h["signature"]) for h in heads) == [
        (m.chain, m.seq, m.hash, m.signature) for m in marks
    ]
    assert {h["key_id"] for h in heads} == {marks[0].key_id}

    # An event after the last anchored head is fine: checked by its hash.
    with acting_as(DPO):
        await organisations.create_contact(
            scope=ALL, data=ContactIn(organisation_id=commune, name="Mme Ba", roles=["dpo"])
        )
    later = rgpd("audit", "verify", database=url, **env)
    assert later.returncode == 0, later.stdout + later.stderr
    assert "journal intègre : 7 événements, 2 chaînes" in later.stdout
    assert "2 têtes signées de 2 chaînes vérifiées contre l'ancre" in later.stderr

    assert "1 point de contrôle signé" in rgpd("audit", "checkpoint", database=url, **env).stdout
    now = anchor.read_bytes()
    assert now.startswith(first) and len(now.splitlines()) == 3  # appended, never rewritten
    assert json.loads(now.splitlines()[-1])["seq"] == 6
    assert stat.S_IMODE(anchor.stat().st_mode) == 0o600


async def test_the_last_events_deleted_with_their_checkpoints_are_caught(signed):
    url = signed.url
    commune = signed.commune
    env = signed.env
    public = signed.public
    anchor = signed.anchor
    await sql("DELETE FROM audit_event WHERE chain = ? AND seq >= ?", commune, 4)
    await sql("DELETE FROM audit_checkpoint WHERE chain = ?", commune)
    _intact_without_the_anchor(url, public)

    result = rgpd("audit", "verify", database=url, **env)
    line = _altered(result, commune, "anchor_truncated", "journal tronqué")
    assert "l'ancre atteste l'événement n° 5" in line and "la base s'arrête au n° 3" in line
    # The same with the public key and the anchor given explicitly.
    explicit = rgpd(
        "audit", "verify", "--public-key", str(public), "--anchor", str(anchor), database=url
    )
    _altered(explicit, commune, "anchor_truncated", "journal tronqué")


async def test_a_chain_rewritten_with_recomputed_hashes_and_no_checkpoint_is_caught(signed):
    url = signed.url
    commune = signed.commune
    env = signed.env
    public = signed.public
    await _rewrite_from(commune, 3)
    await sql("DELETE FROM audit_checkpoint WHERE chain = ?", commune)
    _intact_without_the_anchor(url, public)

    result = rgpd("audit", "verify", database=url, **env)
    line = _altered(result, commune, "anchor_mismatch", "ne porte plus l'empreinte ancrée")
    assert "n° 5" in line and "la chaîne a été réécrite" in line


async def test_a_bodys_whole_chain_deleted_is_caught(signed):
    url = signed.url
    commune = signed.commune
    env = signed.env
    public = signed.public
    await sql("DELETE FROM audit_event WHERE chain = ?", commune)
    await sql("DELETE FROM audit_checkpoint WHERE chain = ?", commune)
    _intact_without_the_anchor(url, public)

    result = rgpd("audit", "verify", database=url, **env)
    line = _altered(result, commune, "anchor_chain_deleted", "chaîne entière supprimée")
    assert "l'ancre atteste 5 événements" in line


async def test_a_forged_anchor_line_is_caught(signed):
    url = signed.url
    commune = signed.commune
    env = signed.env
    anchor = signed.anchor
    lines = anchor.read_text().splitlines()
    index = next(n for n, line in enumerate(lines) if commune in line)
    head = json.loads(lines[index])
    head["seq"] = 4  # as if the chain had ended there: a truncation made to look signed
    lines[index] = json.dumps(head)
    anchor.write_text("\n".join([*lines, "pas une tête"]) + "\n")

    result = rgpd("audit", "verify", database=url, **env)
    _altered(result, commune, "anchor_signature", "signature invalide")
    assert "ligne 3 : ligne illisible" in result.stdout


async def test_a_lost_anchor_is_said_and_the_database_still_verifies(signed):
    url = signed.url
    env = signed.env
    anchor = signed.anchor
    anchor.unlink()
    result = rgpd("audit", "verify", database=url, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "journal intègre" in result.stdout
    assert "ancre absente alors que la base compte 2 points de contrôle signés" in result.stderr


async def test_the_heads_of_an_older_evidence_bundle_catch_a_later_truncation(signed, tmp_path):
    url = signed.url
    commune = signed.commune
    env = signed.env
    public = signed.public
    anchor = signed.anchor
    bundle = tmp_path / "lot.zip"
    made = rgpd(
        "bundle", "create", "--organisation", commune, "-o", str(bundle), database=url, **env
    )
    assert made.returncode == 0, made.stdout + made.stderr
    heads = tmp_path / "ancre-journal.jsonl"
    with zipfile.ZipFile(bundle) as archive:
        heads.write_bytes(archive.read("ancre-journal.jsonl"))

    # Everything erased: the last events, their checkpoints, and the anchor itself.
    await sql("DELETE FROM audit_event WHERE chain = ? AND seq >= ?", commune, 5)
    await sql("DELETE FROM audit_checkpoint WHERE chain = ?", commune)
    anchor.unlink()
    _intact_without_the_anchor(url, public)

    result = rgpd(
        "audit", "verify", "--public-key", str(public), "--anchor", str(heads), database=url
    )
    _altered(result, commune, "anchor_truncated", "journal tronqué")
    missing = rgpd("audit", "verify", "--anchor", str(tmp_path / "absente.jsonl"), database=url)
    assert missing.returncode == 2 and "ancre du journal" in missing.stderr


async def _rewrite_from(chain: str, seq: int) -> None:
    """Change one event's values and recompute its hash and every later one, as whoever can
    write the database can: the links and the hashes are consistent again."""
    prev_hash = None
    for event in await events_of(chain):
        if event.seq < seq:
            prev_hash = event.hash
            continue
        after = dict(event.after or {})
        if event.seq == seq:
            after["name"] = "Traitement effacé"
        fields = {
            name: getattr(event, name)
            for name in (
                "id",
                "chain",
                "organisation_id",
                "at",
                "actor",
                "action",
                "entity_type",
                "entity_id",
                "before",
            )
        }
        new_hash = event_hash(seq=event.seq, **fields, after=after, prev_hash=prev_hash)
        await sql(
            'UPDATE audit_event SET "after" = ?, prev_hash = ?, hash = ? WHERE id = ?',
            json.dumps(after, ensure_ascii=False),
            prev_hash,
            new_hash,
            str(event.id),
        )
        prev_hash = new_hash
