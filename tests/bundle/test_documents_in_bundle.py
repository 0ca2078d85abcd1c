"""A proof of destruction attached to a convention appears in the evidence bundle of each
party, listed with the digest taken at upload and verified as every file of the bundle;
altered by one byte, both `rgpd bundle verify` and the documented OpenSSL procedure fail."""

import hashlib
import json
import zipfile
from uuid import UUID

import pytest

from core.clock import utcnow
from core.scope import Scope
from register.documents.models import DocumentContent
from reports.bundle import DOCUMENT_LIST, DOCUMENTS, build_bundle
from tests.bundle.helpers import Procedure, flip_one_byte, rewrite, verify
from tests.factories import PDF_BYTES, PNG_BYTES, attach_document, bodies, make_subprocessor


async def _bundle(path, w, key):
    with path.open("wb") as out:
        return await build_bundle(
            scope=Scope.everything(),
            organisation_ids=[UUID(w["commune"]["id"]), UUID(w["ept"]["id"])],
            since=None,
            until=None,
            now=utcnow(),
            out=out,
            key=key,
        )


@pytest.fixture
async def with_proof(client, signing_key, tmp_path) -> dict:
    w = await bodies(client)
    proof = await attach_document(
        client,
        convention=w["convention"],
        kind="destruction_proof",
        title="Procès-verbal de destruction",
        document_date="2026-11-30",
        file_name="PV destruction données.pdf",
        data=PDF_BYTES,
    )
    assert proof.status_code == 201, proof.text
    w["proof"] = proof.json()
    w["bundle"] = tmp_path / "lot.zip"
    w["summary"] = await _bundle(w["bundle"], w, signing_key)
    return w


def members(bundle) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


async def test_each_party_s_bundle_lists_and_holds_the_proof(with_proof):
    files = members(with_proof["bundle"])
    proof = with_proof["proof"]
    for part in with_proof["summary"].organisations:
        listed = json.loads(files[f"{part.folder}/{DOCUMENT_LIST}"])
        assert [e["sha256"] for e in listed] == [proof["sha256"]]
        entry = listed[0]
        assert entry["kind_label"] == "Preuve de destruction"
        assert entry["attached_to"]["name"] == "Convention de services informatiques partagés"
        assert entry["path"].startswith(f"{part.folder}/{DOCUMENTS}/")
        assert entry["path"].endswith("/01-PV-destruction-donnees.pdf")
        assert files[entry["path"]] == PDF_BYTES
        assert hashlib.sha256(files[entry["path"]]).hexdigest() == entry["sha256"]
        assert part.documents == 1
    readme = files["LISEZMOI.txt"].decode("utf-8")
    assert "1 document joint aux conventions" in readme


async def test_the_bundle_with_its_documents_verifies(with_proof, published_key, tmp_path):
    pem, pem_path = published_key
    checked = verify(with_proof["bundle"], pem_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    procedure = Procedure(with_proof["bundle"], pem, tmp_path / "audit")
    assert procedure.passed, procedure.whole.stdout + procedure.whole.stderr


async def test_an_altered_document_fails_both_verifications(with_proof, published_key, tmp_path):
    pem, pem_path = published_key
    path = json.loads(
        members(with_proof["bundle"])[
            f"{with_proof['summary'].organisations[0].folder}/{DOCUMENT_LIST}"
        ]
    )[0]["path"]
    altered = tmp_path / "altéré.zip"
    rewrite(
        with_proof["bundle"],
        altered,
        change=lambda member, data: flip_one_byte(data) if member == path else data,
    )
    checked = verify(altered, pem_path)
    assert checked.returncode == 1
    assert path in checked.stdout
    procedure = Procedure(altered, pem, tmp_path / "audit")
    assert not procedure.passed
    assert procedure.openssl.returncode == 0
    assert procedure.sha256sum.returncode != 0
    assert f"{path}: FAILED" in procedure.sha256sum.stdout


async def test_a_document_altered_in_the_database_is_listed_without_its_file(
    client, signing_key, tmp_path
):
    w = await bodies(client)
    doc = (await attach_document(client, convention=w["convention"])).json()
    # The content of another row, copied over: it no longer decrypts here.
    other = (await attach_document(client, convention=w["convention"], data=PNG_BYTES)).json()
    stored = await DocumentContent.filter(document_id=other["id"]).first()
    from tortoise import connections

    rows = await connections.get("default").execute_query_dict(
        "SELECT data FROM document_content WHERE id = " + ("$1" if _pg() else "?"),
        [str(stored.id)],
    )
    mine = await DocumentContent.filter(document_id=doc["id"]).first()
    await connections.get("default").execute_query(
        "UPDATE document_content SET data = " + ("$1 WHERE id = $2" if _pg() else "? WHERE id = ?"),
        [rows[0]["data"], str(mine.id)],
    )
    assert (await client.get(f"/api/v1/documents/{doc['id']}/content")).status_code == 409

    summary = await _bundle(tmp_path / "lot.zip", w, signing_key)
    commune = summary.organisations[0]
    listed = json.loads(members(tmp_path / "lot.zip")[f"{commune.folder}/{DOCUMENT_LIST}"])
    by_id = {e["sha256"]: e for e in listed}
    assert by_id[doc["sha256"]]["path"] is None
    assert by_id[other["sha256"]]["path"] is not None
    assert (commune.documents, commune.documents_unreadable) == (1, 1)


async def test_an_engagement_s_audit_report_is_in_the_controller_s_bundle(
    client, signing_key, tmp_path
):
    w = await bodies(client)
    engagement = await make_subprocessor(client, processor=w["ept"], name="Hébergeur Nord")
    report = await attach_document(
        client, engagement=engagement, kind="audit_report", title="Audit", data=PNG_BYTES
    )
    assert report.status_code == 201, report.text
    summary = await _bundle(tmp_path / "lot.zip", w, signing_key)
    files = members(tmp_path / "lot.zip")
    for part in summary.organisations:
        listed = json.loads(files[f"{part.folder}/{DOCUMENT_LIST}"])
        assert [e["attached_to"]["name"] for e in listed] == ["Hébergeur Nord"]


def _pg() -> bool:
    import os

    return os.environ.get("RGPD_TEST_DB") == "postgres"
