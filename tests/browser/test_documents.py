"""Documents of a convention in the browser: the shared DPO of Juvisy and GOSB attaches the
signed GOSB–Juvisy convention (a file refused by its content first, the refusal beside the
field), then finds it listed with its digest on the convention page. Every page on the way is
checked by axe-core."""

import hashlib

from tests.browser.api import api, ok
from tests.browser.helpers import ADMIN, DPO
from tests.factories import PDF_BYTES


def _juvisy(live_server) -> str:
    with api(live_server, ADMIN[0]) as http:
        items = ok(http.get("/conventions", params={"limit": 100}))["items"]
    return next(c["id"] for c in items if "Juvisy-sur-Orge" in c["title"])


async def test_the_shared_dpo_attaches_the_signed_convention(pages, live_server):
    juvisy = _juvisy(live_server)
    page = pages.page
    await pages.sign_in(DPO)
    await pages.visit(f"/conventions/{juvisy}", "convention-sans-document")
    async with page.expect_navigation():
        await page.get_by_role("link", name="Joindre un document").click()
    await pages.check("document-formulaire")

    await page.get_by_label("Nature").select_option("signed_convention")
    await page.get_by_label("Titre").fill("Convention GOSB–Juvisy signée")
    await page.get_by_label("Date du document").fill("2018-07-31")
    # The shared DPO acts for both parties: the body attaching it (it alone removes it).
    await page.get_by_label("Joint au nom de").select_option(label="Commune de Juvisy-sur-Orge")
    await page.get_by_label("Fichier").set_input_files(
        {"name": "convention.pdf", "mimeType": "application/pdf", "buffer": b"pas un PDF"}
    )
    async with page.expect_navigation():
        await page.get_by_role("button", name="Joindre le document").click()
    await pages.check("document-refuse")
    assert "type de fichier refusé" in await page.locator("#err-fichier").inner_text()

    await page.get_by_label("Fichier").set_input_files(
        {"name": "convention.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    async with page.expect_navigation():
        await page.get_by_role("button", name="Joindre le document").click()
    await pages.check("convention-avec-document")
    listed = await page.locator("section[aria-labelledby=t-documents]").inner_text()
    assert "Convention GOSB–Juvisy signée" in listed
    assert hashlib.sha256(PDF_BYTES).hexdigest()[:16] in listed
