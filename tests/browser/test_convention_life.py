"""A convention's life in the browser: the dashboard lists what relies on GOSB–Juvisy, ended on
31 July 2021; its page says so and leads to the page to give notice, terminate or renew; a
termination before its start is refused. Every page on the way is checked by axe-core."""

import re

from playwright.async_api import expect

from tests.browser.helpers import DPO


async def test_the_dpo_follows_an_ended_convention_to_its_life_page(pages):
    page = pages.page
    await pages.sign_in(DPO)
    await pages.check("tableau-de-bord-conventions-echues")
    section = page.get_by_role(
        "region", name="Traitements reposant sur une convention qui a pris fin"
    )
    await expect(section).to_contain_text("convention échue le samedi 31 juillet 2021")

    async with page.expect_navigation():
        await section.get_by_role("link", name=re.compile("Juvisy-sur-Orge")).first.click()
    await pages.check("convention-echue")
    await expect(page.locator("#convention-ended")).to_contain_text(
        "Convention échue le samedi 31 juillet 2021"
    )

    async with page.expect_navigation():
        await page.get_by_role("link", name="Préavis, résiliation, reconduction expresse").click()
    await pages.check("vie-de-la-convention")
    await expect(page.get_by_role("heading", name="Reconduction expresse")).to_be_visible()

    # A day before the convention's start: refused by the server, nothing written.
    await page.get_by_label("Dernier jour en vigueur").fill("2020-12-31")
    await page.get_by_label("Motif").fill("Démutualisation")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Enregistrer la résiliation").click()
    await pages.check("resiliation-refusee")
    await expect(page.get_by_role("alert")).to_contain_text("précède le début de la convention")
