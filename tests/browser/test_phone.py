"""On a phone (390×844, mobile): the pages fit the screen, nothing scrolls sideways."""

from playwright.async_api import expect

from tests.browser.helpers import DPO, Pages

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


async def assert_no_sideways_scroll(pages: Pages, name: str) -> None:
    shot = await pages.check(name)
    widths = await pages.page.evaluate(
        """() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
                   wide: [...document.querySelectorAll('body *')]
                     .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                                   && !el.closest('.table-wrap'))
                     .slice(0, 5).map(el => el.outerHTML.slice(0, 120))})"""
    )
    assert widths["scroll"] <= widths["inner"], (
        f"{pages.page.url} défile horizontalement sur téléphone : {widths} (capture : {shot})"
    )


async def test_the_dashboard_and_the_declaration_form_fit_a_phone(open_pages):
    pages = await open_pages(**PHONE)
    page = pages.page
    await pages.sign_in(DPO)
    await page.goto("/")
    await assert_no_sideways_scroll(pages, "telephone-tableau-de-bord")

    # The DPO serves two bodies: first the one whose system is hit.
    await page.goto("/incidents/declarer")
    await assert_no_sideways_scroll(pages, "telephone-declarer-choix")
    chooser = page.locator("form.choose-body")
    # Choosing does not reload the page by itself (RGAA 7.4): the button sends the choice.
    await chooser.get_by_label("Organisme dont le système est touché").select_option(
        label="Établissement public territorial Grand-Orly Seine Bièvre"
    )
    async with page.expect_navigation():
        await chooser.get_by_role("button", name="Continuer").click()
    await expect(page.locator("form.declare")).to_be_visible()
    await assert_no_sideways_scroll(pages, "telephone-declarer-formulaire")

    # Sent empty: the refusals beside the fields still fit.
    await page.get_by_role("button", name="Déclarer l'incident").click()
    await expect(page.locator(".error-summary")).to_be_visible()
    await assert_no_sideways_scroll(pages, "telephone-declarer-refus")

    # The demo breach, as from the link of an e-mail.
    await page.get_by_role("link", name="Tableau de bord").first.click()
    await page.get_by_role("link", name="VIO-JUVISY-2026-0001 — Commune de Juvisy-sur-Orge").click()
    await page.wait_for_url("**/violations/*")
    await assert_no_sideways_scroll(pages, "telephone-violation")
