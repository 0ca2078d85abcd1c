"""Every page reachable from the navigation, for each demo role, checked by axe-core.

A small crawler follows the links of the site from the dashboard, two clicks deep, and opens
one page of each kind (the path with its identifiers taken out: /violations/{id} once).
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.async_api import expect

from tests.browser.helpers import AUDITOR, DPO, RSSI, Pages

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Files, not pages (each has its own test), and what a link must not do in a crawl.
NOWHERE = "00000000-0000-4000-8000-000000000000"
NOT_PAGES = ("/exports/telecharger", "/api/", "/static/", "/deconnexion", "/healthz")


def kind_of(path: str) -> str:
    return UUID.sub("{id}", path)


async def links_of(pages: Pages, base_url: str) -> list[str]:
    hrefs = await pages.page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map(a => a.href)"
    )
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base_url or parts.path.startswith(NOT_PAGES):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


async def crawl(pages: Pages, base_url: str, depth: int = 2) -> dict[str, str]:
    """Visit one page per kind, `depth` clicks from the dashboard; {kind: path visited}."""
    seen: dict[str, str] = {}
    frontier = ["/"]
    for _ in range(depth + 1):
        following = []
        for path in frontier:
            kind = kind_of(path.split("?")[0])
            if kind in seen:
                continue
            seen[kind] = path
            await pages.visit(path, kind.strip("/").replace("{id}", "x") or "accueil")
            following += await links_of(pages, base_url)
        frontier = following
    return seen


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        (
            DPO,
            {
                "/registre",
                "/registre/{id}",
                "/conventions",
                "/conventions/{id}",
                "/violations",
                "/violations/{id}",
                "/incidents/declarer",
                "/exports",
                "/journal",
                "/compte",
            },
        ),
        (RSSI, {"/violations", "/violations/{id}", "/incidents/declarer", "/compte"}),
        (AUDITOR, {"/registre", "/registre/{id}", "/journal", "/compte"}),
    ],
    ids=["dpd", "rssi", "auditeur"],
)
async def test_every_page_of_the_navigation_passes_axe(pages, live_server, account, expected):
    await pages.sign_in(account)
    seen = await crawl(pages, live_server.base_url)
    print(f"\n{account[0]} : {len(seen)} pages", *sorted(seen.values()), sep="\n  ")
    assert expected <= set(seen), f"pages jamais atteintes : {expected - set(seen)}"


async def test_refusals_and_error_pages_pass_axe(open_pages):
    """The pages a person meets when something goes wrong: a form refused, 404, 403."""
    dpo = await open_pages(viewport={"width": 1280, "height": 800})
    page = dpo.page
    await dpo.sign_in(DPO)

    await dpo.visit("/registre/nouvelle", "registre-nouvelle-fiche")
    await page.get_by_label("Statut de la fiche").select_option(label="Terminée")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Enregistrer la fiche").click()
    await dpo.check("registre-fiche-refusee")
    summary = page.get_by_role("alert").filter(has_text="Le formulaire contient")
    await expect(summary).to_be_visible()
    await expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    # Each refusal links to its field, which exists.
    for href in await summary.get_by_role("link").evaluate_all("ls => ls.map(l => l.hash)"):
        assert await page.locator(href).count() == 1, f"lien mort dans le résumé : {href}"

    await dpo.visit(f"/violations/{NOWHERE}", "violation-introuvable", status=404)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    await dpo.visit(f"/registre/{NOWHERE}", "fiche-introuvable", status=404)
    await dpo.visit(f"/conventions/{NOWHERE}", "convention-introuvable", status=404)

    auditor = await open_pages(viewport={"width": 1280, "height": 800})
    await auditor.sign_in(AUDITOR)
    await auditor.visit("/incidents/declarer", "auditeur-declarer-refuse", status=403)
    await auditor.visit("/registre/nouvelle", "auditeur-nouvelle-fiche-refusee", status=403)
