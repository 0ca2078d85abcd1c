"""The register import page, like a convention's documents page (test_documents_pages), says
in French beside its file field what Starlette refuses in English: a second file."""

from tests.factories import PDF_BYTES, bodies
from tests.web.conftest import csrf_of


async def test_the_import_page_refuses_two_files_in_french(client, make_user, browser):
    w = await bodies(client)
    http = await browser(await make_user("dpd@vitry.fr", (w["commune"]["id"], "dpo")))
    token = csrf_of((await http.get("/exports/import")).text)
    answer = await http.post(
        f"/exports/import?csrf_token={token}",
        data={"organisme": w["commune"]["id"], "essai": "on"},
        files=[("fichier", ("a.csv", b"nom\nx\n")), ("fichier", ("b.pdf", PDF_BYTES))],
    )
    assert answer.status_code == 422
    assert 'id="err-fichier"' in answer.text and "un seul fichier par envoi" in answer.text
    assert "Too many" not in answer.text
