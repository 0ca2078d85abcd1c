"""The signed evidence bundle, checked as an auditor would: `rgpd bundle verify` in its own
process, and OpenSSL + sha256sum following the documented commands, with the public key the
service publishes. Every file altered by one byte, added or removed is caught by both."""

import io
import json
import subprocess
import uuid
import zipfile
from datetime import datetime

import pytest

from breach.enums import NotificationChannel
from core.audit.chain import checkpoint_message
from core.audit.journal import event_dict
from core.audit.models import AuditEvent
from core.audit.signing import generate_signing_key_pem, key_id, load_private_key, signature_valid
from core.clock import to_local, utcnow
from core.config import get_settings
from core.errors import NotFound
from core.evidence import (
    MANIFEST,
    PUBLIC_KEY,
    PUBLISHED_KEY_FILE,
    SIGNATURE,
    public_key_file,
    verification_steps,
)
from core.scope import Scope
from register.enums import label
from reports.bundle import build_bundle
from tests.bundle.conftest import CNIL_REF, ETAT_CIVIL, PERISCOLAIRE
from tests.bundle.helpers import Procedure, flip_one_byte, rewrite, shell, verify
from tests.cli import ROOT
from tests.factories import API


def members(bundle) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def folders(world) -> tuple[str, str]:
    commune, ept = world["summary"].organisations
    return commune.folder, ept.folder


async def test_layout_and_both_verifications_pass(world, published_key, signing_key, tmp_path):
    pem, pem_path = published_key
    commune, ept = folders(world)
    breach_ref = world["breach"]["ref"]
    assert set(members(world["bundle"])) == {
        "LISEZMOI.txt",
        PUBLIC_KEY,
        MANIFEST,
        SIGNATURE,
        "ancre-journal.jsonl",
        *(
            f"{commune}/{name}"
            for name in (
                "registre-responsable.json",
                "registre-responsable.pdf",
                "registre-violations.json",
                "registre-violations.pdf",
                f"notifications/{breach_ref}/01-cnil-initiale.txt",
                f"notifications/{breach_ref}/02-personnes-initiale.txt",
                "journal.jsonl",
                "points-de-controle.jsonl",
            )
        ),
        *(
            f"{ept}/{name}"
            for name in (
                "registre-responsable.json",
                "registre-responsable.pdf",
                "registre-sous-traitant.json",
                "registre-sous-traitant.pdf",
                "registre-violations.json",
                "registre-violations.pdf",
                "journal.jsonl",
            )
        ),
    }
    assert commune.startswith("commune-de-vitry-sur-seine-")
    assert ept.startswith("ept-grand-orly-seine-bievre-essai-")
    files = len(members(world["bundle"])) - 2  # all but the manifest and its signature

    checked = verify(world["bundle"], pem_path)
    kid = key_id(signing_key.public_key())
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout == (
        f"Lot de preuves intègre : {files} fichiers, signature valide (clé {kid})\n"
    )
    # Without --public-key: the configured signing key's (RGPD_SIGNING_KEY_FILE), no database.
    default = verify(world["bundle"])
    assert default.returncode == 0, default.stdout + default.stderr

    procedure = Procedure(world["bundle"], pem, tmp_path / "audit")
    assert procedure.passed, procedure.whole.stdout + procedure.whole.stderr
    assert procedure.openssl.returncode == 0
    assert procedure.openssl.stdout.strip() == "Signature Verified Successfully"
    assert procedure.sha256sum.returncode == 0
    assert procedure.sha256sum.stdout.count(": OK\n") == files
    assert (procedure.extra.returncode, procedure.extra.stdout) == (0, "")
    # The copy in the bundle is the published key, byte for byte.
    assert members(world["bundle"])[PUBLIC_KEY] == pem.encode("ascii")


async def test_one_byte_changed_in_any_file_fails_both_verifications(
    world, published_key, tmp_path
):
    pem, pem_path = published_key
    names = sorted(members(world["bundle"]))
    assert len(names) == 20
    for name in names:
        altered = tmp_path / "altéré.zip"
        rewrite(
            world["bundle"],
            altered,
            change=lambda member, data, name=name: flip_one_byte(data) if member == name else data,
        )
        checked = verify(altered, pem_path)
        assert checked.returncode == 1, name
        assert name in checked.stdout, (name, checked.stdout)
        assert "altéré" in checked.stderr

        procedure = Procedure(altered, pem, tmp_path / "audit")
        assert not procedure.passed, name
        if name in (MANIFEST, SIGNATURE):
            assert procedure.openssl.returncode != 0, name
            assert "Signature Verification Failure" in procedure.openssl.stdout
        else:
            assert procedure.openssl.returncode == 0, name
            assert procedure.sha256sum.returncode != 0, name
            assert f"{name}: FAILED\n" in procedure.sha256sum.stdout


