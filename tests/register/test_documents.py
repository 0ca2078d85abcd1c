# ruff: noqa: F811 (the access fixtures, imported, are then named as arguments)
"""Documents attached to conventions and engagements (issue 16): the bytes come back as sent,
the type is read from the content, the size is bounded, another body's document is absent,
and the journal records the upload without the content."""

import hashlib

from core.audit.models import AuditEvent
from core.scope import Scope
from register.documents import service
from register.documents.kinds import DocumentKind
from register.documents.models import DocumentContent
from tests.access.conftest import client_as, make_user  # noqa: F401 (fixtures)
from tests.factories import (
    API,
    PDF_BYTES,
    PNG_BYTES,
    attach_document,
    bodies,
    make_org,
    make_subprocessor,
    odt_bytes,
    problem_at,
)


async def test_a_signed_convention_comes_back_byte_for_byte(client):
    w = await bodies(client)
    response = await attach_document(
        client,
        convention=w["convention"],
        title="Convention signée le 3 mars",
        data=PDF_BYTES,
        document_date="2024-03-03",
    )
    assert response.status_code == 201, response.text
    doc = response.json()
    assert doc["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert (doc["media_type"], doc["size"], doc["file_name"]) == (
        "application/pdf",
        len(PDF_BYTES),
        "convention-signee.pdf",
    )
    assert doc["uploaded_by"] and doc["document_date"] == "2024-03-03"

    content = await client.get(f"{API}/documents/{doc['id']}/content")
    assert content.status_code == 200
    assert content.content == PDF_BYTES
    assert content.headers["content-type"] == "application/pdf"
    assert content.headers["content-disposition"].startswith(
        'attachment; filename="convention-signee.pdf"'
    )
    listed = (await client.get(f"{API}/conventions/{w['convention']['id']}/documents")).json()
    assert [d["id"] for d in listed] == [doc["id"]]


async def test_the_content_is_stored_encrypted_not_in_clear(client):
    w = await bodies(client)
    doc = (await attach_document(client, convention=w["convention"])).json()
    stored = await DocumentContent.filter(document_id=doc["id"]).values_list("data", flat=True)
    from tortoise import connections

    raw = await connections.get("default").execute_query_dict("SELECT data FROM document_content")
    assert stored and raw[0]["data"].startswith("enc:v2:")
    assert "JVBERi" not in raw[0]["data"]  # base64 of "%PDF"


async def test_the_content_decides_the_type_not_the_name(client):
    w = await bodies(client)
    # A PNG named .pdf is a PNG, and downloads as one.
    png = await attach_document(
        client, convention=w["convention"], data=PNG_BYTES, file_name="scan.pdf", kind="annex"
    )
    assert png.status_code == 201, png.text
    assert (png.json()["media_type"], png.json()["file_name"]) == ("image/png", "scan.png")
    odt = await attach_document(client, convention=w["convention"], data=odt_bytes(), file_name="x")
    assert odt.json()["media_type"] == "application/vnd.oasis.opendocument.text"
    # A text file named .pdf, a ZIP that is no OpenDocument: refused, naming the file.
    for data in (b"Ceci n'est pas un PDF", odt_bytes("application/zip")):
        refused = await attach_document(client, convention=w["convention"], data=data)
        assert refused.status_code == 422
        assert "type de fichier refusé" in problem_at(refused, ["body", "file"])


async def test_an_empty_or_too_large_file_is_refused_and_nothing_is_written(client, settings_env):
    w = await bodies(client)
    empty = await attach_document(client, convention=w["convention"], data=b"")
    assert empty.status_code == 422
    assert problem_at(empty, ["body", "file"]) == "le fichier est vide"
    settings_env(document_max_bytes=2048)
    at_limit = PDF_BYTES + b" " * (2048 - len(PDF_BYTES))
    assert (
        await attach_document(client, convention=w["convention"], data=at_limit)
    ).status_code == 201
    over = await attach_document(client, convention=w["convention"], data=at_limit + b" ")
    assert over.status_code == 422
    assert "trop volumineux (plus de 2 Ko)" in problem_at(over, ["body", "file"])
    listed = (await client.get(f"{API}/conventions/{w['convention']['id']}/documents")).json()
    assert len(listed) == 1


async def test_a_missing_title_or_wrong_kind_is_named(client):
    w = await bodies(client)
    response = await attach_document(client, convention=w["convention"], title="  ")
    assert response.status_code == 422
    assert problem_at(response, ["body", "title"])
    response = await attach_document(client, convention=w["convention"], kind="facture")
    assert response.status_code == 422


async def test_another_body_reads_nothing_and_adds_nothing(client, make_user, client_as):
    w = await bodies(client)
    doc = (await attach_document(client, convention=w["convention"])).json()
    other = await make_org(client, kind="commune", legal_name="Commune B")
    stranger = await client_as(await make_user("dpd@b.fr", (other["id"], "dpo")))
    missing = "00000000-0000-4000-8000-000000000000"
    for path in (f"/documents/{doc['id']}", f"/documents/{doc['id']}/content"):
        mine, absent = (
            await stranger.get(API + path),
            await stranger.get(API + path.replace(doc["id"], missing)),
        )
        assert (mine.status_code, absent.status_code) == (404, 404)
        assert mine.json() == {"detail": absent.json()["detail"].replace(missing, doc["id"])}
    listed = await stranger.get(f"{API}/conventions/{w['convention']['id']}/documents")
    assert listed.status_code == 404
    added = await attach_document(stranger, convention=w["convention"])
    assert added.status_code == 404
    deleted = await stranger.delete(f"{API}/documents/{doc['id']}")
    assert deleted.status_code == 404
    assert (await client.get(f"{API}/documents/{doc['id']}")).status_code == 200


