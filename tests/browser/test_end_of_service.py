"""The end of service in the browser: the shared DPO of Juvisy and GOSB finds GOSB–Juvisy's
steps overdue on the convention page, is refused a return without its means, then records it.
Every page on the way is checked by axe-core."""

from playwright.async_api import expect

from tests.browser.api import api, ok
from tests.browser.helpers import ADMIN, DPO


def _juvisy(live_server) -> str:
    with api(live_server, ADMIN[0]) as http:
        items = ok(http.get("/conventions", params={"limit": 100}))["items"]
    return next(c["id"] for c in items if "Juvisy-sur-Orge" in c["title"])


async def test_the_shared_dpo_records_the_return_of_juvisys_data(pages, live_server):
    convention_id = _juvisy(live_server)
    page = pages.page
    await pages.sign_in(DPO)

    await pages.visit(f"/conventions/{convention_id}", "convention-gosb-juvisy-fin-de-service")
    steps = page.locator("#fin-de-service")
    await expect(steps).to_contain_text("en retard depuis le 31/07/2021")
    async with page.expect_navigation():
        await page.get_by_role(
            "link", name="Enregistrer une étape de la fin de la prestation"
        ).click()
    await pages.check("fin-de-service-formulaire")

    await page.get_by_label("Étape (obligatoire)").select_option(label="Restitution des données")
    await page.get_by_label("Faite le").fill("2021-09-15")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Enregistrer l'étape").click()
    await pages.check("fin-de-service-refusee")
    await expect(page.get_by_role("alert")).to_contain_text("support, format")

    await page.get_by_label("Restitution : comment").fill("Export des bases remis à la ville")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Enregistrer l'étape").click()
    await pages.check("fin-de-service-enregistree")
    await expect(page.locator("#fin-de-service")).to_contain_text(
        "Export des bases remis à la ville"
    )
