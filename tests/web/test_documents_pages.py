"""The documents of a convention on its page: a party's DPO attaches a file through the form
(the CSRF token in the action, as every upload form), the page lists it with its digest, any
party's member downloads the same bytes, a refusal is shown beside the field, and another
body's member gets the 404 of a missing document."""

import hashlib

from tests.factories import PDF_BYTES, PNG_BYTES, attach_document, bodies, make_org
from tests.web.conftest import csrf_of


async def _form(http, convention_id: str) -> tuple[str, str]:
    page = await http.get(f"/conventions/{convention_id}/documents/nouveau")
    assert page.status_code == 200, page.text
    token = csrf_of(page.text)
    return page.text, f"/conventions/{convention_id}/documents?csrf_token={token}"


async def test_a_dpo_attaches_a_file_and_the_page_lists_it(client, make_user, browser):
    w = await bodies(client)
    convention = w["convention"]["id"]
    http = await browser(await make_user("dpd@vitry.fr", (w["commune"]["id"], "dpo")))
    sheet = await http.get(f"/conventions/{convention}")
    assert "Aucun document n'est joint à cette convention." in sheet.text
    assert "Joindre un document" in sheet.text
    _, action = await _form(http, convention)
    sent = await http.post(
        action,
        data={"nature": "destruction_proof", "titre": "PV de destruction", "date": "2026-11-30"},
        files={"fichier": ("pv.pdf", PDF_BYTES, "application/pdf")},
    )
    assert sent.status_code == 303, sent.text
    sheet = await http.get(sent.headers["location"])
    assert "Document joint à la convention." in sheet.text
    assert "PV de destruction" in sheet.text and "Preuve de destruction" in sheet.text
    assert hashlib.sha256(PDF_BYTES).hexdigest()[:16] in sheet.text
    assert "30/11/2026" in sheet.text


async def test_a_file_refused_by_its_content_is_named_beside_the_field(client, make_user, browser):
    w = await bodies(client)
    convention = w["convention"]["id"]
    http = await browser(await make_user("dpd@vitry.fr", (w["commune"]["id"], "dpo")))
    _, action = await _form(http, convention)
    refused = await http.post(
        action,
        data={"nature": "annex", "titre": "Annexe 1"},
        files={"fichier": ("annexe.pdf", b"pas un pdf", "application/pdf")},
    )
    assert refused.status_code == 422
    assert 'id="err-fichier"' in refused.text and "type de fichier refusé" in refused.text
    assert 'value="Annexe 1"' in refused.text  # what was typed is kept
    untitled = await http.post(
        action,
        data={"nature": "annex", "titre": ""},
        files={"fichier": ("annexe.png", PNG_BYTES, "image/png")},
    )
    assert untitled.status_code == 422 and 'id="err-titre"' in untitled.text


async def test_a_party_downloads_the_same_bytes_another_body_gets_a_404(client, make_user, browser):
    w = await bodies(client)
    doc = (await attach_document(client, convention=w["convention"], data=PNG_BYTES)).json()
    auditor = await browser(await make_user("audit@ept.fr", (w["ept"]["id"], "auditor")))
    got = await auditor.get(f"/documents/{doc['id']}/fichier")
    assert got.status_code == 200
    assert got.content == PNG_BYTES and got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith("attachment;")
    sheet = await auditor.get(f"/conventions/{w['convention']['id']}")
    assert "Convention signée" in sheet.text and "Joindre un document" not in sheet.text
    assert "Retirer" not in sheet.text

    other = await make_org(client, kind="commune", legal_name="Commune B")
    stranger = await browser(await make_user("dpd@b.fr", (other["id"], "dpo")))
    assert (await stranger.get(f"/documents/{doc['id']}/fichier")).status_code == 404
    assert (
        await stranger.get(f"/conventions/{w['convention']['id']}/documents/nouveau")
    ).status_code == 404


async def test_a_dpo_removes_a_document(client, make_user, browser):
    w = await bodies(client)
    doc = (await attach_document(client, convention=w["convention"], title="Brouillon")).json()
    http = await browser(await make_user("dpd@ept.fr", (w["ept"]["id"], "dpo")))
    sheet = await http.get(f"/conventions/{w['convention']['id']}")
    assert "Retirer le document Brouillon" in sheet.text
    removed = await http.post(
        f"/documents/{doc['id']}/suppression", data={"csrf_token": csrf_of(sheet.text)}
    )
    assert removed.status_code == 303
    sheet = await http.get(removed.headers["location"])
    assert "Document retiré de la convention." in sheet.text
    assert "Brouillon" not in sheet.text


async def test_two_files_are_refused_in_french_beside_the_file_field(client, make_user, browser):
    w = await bodies(client)
    convention = w["convention"]["id"]
    http = await browser(await make_user("dpd@vitry.fr", (w["commune"]["id"], "dpo")))
    _, action = await _form(http, convention)
    refused = await http.post(
        action,
        data={"nature": "annex", "titre": "Annexe 1"},
        files=[
            ("fichier", ("a.pdf", PDF_BYTES, "application/pdf")),
            ("fichier", ("b.png", PNG_BYTES, "image/png")),
        ],
    )
    assert refused.status_code == 422
    assert 'id="err-fichier"' in refused.text
    assert "un seul fichier par envoi" in refused.text and "Too many" not in refused.text
    sheet = await http.get(f"/conventions/{convention}")
    assert "Aucun document n'est joint à cette convention." in sheet.text


async def test_a_corrupt_archive_is_refused_beside_the_file_field(client, make_user, browser):
    from tests.register.test_documents_corrupt import CORRUPT

    w = await bodies(client)
    http = await browser(await make_user("dpd@vitry.fr", (w["commune"]["id"], "dpo")))
    _, action = await _form(http, w["convention"]["id"])
    refused = await http.post(
        action,
        data={"nature": "annex", "titre": "Annexe 1"},
        files={"fichier": ("annexe.odt", CORRUPT["garbage deflate"](), "application/zip")},
    )
    assert refused.status_code == 422
    assert 'id="err-fichier"' in refused.text and "type de fichier refusé" in refused.text


async def test_a_dpo_of_both_parties_chooses_the_body_it_attaches_for(client, make_user, browser):
    w = await bodies(client)
    convention, commune, ept = w["convention"]["id"], w["commune"]["id"], w["ept"]["id"]
    http = await browser(await make_user("dpd@mutualise.fr", (commune, "dpo"), (ept, "dpo")))
    form, action = await _form(http, convention)
    assert "Joint au nom de" in form and f'value="{ept}"' in form
    unnamed = await http.post(
        action,
        data={"nature": "annex", "titre": "Annexe 1"},
        files={"fichier": ("annexe.pdf", PDF_BYTES, "application/pdf")},
    )
    assert unnamed.status_code == 422 and 'id="err-organisme"' in unnamed.text
    assert "plusieurs parties" in unnamed.text
    named = await http.post(
        action,
        data={"nature": "annex", "titre": "Annexe 1", "organisme": ept},
        files={"fichier": ("annexe.pdf", PDF_BYTES, "application/pdf")},
    )
    assert named.status_code == 303, named.text
    one_party = await browser(await make_user("dpd@vitry.fr", (commune, "dpo")))
    single, _ = await _form(one_party, convention)
    assert "Joint au nom de" not in single  # nothing to choose: the commune attaches