async def test_a_party_reads_only_its_dpo_or_administrator_adds_or_deletes(
    client, make_user, client_as
):
    w = await bodies(client)
    commune = w["commune"]["id"]
    auditor = await client_as(await make_user("audit@vitry.fr", (commune, "auditor")))
    dpo = await client_as(await make_user("dpd@vitry.fr", (commune, "dpo")))
    added = await attach_document(dpo, convention=w["convention"])
    assert added.status_code == 201, added.text
    doc = added.json()
    content = await auditor.get(f"{API}/documents/{doc['id']}/content")
    assert content.status_code == 200 and content.content == PDF_BYTES
    assert (await attach_document(auditor, convention=w["convention"])).status_code == 403
    assert (await auditor.delete(f"{API}/documents/{doc['id']}")).status_code == 403
    assert (await dpo.delete(f"{API}/documents/{doc['id']}?version=1")).status_code == 204
    assert (await dpo.get(f"{API}/documents/{doc['id']}")).status_code == 404


async def test_an_engagement_s_documents_are_read_by_the_controllers_it_serves(
    client, make_user, client_as
):
    w = await bodies(client)
    engagement = await make_subprocessor(client, processor=w["ept"])
    ept_dpo = await client_as(await make_user("dpd@ept.fr", (w["ept"]["id"], "dpo")))
    report = await attach_document(
        ept_dpo, engagement=engagement, kind="audit_report", title="Audit 2025"
    )
    assert report.status_code == 201, report.text
    doc = report.json()
    commune_dpo = await client_as(await make_user("dpd@vitry.fr", (w["commune"]["id"], "dpo")))
    read = await commune_dpo.get(f"{API}/subprocessors/{engagement['id']}/documents")
    assert read.status_code == 200 and [d["id"] for d in read.json()] == [doc["id"]]
    # The controller reads it, but only the processor that hired the sub-processor deletes it.
    refused = await commune_dpo.delete(f"{API}/documents/{doc['id']}")
    assert refused.status_code == 403
    assert "seul le sous-traitant" in refused.text
    assert (await attach_document(commune_dpo, engagement=engagement)).status_code == 404


async def test_the_journal_records_the_upload_in_each_party_s_chain_without_the_content(client):
    w = await bodies(client)
    doc = (await attach_document(client, convention=w["convention"])).json()
    events = await AuditEvent.filter(entity_type="document", entity_id=doc["id"])
    chains = {e.chain for e in events}
    assert len(chains) == 2  # the commune's and the EPT's
    for event in events:
        text = str(event.after)
        assert doc["sha256"] in text and "JVBERi" not in text


async def test_documents_of_and_get_document_for_other_areas(client):
    w = await bodies(client)
    await attach_document(client, convention=w["convention"], kind="annex", title="Annexe 1")
    proof = (
        await attach_document(
            client, convention=w["convention"], kind="destruction_proof", title="PV"
        )
    ).json()
    found = await service.documents_of(w["convention"]["id"], DocumentKind.DESTRUCTION_PROOF)
    assert [str(d.id) for d in found] == [proof["id"]]
    doc = await service.get_document(scope=Scope.everything(), document_id=proof["id"])
    assert await service.content_of(doc) == PDF_BYTES


async def test_only_the_body_that_attached_a_document_removes_it(client, make_user, client_as):
    w = await bodies(client)
    commune, ept = w["commune"]["id"], w["ept"]["id"]
    commune_dpo = await client_as(await make_user("dpd@vitry.fr", (commune, "dpo")))
    ept_dpo = await client_as(await make_user("dpd@ept.fr", (ept, "dpo")))
    signed = await attach_document(ept_dpo, convention=w["convention"])
    assert signed.status_code == 201, signed.text
    doc = signed.json()
    assert doc["attached_by_id"] == ept
    # The commune reads the EPT's signed copy, and cannot remove the EPT's evidence.
    assert (await commune_dpo.get(f"{API}/documents/{doc['id']}")).status_code == 200
    refused = await commune_dpo.delete(f"{API}/documents/{doc['id']}?version=1")
    assert refused.status_code == 403, refused.text
    assert "seul l'organisme qui a joint ce document" in refused.text
    assert (await ept_dpo.delete(f"{API}/documents/{doc['id']}?version=1")).status_code == 204


async def test_a_dpo_of_both_parties_names_the_body_it_attaches_for(client, make_user, client_as):
    w = await bodies(client)
    commune, ept = w["commune"]["id"], w["ept"]["id"]
    shared = await client_as(await make_user("dpd@mutualise.fr", (commune, "dpo"), (ept, "dpo")))
    unnamed = await attach_document(shared, convention=w["convention"])
    assert "plusieurs parties" in problem_at(unnamed, ["body", "organisation_id"])
    listed = await client.get(f"{API}/conventions/{w['convention']['id']}/documents")
    assert listed.json() == [], "nothing written"
    other = await make_org(client, legal_name="Commune de Nulle-Part")
    wrong = await attach_document(shared, convention=w["convention"], organisation_id=other["id"])
    assert "une partie pour laquelle vous agissez" in problem_at(wrong, ["body", "organisation_id"])
    named = await attach_document(shared, convention=w["convention"], organisation_id=commune)
    assert named.status_code == 201, named.text
    assert named.json()["attached_by_id"] == commune
