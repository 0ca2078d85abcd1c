"""Signing in, the live countdown of the dashboard, and the keyboard path through the layout."""

import re

from tests.browser.helpers import DPO

HOUR_MS = 3_600_000


def minutes_left(text: str) -> int:
    """'reste 61 h 21 min' → 3681; 'reste 4 j 2 h' → minutes too; negative once overdue."""
    found = re.fullmatch(r"(reste|dépassé de) (?:(\d+) j )?(?:(\d+) h ?)?(?:(\d+) min)?", text)
    assert found, f"compte à rebours illisible : {text!r}"
    sign = 1 if found[1] == "reste" else -1
    days, hours, minutes = (int(part or 0) for part in found.groups()[1:])
    return sign * ((days * 24 + hours) * 60 + minutes)


async def test_login_then_the_dashboard_countdown_runs_and_changes_colour(pages):
    page = pages.page
    await page.clock.install()  # the page's timers and Date.now follow the test's clock

    await pages.visit("/connexion", "connexion")
    await page.get_by_label("Adresse électronique").fill(DPO[0])
    await page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    await page.get_by_role("button", name="Se connecter").click()
    await page.wait_for_url("**/connexion")
    alert = page.get_by_role("alert")
    await alert.wait_for()
    assert "Connexion impossible" in await alert.inner_text()
    assert await page.get_by_label("Adresse électronique").input_value() == DPO[0]
    await pages.check("connexion-refusee")

    await page.get_by_label("Mot de passe").fill(DPO[1])
    async with page.expect_navigation():
        await page.get_by_role("button", name="Se connecter").click()
    await pages.check("tableau-de-bord")
    assert await page.get_by_role("heading", level=1).inner_text() == "Tableau de bord"

    # The demo incident (GOSB's server, Juvisy's processing) runs the processor's notice clock.
    row = (
        page.get_by_role("row")
        .filter(has_text="Commune de Juvisy-sur-Orge")
        .filter(has=page.locator("time[data-countdown]"))
    )
    clock = row.first.locator("time[data-countdown]")
    first = await clock.inner_text()
    assert first.startswith("reste "), first
    due_ms = await clock.evaluate("el => Date.parse(el.getAttribute('datetime'))")

    async def left_ms() -> int:
        return due_ms - await page.evaluate("() => Date.now()")

    async def classes() -> set[str]:
        return set((await clock.get_attribute("class")).split())

    await page.clock.fast_forward("02:00:00")  # the 20 s refresh fires on the way
    later = await clock.inner_text()
    assert 118 <= minutes_left(first) - minutes_left(later) <= 121, (first, later)
    assert await classes() == {"countdown"} and await left_ms() > 24 * HOUR_MS

    await page.clock.fast_forward(await left_ms() - 12 * HOUR_MS)
    assert await classes() == {"countdown", "soon"}
    assert (await clock.inner_text()).startswith("reste 11 h ") or (
        await clock.inner_text()
    ).startswith("reste 12 h ")
    await pages.check("tableau-de-bord-moins-de-24-h")

    await page.clock.fast_forward(await left_ms() - 3 * HOUR_MS)
    assert await classes() == {"countdown", "urgent"}
    await pages.check("tableau-de-bord-moins-de-6-h")

    await page.clock.fast_forward(await left_ms() + 30 * 60_000)
    text = await clock.inner_text()
    assert text.startswith("dépassé de ") and -31 <= minutes_left(text) <= -29, text
    assert await classes() == {"countdown", "overdue"}
    await pages.check("tableau-de-bord-delai-depasse")


async def test_the_keyboard_reaches_the_skip_link_first_then_the_navigation_in_order(pages):
    page = pages.page
    await pages.sign_in(DPO)
    await pages.visit("/", "tableau-de-bord")

    async def focused() -> dict:
        return await page.evaluate(
            """() => {
                const el = document.activeElement;
                return {tag: el.tagName, id: el.id, text: (el.innerText || '').trim(),
                        href: el.getAttribute('href'),
                        inNav: !!el.closest('nav[aria-label="Navigation principale"]'),
                        outline: getComputedStyle(el).outlineStyle,
                        visible: (() => { const r = el.getBoundingClientRect();
                            return r.width > 0 && r.left >= 0 && r.top >= 0; })()};
            }"""
        )

    await page.keyboard.press("Tab")
    skip = await focused()
    assert skip["text"] == "Aller au contenu" and skip["href"] == "#contenu", skip
    assert skip["visible"] and skip["outline"] != "none", "le lien d'évitement reste invisible"
    await pages.check("lien-d-evitement")
    await page.keyboard.press("Enter")
    assert (await focused())["id"] == "contenu", "Entrée sur le lien n'amène pas au contenu"

    await page.goto("/")  # the page afresh: a reload would keep '#contenu' as the start
    nav_links = page.get_by_role("navigation", name="Navigation principale").get_by_role("link")
    expected = [text.strip() for text in await nav_links.all_inner_texts()]
    assert expected[:2] == ["Tableau de bord", "Registre"] and "Violations" in expected
    reached, trail = [], []
    for _ in range(len(expected) + 6):
        await page.keyboard.press("Tab")
        now = await focused()
        trail.append(now["text"] or now["tag"])
        if now["inNav"]:
            assert now["outline"] != "none", f"pas de contour de focus sur {now['text']}"
            reached.append(now["text"])
        elif reached:
            break
    assert reached == expected, f"ordre du focus : {trail}"