async def test_a_file_added_or_removed_is_reported(world, published_key, tmp_path):
    pem, pem_path = published_key
    commune, _ = folders(world)

    added = tmp_path / "ajout.zip"
    rewrite(world["bundle"], added, add={f"{commune}/pièce-ajoutée.txt": b"ajout\n"})
    checked = verify(added, pem_path)
    assert checked.returncode == 1
    assert checked.stdout == (
        f"{commune}/pièce-ajoutée.txt : présent dans le lot mais absent de {MANIFEST}\n"
    )
    procedure = Procedure(added, pem, tmp_path / "audit")
    assert procedure.extra.returncode == 1  # the documented diff line sees it
    assert "pièce-ajoutée.txt" in procedure.extra.stdout

    removed_name = f"{commune}/journal.jsonl"
    removed = tmp_path / "retrait.zip"
    rewrite(
        world["bundle"],
        removed,
        change=lambda member, data: None if member == removed_name else data,
    )
    checked = verify(removed, pem_path)
    assert checked.returncode == 1
    assert checked.stdout == f"{removed_name} : listé dans {MANIFEST} mais absent du lot\n"
    procedure = Procedure(removed, pem, tmp_path / "audit2")
    assert procedure.openssl.returncode == 0
    assert procedure.sha256sum.returncode != 0
    assert removed_name in procedure.sha256sum.stdout + procedure.sha256sum.stderr


async def test_a_bundle_signed_by_another_key_fails(world, published_key, tmp_path):
    pem, pem_path = published_key
    other_file = tmp_path / "autre.pem"
    other_file.write_bytes(generate_signing_key_pem())
    other = load_private_key(other_file)
    forged = tmp_path / "autre-cle.zip"
    with forged.open("wb") as out:
        await build_bundle(
            scope=Scope.everything(),
            organisation_ids=[uuid.UUID(world["commune"]["id"])],
            since=world["since"],
            until=world["until"],
            now=utcnow(),
            out=out,
            key=other,
        )
    checked = verify(forged, pem_path)
    assert checked.returncode == 1
    lines = checked.stdout.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{SIGNATURE} : signature invalide pour {MANIFEST}")
    other_id = key_id(other.public_key())
    assert lines[1].startswith(f"{PUBLIC_KEY} : la copie de la clé publique ({other_id})")
    # Internally consistent: only the published key tells it apart.
    other_public = tmp_path / "autre-publique.pem"
    other_public.write_bytes(public_key_file(other.public_key()))
    assert verify(forged, other_public).returncode == 0
    procedure = Procedure(forged, pem, tmp_path / "audit")
    assert procedure.openssl.returncode != 0
    assert procedure.sha256sum.returncode == 0  # the digests match: the signature is the proof


def _rows(document: bytes) -> list[dict]:
    data = json.loads(document)
    return [row for sheet in data["sheets"] for row in sheet["rows"]]


async def test_the_records_and_the_notifications_as_sent(world):
    files = members(world["bundle"])
    commune, ept = folders(world)
    ref = world["breach"]["ref"]

    record = files[f"{commune}/registre-responsable.json"]
    # The records are today's: the activity renamed after the period shows its new name.
    assert {row["name"] for row in _rows(record)} == {ETAT_CIVIL, "Renommé après la période"}
    assert ETAT_CIVIL.encode("utf-8") in record  # accents as UTF-8, not \u escapes
    assert files[f"{commune}/registre-responsable.pdf"].startswith(b"%PDF-")
    served = _rows(files[f"{ept}/registre-sous-traitant.json"])
    assert [row["controller"] for row in served] == ["Commune de Vitry-sur-Seine"]
    assert PERISCOLAIRE not in record.decode()  # renamed: the record is not the period's

    (entry,) = _rows(files[f"{commune}/registre-violations.json"])
    assert entry["ref"] == ref
    assert len(entry["notifications"].splitlines()) == 3  # the one without its text too
    assert _rows(files[f"{ept}/registre-violations.json"]) == []

    shown = world["breach"]["notifications"]  # as GET /breaches/{id} shows them, in order
    assert [n["message_body"] is not None for n in shown] == [True, True, False]
    for number, suffix in ((1, "cnil-initiale"), (2, "personnes-initiale")):
        n = shown[number - 1]
        text = files[f"{commune}/notifications/{ref}/0{number}-{suffix}.txt"].decode("utf-8")
        head, body = text.split("\n\n", 1)
        assert body == n["message_body"]
        lines = head.splitlines()
        assert lines[0] == f"Objet : {n['message_subject']}"
        sent = to_local(datetime.fromisoformat(n["sent_at"]))
        assert sent.strftime("Date d'envoi : %d/%m/%Y %H:%M:%S (heure de Paris)") in lines
        assert f"Canal : {label(NotificationChannel(n['channel']))}" in lines
        assert f"Numéro CNIL : {n['external_ref'] or '—'}" in lines
    assert shown[0]["external_ref"] == CNIL_REF
    assert not any("03-" in name for name in files)


