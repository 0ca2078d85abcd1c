"""Convention proposals in the pages: the dashboard asks the awaited body's DPO to accept or
refuse, with CSRF; a refusal needs its reason; others see no button, outsiders a 404."""

from markupsafe import escape

from tests.factories import make_org, party, read
from tests.web.conftest import csrf_of

API = "/api/v1"


async def _world(client, make_user, client_as):
    a = await make_org(client, kind="commune", legal_name="Commune Alpha")
    b = await make_org(client, kind="commune", legal_name="Commune Beta")
    a_dpo = await make_user("dpd@alpha.fr", (a["id"], "dpo"))
    b_dpo = await make_user("dpd@beta.fr", (b["id"], "dpo"))
    b_rssi = await make_user("rssi@beta.fr", (b["id"], "security_officer"))
    proposed = await (await client_as(a_dpo)).post(
        f"{API}/conventions",
        json={
            "title": "Hébergement de l'état civil de Beta",
            "kind": "art28_contract",
            "start_date": "2026-01-01",
            "parties": [party(a, "processor"), party(b, "controller")],
        },
    )
    assert proposed.status_code == 201, proposed.text
    return {"a": a, "b": b, "b_dpo": b_dpo, "b_rssi": b_rssi, "convention": proposed.json()}


async def test_the_dashboard_asks_the_awaited_dpo_and_acceptance_puts_it_in_force(
    client, make_user, client_as, browser
):
    w = await _world(client, make_user, client_as)
    proposal_id = w["convention"]["pending_proposal_id"]
    http = await browser(w["b_dpo"])
    home = (await http.get("/")).text
    assert "Conventions à accepter ou refuser" in home
    assert str(escape("Hébergement de l'état civil de Beta")) in home
    assert f'action="/propositions/{proposal_id}/accepter"' in home
    assert f'action="/propositions/{proposal_id}/refuser"' in home

    # Without the session's token the answer is refused and nothing changes.
    forged = await http.post(f"/propositions/{proposal_id}/accepter", data={})
    assert forged.status_code == 403
    assert (await read(client, f"/conventions/{w['convention']['id']}"))["status"] == "proposed"

    accepted = await http.post(
        f"/propositions/{proposal_id}/accepter", data={"csrf_token": csrf_of(home)}
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"/propositions/{proposal_id}?fait=proposition-acceptee"
    assert (await read(client, f"/conventions/{w['convention']['id']}"))["status"] == "in_force"
    shown = (await http.get(accepted.headers["location"])).text
    assert "Votre acceptation est enregistrée" in shown
    assert "Acceptée par chaque partie" in shown
    assert "Conventions à accepter ou refuser" not in (await http.get("/")).text


async def test_a_refusal_without_reason_is_sent_back_beside_its_field(
    client, make_user, client_as, browser
):
    w = await _world(client, make_user, client_as)
    proposal_id = w["convention"]["pending_proposal_id"]
    http = await browser(w["b_dpo"])
    token = csrf_of((await http.get("/")).text)
    refused = await http.post(
        f"/propositions/{proposal_id}/refuser", data={"csrf_token": token, "comment": "  "}
    )
    assert refused.status_code == 422
    assert "dites pourquoi vous refusez" in refused.text
    assert 'href="#f-comment"' in refused.text and 'id="f-comment"' in refused.text
    assert (await read(client, f"/conventions/{w['convention']['id']}"))["status"] == "proposed"

    refused = await http.post(
        f"/propositions/{proposal_id}/refuser",
        data={"csrf_token": token, "comment": "Aucune délibération ne le prévoit."},
    )
    assert refused.status_code == 303
    assert (await read(client, f"/conventions/{w['convention']['id']}"))["status"] == "refused"
    page = (await http.get(f"/conventions/{w['convention']['id']}")).text
    assert "Refusée" in page and "ne lie aucun organisme" in page


async def test_who_may_not_answer_sees_no_button_and_outsiders_a_404(
    client, make_user, client_as, browser
):
    w = await _world(client, make_user, client_as)
    proposal_id = w["convention"]["pending_proposal_id"]
    rssi = await browser(w["b_rssi"])
    assert "Conventions à accepter ou refuser" not in (await rssi.get("/")).text
    page = await rssi.get(f"/propositions/{proposal_id}")
    assert page.status_code == 200
    assert "/accepter" not in page.text
    token = csrf_of((await rssi.get("/")).text)
    answer = await rssi.post(f"/propositions/{proposal_id}/accepter", data={"csrf_token": token})
    assert answer.status_code == 403
    assert (await read(client, f"/conventions/{w['convention']['id']}"))["status"] == "proposed"

    c = await make_org(client, kind="commune", legal_name="Commune Gamma")
    outsider = await browser(await make_user("dpd@gamma.fr", (c["id"], "dpo")))
    for path in (f"/propositions/{proposal_id}", "/propositions/pas-un-identifiant"):
        assert (await outsider.get(path)).status_code == 404
    token = csrf_of((await outsider.get("/")).text)
    answer = await outsider.post(
        f"/propositions/{proposal_id}/accepter", data={"csrf_token": token}
    )
    assert answer.status_code == 404
    assert (await read(client, f"/conventions/{w['convention']['id']}"))["status"] == "proposed"
