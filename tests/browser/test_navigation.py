"""Every page reachable from the navigation, for each demo role, checked by axe-core.

A small crawler follows the links of the site from the dashboard, two clicks deep, and opens
one page of each kind (the path with its identifiers taken out: /violations/{id} once).
"""

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.helpers import AUDITOR, DPO, RSSI, Pages

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Files, not pages (each has its own test), and what a link must not do in a crawl.
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
