"""The art. 28(3) checklist in the browser: the shared DPO of Juvisy and GOSB reads the
GOSB–Juvisy checklist (annex 1's articles, AIPD assistance absent, the art. 28(10) warning),
edits a clause and finds it on the convention page; the administrator sees Montpellier–CCAS
flagged. Every page on
the way is checked by axe-core."""

from tests.browser.api import api, ok
from tests.browser.helpers import ADMIN, DPO


def _convention_ids(live_server) -> dict[str, str]:
    with api(live_server, ADMIN[0]) as http:
        items = ok(http.get("/conventions", params={"limit": 100}))["items"]
    return {c["title"]: c["id"] for c in items}


async def test_the_shared_dpo_reads_and_edits_the_checklist(pages, open_pages, live_server):
    ids = _convention_ids(live_server)
    juvisy = next(i for t, i in ids.items() if "Juvisy-sur-Orge" in t)
    montpellier = ids["Convention de gestion de services numériques communs"]
    page = pages.page
    await pages.sign_in(DPO)

    await pages.visit(f"/conventions/{juvisy}", "convention-gosb-juvisy-clauses")
    table = page.locator("#clauses")
    assert "annexe 1, §II.6" in await table.inner_text()
    assert "1 clause absente" in await page.locator("#clauses-absentes").inner_text()
    assert "art. 28.10" in await page.locator("#art-28-10").inner_text()

    async with page.expect_navigation():
        await page.get_by_role("link", name="Modifier la liste de contrôle des clauses").click()
    await pages.check("clauses-formulaire")
    security = page.get_by_role("group", name="Mesures de sécurité de l'article 32 (art. 28.3 c)")
    await security.get_by_label("Note").fill(
        "Huit mesures listées, dont le chiffrement « si nécessaire »."
    )
    async with page.expect_navigation():
        await page.get_by_role("button", name="Enregistrer la liste de contrôle").click()
    await pages.check("convention-clauses-enregistrees")
    assert "Huit mesures listées" in await page.locator("#clauses").inner_text()

    admin = await open_pages(viewport={"width": 1280, "height": 800})
    await admin.sign_in(ADMIN)
    await admin.visit(f"/conventions/{montpellier}", "convention-montpellier-ccas-clauses")
    flagged = await admin.page.locator("#clauses-absentes").inner_text()
    assert "9 clauses absentes" in flagged
