"""What every browser test does on each page: wait for it, run axe-core, take a screenshot.

`Pages.visit(path, name)` opens a page, `Pages.check(name)` checks the page the browser is on
(after a click or a form sent). Each check writes `tests/browser/output/<test>/<nn>-<name>.png`
and fails with a readable list when axe-core finds a serious or critical violation, when the
page logged a JavaScript or Content-Security-Policy error, or when a stylesheet, script or
image failed to load. With `RGPD_AXE_SOFT=1` the accessibility problems are printed and the
test fails only at its end, so one run lists every page's problems; `RGPD_AXE_IMPACTS` sets
which impacts count (default: serious,critical).
"""

import importlib.resources
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import ConsoleMessage, Page, Response

AXE_SOURCE = (importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text(
    encoding="utf-8"
)
IGNORED = ("/favicon.ico",)
# RGPD_AXE_IMPACTS=minor,moderate,serious,critical lists the lesser problems too.
BLOCKING_IMPACTS = tuple(os.environ.get("RGPD_AXE_IMPACTS", "serious,critical").split(","))
SOFT = os.environ.get("RGPD_AXE_SOFT") == "1"

DPO = ("dpd.mutualise@demo.registre-rgpd.fr", "demo-dpd-registre")  # Juvisy and GOSB
RSSI = ("rssi.gosb@demo.registre-rgpd.fr", "demo-rssi-registre")  # GOSB: the processor
ADMIN = ("admin@demo.registre-rgpd.fr", "demo-admin-registre")
AUDITOR = ("auditeur.juvisy@demo.registre-rgpd.fr", "demo-audit-registre")


def describe_violations(violations: list[dict], url: str, screenshot: Path) -> str:
    lines = [f"axe-core : {len(violations)} violation(s) graves sur {url} (capture : {screenshot})"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} [{violation['impact']}] {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"][:10]:
            target = " ".join(map(str, node["target"]))
            lines.append(f"    {target} : {node['html'][:160]}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … et {len(violation['nodes']) - 10} autre(s)")
    return "\n".join(lines)


@dataclass
class Pages:
    """One browser tab of one test, with its checks."""

    page: Page
    out_dir: Path
    numbering: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    soft_problems: list[str] = field(default_factory=list)
    _console: list[str] = field(default_factory=list)
    _broken: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self._console.append(f"pageerror: {error}"))
        self.page.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        # A failed load is judged by _on_response: a page answering 401 or 422 is a refusal
        # shown to the user, not an error.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self._console.append(f"console: {message.text} ({message.location.get('url', '')})")

    def _on_response(self, response: Response) -> None:
        # A stylesheet or a script that does not load is a bug. The browser asks for
        # /favicon.ico by itself; the application has none.
        if (
            response.status >= 400
            and response.request.resource_type != "document"
            and not response.url.endswith(IGNORED)
        ):
            self._broken.append(f"{response.status} {response.url}")

    async def visit(self, path: str, name: str, status: int = 200) -> Response:
        response = await self.page.goto(path)
        assert response is not None and response.status == status, (
            f"{path} : {response and response.status} au lieu de {status}"
        )
        await self.check(name)
        return response

    async def check(self, name: str) -> Path:
        page = self.page
        await page.wait_for_load_state("load")
        slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
        shot = self.out_dir / f"{next(self.numbering):02d}-{slug}.png"
        await page.screenshot(path=shot, full_page=True)
        # The pages' CSP (default-src 'self') does not apply to a script evaluated over CDP.
        if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
            await page.evaluate(AXE_SOURCE)
        result = await page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        serious = [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]
        problems = []
        if serious:
            problems.append(describe_violations(serious, page.url, shot))
        if self._console or self._broken:
            problems.append(
                f"erreurs du navigateur sur {page.url} (capture : {shot}) :\n"
                + "\n".join(f"- {line}" for line in self._console + self._broken)
            )
            self._console.clear()
            self._broken.clear()
        if problems:
            report = "\n".join(problems)
            if not SOFT:
                raise AssertionError(report)
            print(report)
            self.soft_problems.append(report)
        return shot

    async def sign_in(self, account: tuple[str, str]) -> None:
        email, password = account
        await self.visit("/connexion", "connexion")
        await self.page.get_by_label("Adresse électronique").fill(email)
        await self.page.get_by_label("Mot de passe").fill(password)
        async with self.page.expect_navigation():
            await self.page.get_by_role("button", name="Se connecter").click()
        assert "/connexion" not in self.page.url, await self.page.inner_text("main")

    async def sign_out(self) -> None:
        async with self.page.expect_navigation():
            await self.page.get_by_role("button", name="Se déconnecter").click()
