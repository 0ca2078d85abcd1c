"""Convention proposals in the browser: Boulogne's DPO proposes two conventions to Juvisy; the
shared DPO of Juvisy finds them on the dashboard, accepts one and refuses the other with a
reason. Every page on the way is checked by axe-core."""

import re

import httpx

from tests.browser.helpers import ADMIN, DPO

API = "/api/v1"


def _token(live_server, email: str) -> str:
    printed = live_server.cli("token", "create", email, "--name", "essai navigateur")
    return re.search(r"rgpd_\S+", printed)[0]


def _propose_to_juvisy(live_server) -> list[str]:
    live_server.cli(
        "user", "create", "dpd.boulogne@essai.fr", "--name", "DPD de Boulogne (essai)",
        "--role", "dpo", "--org", "Boulogne-Billancourt", "--password-stdin",
        input="un mot de passe assez long\n",
    )  # fmt: skip
    admin = {"Authorization": f"Bearer {_token(live_server, ADMIN[0])}"}
    boulogne_dpo = {"Authorization": f"Bearer {_token(live_server, 'dpd.boulogne@essai.fr')}"}
    with httpx.Client(base_url=live_server.base_url + API) as http:
        bodies = http.get("/organisations", params={"limit": 100}, headers=admin).json()["items"]
        ids = {b["legal_name"]: b["id"] for b in bodies}
        boulogne = next(i for n, i in ids.items() if "Boulogne" in n)
        juvisy = next(i for n, i in ids.items() if "Juvisy" in n)
        made = []
        for title in ("Hébergement du SIG de Juvisy", "Archivage électronique partagé"):
            answer = http.post(
                "/conventions",
                headers=boulogne_dpo,
                json={
                    "title": title,
                    "kind": "art28_contract",
                    "start_date": "2027-01-01",
                    "breach_notice_hours": 48,
                    "parties": [
                        {"organisation_id": boulogne, "role": "processor"},
                        {"organisation_id": juvisy, "role": "controller"},
                    ],
                },
            )
            assert answer.status_code == 201, answer.text
            assert answer.json()["status"] == "proposed"
            made.append(answer.json()["id"])
    return made


async def test_the_shared_dpo_accepts_one_proposal_and_refuses_another(pages, live_server):
    sig, archives = _propose_to_juvisy(live_server)
    page = pages.page
    await pages.sign_in(DPO)
    await pages.check("tableau-de-bord-propositions")
    section = page.get_by_role("region", name="Conventions à accepter ou refuser")
    items = section.get_by_role("listitem")
    assert await items.count() == 2

    sig_item = items.filter(has_text="Hébergement du SIG de Juvisy")
    async with page.expect_navigation():
        await sig_item.get_by_role("button", name="Accepter").click()
    await pages.check("proposition-acceptee")
    assert "Votre acceptation est enregistrée" in await page.get_by_role("status").inner_text()

    await pages.visit("/", "tableau-de-bord-apres-acceptation")
    archive_item = section.get_by_role("listitem").filter(has_text="Archivage électronique")
    await archive_item.get_by_label("Motif du refus").fill(
        "Aucune délibération de Juvisy ne confie son archivage à Boulogne."
    )
    async with page.expect_navigation():
        await archive_item.get_by_role("button", name="Refuser").click()
    await pages.check("proposition-refusee")
    answers = await page.get_by_role("region", name="Réponses des parties").inner_text()
    assert "Refusée" in answers and "archivage" in answers

    await pages.visit(f"/conventions/{sig}", "convention-en-vigueur")
    assert "ne lie aucun organisme" not in await page.inner_text("main")
    await pages.visit(f"/conventions/{archives}", "convention-refusee")
    assert "ne lie aucun organisme" in await page.inner_text("main")
    await pages.visit("/", "tableau-de-bord-sans-proposition")
    assert await section.count() == 0
