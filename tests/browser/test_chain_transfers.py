"""An activity's sheet with transfers made along its sub-processor chain, one with no
mechanism flagged: the page is checked by axe-core."""

import re

import httpx

from tests.browser.helpers import ADMIN

API = "/api/v1"


def _token(live_server, email: str) -> str:
    printed = live_server.cli("token", "create", email, "--name", "essai navigateur")
    return re.search(r"rgpd_\S+", printed)[0]


def _chain_with_transfers(live_server) -> str:
    """A commune, its processor, the processor's host and the host's two US sub-processors
    (one with standard contractual clauses, one with no mechanism); the activity's id."""
    admin = {"Authorization": f"Bearer {_token(live_server, ADMIN[0])}"}
    with httpx.Client(base_url=live_server.base_url + API, headers=admin) as http:

        def made(path: str, payload: dict) -> dict:
            answer = http.post(path, json=payload)
            assert answer.status_code == 201, answer.text
            return answer.json()

        commune = made(
            "/organisations", {"legal_name": "Commune d'Essai-la-Chaîne", "kind": "commune"}
        )
        syndicat = made("/organisations", {"legal_name": "Syndicat d'essai", "kind": "syndicat"})
        host = made("/organisations", {"legal_name": "Hébergeur d'essai", "kind": "other"})
        convention = made(
            "/conventions",
            {
                "title": "Convention d'essai de la chaîne",
                "kind": "art28_contract",
                "start_date": "2026-01-01",
                "parties": [
                    {"organisation_id": syndicat["id"], "role": "processor"},
                    {"organisation_id": commune["id"], "role": "controller"},
                ],
            },
        )
        activity = made(
            "/activities",
            {
                "controller_id": commune["id"],
                "name": "Gestion des courriers",
                "convention_ids": [convention["id"]],
            },
        )
        first = made(
            "/subprocessors",
            {
                "processor_id": syndicat["id"],
                "subprocessor_org_id": host["id"],
                "name": "Hébergeur d'essai",
                "services": "Hébergement",
                "authorisation": "specific",
                "convention_ids": [convention["id"]],
            },
        )
        # The commune authorises the host: only then do its chain's transfers become the
        # commune's (register.subprocessors.working).
        authorised = http.post(
            f"/subprocessors/{first['id']}/answers",
            json={"controller_id": commune["id"], "answer": "authorise"},
        )
        assert authorised.status_code == 201, authorised.text
        for name, mechanism in (("Cloud Corp", "scc_46_2c"), ("Mail Corp", None)):
            made(
                "/subprocessors",
                {
                    "processor_id": host["id"],
                    "parent_id": first["id"],
                    "name": name,
                    "services": "Messagerie",
                    "authorisation": "specific",
                    "country": "US",
                    "data_locations": ["FR"],
                    "transfer_mechanism": mechanism,
                },
            )
    return activity["id"]


async def test_activity_sheet_with_chain_transfers_is_accessible(pages, live_server):
    activity_id = _chain_with_transfers(live_server)
    await pages.sign_in(ADMIN)
    await pages.visit(f"/registre/{activity_id}", "fiche-transferts-de-la-chaine")
    page = pages.page
    table = page.get_by_role("region", name="Par la chaîne de sous-traitance")
    assert await table.get_by_role("row").count() == 3  # the header and the two transfers
    warning = page.locator("#transferts-chaine-manquants")
    assert "Mail Corp" in await warning.inner_text()
    assert "Cloud Corp" not in await warning.inner_text()
