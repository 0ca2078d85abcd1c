"""A sub-processor under a specific authorisation in the browser: Boulogne (processor of
Juvisy under a new convention) asks for one; the shared DPO of Juvisy finds the request on its
dashboard, authorises it on the sub-processor's page, and the page then says it is
authorised. Every page is checked by axe."""

import re
from datetime import date, timedelta

import httpx

from tests.browser.helpers import ADMIN, DPO

API = "/api/v1"


def _token(live_server, email: str) -> str:
    printed = live_server.cli("token", "create", email, "--name", "essai navigateur")
    return re.search(r"rgpd_\S+", printed)[0]


def _request_a_sub_processor(live_server) -> str:
    admin = {"Authorization": f"Bearer {_token(live_server, ADMIN[0])}"}
    with httpx.Client(base_url=live_server.base_url + API, headers=admin) as http:
        bodies = http.get("/organisations", params={"limit": 100}).json()["items"]
        ids = {b["legal_name"]: b["id"] for b in bodies}
        boulogne = next(i for n, i in ids.items() if "Boulogne" in n)
        juvisy = next(i for n, i in ids.items() if "Juvisy" in n)
        convention = http.post(
            "/conventions",
            json={
                "title": "Hébergement du portail famille de Juvisy",
                "kind": "art28_contract",
                "start_date": "2026-01-01",
                "subprocessor_authorisation": "specific",
                "parties": [
                    {"organisation_id": boulogne, "role": "processor"},
                    {"organisation_id": juvisy, "role": "controller"},
                ],
            },
        )
        assert convention.status_code == 201, convention.text
        engagement = http.post(
            "/subprocessors",
            json={
                "processor_id": boulogne,
                "name": "Infogérance Essonne SAS",
                "services": "Supervision des serveurs du portail famille",
                "authorisation": "specific",
                "contract_start": (date.today() + timedelta(days=60)).isoformat(),
                "convention_ids": [convention.json()["id"]],
            },
        )
        assert engagement.status_code == 201, engagement.text
        assert engagement.json()["state"] == "requested"
        return engagement.json()["id"]


async def test_the_controllers_dpo_authorises_a_requested_sub_processor(pages, live_server):
    engagement_id = _request_a_sub_processor(live_server)
    page = pages.page
    await pages.sign_in(DPO)

    await pages.visit("/", "tableau-de-bord-sous-traitant-en-attente")
    waiting = page.get_by_role(
        "region", name="Sous-traitants ultérieurs en attente de votre réponse"
    )
    async with page.expect_navigation():
        await waiting.get_by_role("link", name="Infogérance Essonne SAS").click()
    await pages.check("sous-traitant-demande")
    assert f"/sous-traitants/{engagement_id}" in page.url
    assert "Autorisation demandée" in await page.inner_text("main")
    await page.get_by_label("Réponse (obligatoire)").select_option("authorise")
    await page.get_by_label("Motif ou commentaire").fill("Délibération du 12 mars 2026.")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Enregistrer la réponse").click()
    await pages.check("sous-traitant-autorise")

    main = await page.inner_text("main")
    assert "Autorisé, contrat pas encore commencé" in main
    answers = page.get_by_role("region", name="Réponses des responsables de traitement")
    assert "Autorisation écrite donnée" in await answers.inner_text()
