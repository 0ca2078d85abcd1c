"""The art. 28(3) checklist on the convention page, its edit form, and the art. 28(10) warning
on the convention and activity pages."""

from html import unescape

from register.conventions.clauses import ClauseCode
from tests.factories import API, make_activity, make_convention, make_org, party, read
from tests.web.conftest import csrf_of


def form_of(checklist_version: int, token: str, **changed: tuple[str, str, str]) -> dict:
    """The whole form as a browser posts it: every clause not checked unless `changed`."""
    data = {"csrf_token": token, "version": str(checklist_version)}
    for code in ClauseCode:
        status, article, note = changed.get(code.value, ("not_checked", "", ""))
        data[f"clauses-{code.value}-status"] = status
        data[f"clauses-{code.value}-article"] = article
        data[f"clauses-{code.value}-note"] = note
    return data


def _row_of(dashboard: str, body: str) -> str:
    """The completeness table's row of one body."""
    return dashboard.split(f"{body}</a>")[1].split("</tr>")[0]


async def _world(client, make_user):
    ept = await make_org(client, kind="ept", legal_name="EPT Essai")
    commune = await make_org(client, legal_name="Commune d'Essai")
    other = await make_org(client, legal_name="Commune Tierce")
    convention = await make_convention(client, processor=ept, controller=commune)
    return {
        "ept": ept,
        "commune": commune,
        "convention": convention,
        "both_dpo": await make_user("dpd@cdg.fr", (ept["id"], "dpo"), (commune["id"], "dpo")),
        "commune_dpo": await make_user("dpd@essai.fr", (commune["id"], "dpo")),
        "other_dpo": await make_user("dpd@tierce.fr", (other["id"], "dpo")),
    }


async def test_the_dpo_of_both_parties_fills_the_checklist_and_the_page_shows_it(
    client, make_user, browser
):
    w = await _world(client, make_user)
    http = await browser(w["both_dpo"])
    url = f"/conventions/{w['convention']['id']}"
    form = await http.get(f"{url}/clauses")
    assert form.status_code == 200, form.text
    assert "Liste de contrôle des clauses" in form.text

    saved = await http.post(
        f"{url}/clauses",
        data=form_of(
            1,
            csrf_of(form.text),
            instructions=("present", "annexe 1, §II.2", ""),
            compliance_assistance=("absent", "", "Aide aux AIPD non écrite"),
        ),
    )

    assert saved.status_code == 303, saved.text
    page = unescape((await http.get(url)).text)
    assert "annexe 1, §II.2" in page
    assert "1 clause absente" in page
    assert "Aide aux AIPD non écrite" in page
    stored = await read(client, f"/conventions/{w['convention']['id']}")
    assert stored["documented_instructions"] is True
    assert stored["clauses"]["compliance_assistance"]["status"] == "absent"


async def test_a_refused_form_names_the_clause_field_and_keeps_what_was_typed(
    client, make_user, browser
):
    w = await _world(client, make_user)
    http = await browser(w["both_dpo"])
    url = f"/conventions/{w['convention']['id']}/clauses"
    token = csrf_of((await http.get(url)).text)
    refused = await http.post(
        url,
        data=form_of(1, token, subprocessing=("not_applicable", "art. 9 bis", "")),
    )
    assert refused.status_code == 422
    assert 'href="#f-clauses-subprocessing-note"' in refused.text
    assert "dites pourquoi la clause est sans objet" in unescape(refused.text)
    assert 'value="art. 9 bis"' in refused.text
    assert (await read(client, f"/conventions/{w['convention']['id']}"))["version"] == 1


async def test_one_party_alone_proposes_the_checklist_to_the_other(client, make_user, browser):
    w = await _world(client, make_user)
    http = await browser(w["commune_dpo"])
    url = f"/conventions/{w['convention']['id']}/clauses"
    token = csrf_of((await http.get(url)).text)
    proposed = await http.post(url, data=form_of(1, token, audits=("present", "art. 12", "")))
    assert proposed.status_code == 303
    assert proposed.headers["location"].startswith("/propositions/")
    in_force = await read(client, f"/conventions/{w['convention']['id']}")
    assert in_force["clauses"] == {} and in_force["pending_proposal_id"]
    proposal = unescape((await http.get(proposed.headers["location"])).text)
    assert "art. 28.3 h : présente, art. 12" in proposal


async def test_another_body_gets_404_for_the_form_and_the_post(client, make_user, browser):
    w = await _world(client, make_user)
    http = await browser(w["other_dpo"])
    url = f"/conventions/{w['convention']['id']}/clauses"
    assert (await http.get(url)).status_code == 404
    token = csrf_of((await http.get("/")).text)
    posted = await http.post(url, data=form_of(1, token, audits=("present", "", "")))
    assert posted.status_code == 404
    assert (await read(client, f"/conventions/{w['convention']['id']}"))["clauses"] == {}


async def test_a_service_commun_page_says_why_there_is_no_checklist(client, make_user, browser):
    host = await make_org(client, kind="epci_fp", legal_name="Métropole Essai")
    member = await make_org(client, legal_name="Commune Membre")
    convention = await make_convention(
        client,
        kind="service_commun",
        parties=[party(host, "service_commun_host"), party(member, "service_commun_member")],
    )
    http = await browser(await make_user("dpd@membre.fr", (member["id"], "dpo")))
    page = unescape((await http.get(f"/conventions/{convention['id']}")).text)
    assert 'id="clauses-sans-objet"' in page
    assert "Service commun (CGCT L5211-4-2)" in page
    assert 'id="clauses"' not in page


async def test_the_art_28_10_warning_shows_on_the_convention_and_activity_pages(
    client, make_user, browser
):
    w = await _world(client, make_user)
    # Recorded by the EPT as controller, then the convention made the EPT its processor.
    convention = await make_convention(client, processor=w["commune"], controller=w["ept"])
    activity = await make_activity(
        client, controller=w["ept"], name="Sauvegardes", convention_ids=[convention["id"]]
    )
    swapped = await client.patch(
        f"{API}/conventions/{convention['id']}",
        json={
            "version": 1,
            "parties": [party(w["ept"], "processor"), party(w["commune"], "controller")],
        },
    )
    assert swapped.status_code == 200, swapped.text
    http = await browser(w["both_dpo"])
    for url in (f"/conventions/{convention['id']}", f"/registre/{activity['id']}"):
        page = unescape((await http.get(url)).text)
        assert 'id="art-28-10"' in page, url
        assert "« Sauvegardes »" in page and "art. 28.10" in page


async def test_the_dashboard_counts_the_convention_lacking_a_clause_for_each_party(
    client, make_user, browser
):
    w = await _world(client, make_user)
    http = await browser(w["commune_dpo"])
    before = unescape((await http.get("/")).text)
    assert "Clauses art. 28.3 absentes (conventions)" in before
    assert '<span class="badge orange">1</span>' not in _row_of(before, "Commune d'Essai")
    marked = await client.patch(
        f"{API}/conventions/{w['convention']['id']}/clauses",
        json={"version": 1, "clauses": {"security": {"status": "absent"}}},
    )
    assert marked.status_code == 200, marked.text
    after = unescape((await http.get("/")).text)
    assert '<span class="badge orange">1</span>' in _row_of(after, "Commune d'Essai")