async def test_the_journal_holds_the_bodys_events_of_the_period_and_its_checkpoints(
    world, signing_key
):
    files = members(world["bundle"])
    since, until = world["since"], world["until"]
    for folder, org in zip(folders(world), ("commune", "ept"), strict=True):
        org_id = world[org]["id"]
        events = [
            json.loads(line) for line in files[f"{folder}/journal.jsonl"].decode().splitlines()
        ]
        expected = await AuditEvent.filter(chain=org_id, at__gte=since, at__lt=until).order_by(
            "seq"
        )
        assert events and [e["id"] for e in events] == [str(e.id) for e in expected]
        assert events == [event_dict(e) for e in expected]  # as `rgpd audit export` writes
        assert all(e["chain"] == org_id == e["organisation_id"] for e in events)
        assert all(since <= datetime.fromisoformat(e["at"]) < until for e in events)
        assert await AuditEvent.filter(chain=org_id, at__lt=since).exists()  # left out
    commune_id = world["commune"]["id"]
    assert await AuditEvent.filter(chain=commune_id, at__gte=until).exists()  # the rename

    commune, ept = folders(world)
    (mark,) = [
        json.loads(line)
        for line in files[f"{commune}/points-de-controle.jsonl"].decode().splitlines()
    ]
    made = next(c for c in world["checkpoints"] if c.chain == commune_id)
    assert (mark["seq"], mark["hash"], mark["signature"]) == (made.seq, made.hash, made.signature)
    assert signature_valid(
        mark["signed_message"].encode("utf-8"), mark["signature"], signing_key.public_key()
    )
    assert f"{ept}/points-de-controle.jsonl" not in files  # no checkpoint on its events


async def test_the_bundle_publishes_each_bodys_signed_head_from_the_anchor(world, signing_key):
    """The heads an auditor keeps to detect a truncation later: one line per body, as the
    anchor beside the signing key holds it, signed by the instance."""
    anchor = get_settings().signing_key_file.with_name("journal-anchor.jsonl")
    assert anchor.is_file()
    anchored = [json.loads(line) for line in anchor.read_text().splitlines()]
    heads = [
        json.loads(line)
        for line in members(world["bundle"])["ancre-journal.jsonl"].decode().splitlines()
    ]
    bodies = [world["commune"]["id"], world["ept"]["id"]]
    assert [h["chain"] for h in heads] == bodies
    for head in heads:
        # The chain's last signed head, as the anchor holds it (outside the database).
        assert head == [a for a in anchored if a["chain"] == head["chain"]][-1]
        made = next(c for c in world["checkpoints"] if c.chain == head["chain"])
        assert (head["seq"], head["hash"]) == (made.seq, made.hash)
        message = checkpoint_message(
            chain=head["chain"],
            seq=head["seq"],
            hash=head["hash"],
            signed_at=datetime.fromisoformat(head["signed_at"]),
            key_id=head["key_id"],
        )
        assert signature_valid(message, head["signature"], signing_key.public_key())
    readme = members(world["bundle"])["LISEZMOI.txt"].decode("utf-8")
    assert "ancre-journal.jsonl : la dernière tête signée" in readme
    assert "rgpd audit verify --anchor ancre-journal.jsonl" in readme


async def test_out_of_scope_gives_not_found_and_writes_nothing(world, signing_key):
    out = io.BytesIO()
    only_ept = Scope.of([uuid.UUID(world["ept"]["id"])])
    for ids in ([world["commune"]["id"]], [world["ept"]["id"], world["commune"]["id"]]):
        with pytest.raises(NotFound):
            await build_bundle(
                scope=only_ept,
                organisation_ids=[uuid.UUID(i) for i in ids],
                since=None,
                until=None,
                now=utcnow(),
                out=out,
                key=signing_key,
            )
        assert out.getvalue() == b""


DOC = ROOT / "docs" / "evidence-bundle.md"


def _doc_lines() -> list[str]:
    return [line.strip() for line in DOC.read_text(encoding="utf-8").splitlines()]


async def test_the_documented_commands_are_the_tested_ones(
    world, client, published_key, signing_key, tmp_path
):
    """docs/evidence-bundle.md and the bundle's LISEZMOI give the commands the tests run
    (core.evidence.verification_steps); the doc's key commands work as written."""
    pem, _ = published_key
    lines = _doc_lines()
    readme = members(world["bundle"])["LISEZMOI.txt"].decode("utf-8")
    readme_lines = [line.strip() for line in readme.splitlines()]
    for step in verification_steps(extra=True):
        assert step in lines, step
        assert step in readme_lines, step
    assert f"{get_settings().base_url}/api/v1/journal/public-key" in readme

    (fetch,) = [line for line in lines if line.startswith("curl ")]
    assert "/api/v1/journal/public-key | " in fetch
    extract = fetch.split(" | ", 1)[1]  # what reads the API's answer
    answer = (await client.get(f"{API}/journal/public-key")).text
    ran = subprocess.run(
        ["bash", "-c", extract], cwd=tmp_path, input=answer, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / PUBLISHED_KEY_FILE).read_text(encoding="ascii") == pem

    (fingerprint,) = [
        part.strip("`")
        for line in lines
        for part in line.split("`")
        if part.startswith("openssl pkey -pubin")
    ]
    printed = shell(fingerprint, tmp_path)
    assert printed.stdout.strip() == key_id(signing_key.public_key()).removeprefix("ed25519:")
    from_key = shell('openssl pkey -in "$RGPD_SIGNING_KEY_FILE" -pubout', tmp_path)
    assert from_key.stdout == pem
