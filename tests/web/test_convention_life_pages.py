"""A convention's life on the pages: its state everywhere from the one rule, the forms to give
notice, terminate or renew, the dashboard's list of what relies on an ended convention."""

import html as htmllib
import re
from datetime import timedelta

from core.clock import today_local
from core.french import format_day
from tests.factories import API, ago, bodies, declare_on, make_convention, read
from tests.web.conftest import csrf_of


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", page)))


async def _terminate(client, convention: dict, last_day) -> None:
    response = await client.post(
        f"{API}/conventions/{convention['id']}/termination",
        json={
            "version": convention["version"],
            "terminated_on": last_day.isoformat(),
            "reason": "Fin",
        },
    )
    assert response.status_code == 200, response.text


async def test_an_ended_convention_says_so_on_every_page(browser, make_user, client):
    world = await bodies(client)
    last_day = today_local() - timedelta(days=1)
    await _terminate(client, world["convention"], last_day)
    words = f"convention résiliée avant son terme, fin le {format_day(last_day)}"
    http = await browser(await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo")))

    detail = text_of((await http.get(f"/conventions/{world['convention']['id']}")).text)
    assert f"{words.capitalize()} : elle ne fonde plus de nouveau traitement" in detail
    assert "État Résiliée avant son terme" in detail
    listed = (await http.get("/conventions")).text
    assert f'{last_day:%d/%m/%Y} <span class="badge">résiliée avant son terme</span>' in listed

    # A breach on the data it still covers fans out, its page saying the convention ended.
    declared = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=2)
    )
    breach_page = (await http.get(f"/violations/{declared['id']}")).text
    assert f'<span class="badge" id="convention-ended">{words}</span>' in breach_page

    board = text_of((await http.get("/")).text)
    assert "Traitements reposant sur une convention qui a pris fin" in board
    assert (
        "Traitement Inscriptions périscolaires — Convention de services informatiques "
        f"partagés : {words}" in board
    )


async def test_a_convention_in_force_shows_its_state_and_no_warning(browser, make_user, client):
    world = await bodies(client)
    renewed = await make_convention(
        client,
        processor=world["ept"],
        controller=world["commune"],
        title="Convention reconduite",
        start_date=(today_local() - timedelta(days=400)).isoformat(),
        duration_months=12,
        tacit_renewals=3,
    )
    assert (renewed["state"], renewed["renewal"]) == ("renewed", "tacit")
    http = await browser(await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo")))
    listed = (await http.get("/conventions")).text
    assert '<span class="badge">Reconduite tacitement</span>' in listed
    board = text_of((await http.get("/")).text)
    assert "Traitements reposant sur une convention qui a pris fin" not in board


async def test_a_party_gives_notice_on_the_page_at_once(browser, make_user, client):
    world = await bodies(client, notice_months=3, duration_months=12, tacit_renewals=9)
    convention = world["convention"]
    http = await browser(await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo")))
    url = f"/conventions/{convention['id']}/vie"
    page = (await http.get(url)).text
    assert "Donner un préavis" in page
    # Only the caller's own body is offered as the party giving notice.
    assert world["commune"]["id"] in page and f'value="{world["ept"]["id"]}"' not in page
    given = today_local() - timedelta(days=2)

    short = await http.post(
        f"{url}/preavis",
        data={
            "csrf_token": csrf_of(page),
            "version": str(convention["version"]),
            "organisation_id": world["commune"]["id"],
            "given_on": given.isoformat(),
            "effective_on": given.isoformat(),
        },
    )
    assert short.status_code == 422
    assert "un préavis de 3 mois court au moins" in text_of(short.text)

    sent = await http.post(
        f"{url}/preavis",
        data={
            "csrf_token": csrf_of(page),
            "version": str(convention["version"]),
            "organisation_id": world["commune"]["id"],
            "given_on": given.isoformat(),
        },
    )
    assert sent.status_code == 303 and sent.headers["location"].endswith("?fait=preavis")
    after = text_of((await http.get(sent.headers["location"])).text)
    assert "Le préavis est enregistré." in after
    assert f"Donné le {given:%d/%m/%Y} par Commune de Vitry-sur-Seine" in after
    assert "État En préavis" in after
    stored = await read(client, f"/conventions/{convention['id']}")
    assert stored["state"] == "in_notice" and stored["notice_recorded_by"] == "dpd@vitry.fr"


async def test_a_termination_by_one_party_is_proposed_to_the_other(browser, make_user, client):
    world = await bodies(client)
    convention = world["convention"]
    http = await browser(await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo")))
    url = f"/conventions/{convention['id']}/vie"
    page = (await http.get(url)).text

    missing = await http.post(
        f"{url}/resiliation",
        data={
            "csrf_token": csrf_of(page),
            "version": str(convention["version"]),
            "terminated_on": today_local().isoformat(),
        },
    )
    assert missing.status_code == 422
    assert "dites pourquoi la convention est résiliée" in text_of(missing.text)

    proposed = await http.post(
        f"{url}/resiliation",
        data={
            "csrf_token": csrf_of(page),
            "version": str(convention["version"]),
            "terminated_on": today_local().isoformat(),
            "reason": "Reprise de l'informatique par la commune",
        },
    )
    assert proposed.status_code == 303 and proposed.headers["location"].endswith("?fait=proposee")
    # The EPT has not agreed: the convention in force is unchanged, a proposal awaits it.
    stored = await read(client, f"/conventions/{convention['id']}")
    assert stored["terminated_on"] is None and stored["state"] == "in_force"
    assert stored["pending_proposal_id"] is not None
