"""The NIS 2 pages: the block on the incident page (clocks labelled « NIS 2 » beside the
GDPR ones), the incident's NIS 2 page (decision with reasons, sending recorded, refusals beside
their field), the draft of each report; another body's people get 404."""

from datetime import timedelta

from core.clock import to_local, utcnow
from tests.factories import API, ago, iso, make_activity, make_org
from tests.web.conftest import csrf_of


def local(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


async def _world(client, status: str = "essential") -> tuple[dict, dict]:
    org = await make_org(
        client,
        kind="epci_fp",
        legal_name="Communauté d'agglomération d'essai",
        nis2_status=status,
        nis2_threshold_unavailability_hours=12,
    )
    activity = await make_activity(client, controller=org, name="Messagerie des agents")
    response = await client.post(
        f"{API}/incidents",
        json={
            "organisation_id": org["id"],
            "title": "Rançongiciel sur la messagerie",
            "description": "Serveurs de messagerie chiffrés, service interrompu.",
            "detected_at": iso(ago(hours=3)),
            "nature": ["availability"],
            "activity_ids": [activity["id"]],
        },
    )
    assert response.status_code == 201, response.text
    return org, response.json()


async def test_the_rssi_decides_and_records_the_early_warning_from_the_pages(
    browser, make_user, client
):
    org, incident = await _world(client)
    rssi = await make_user("rssi@agglo.fr", (org["id"], "security_officer"))
    http = await browser(rssi)

    sheet = (await http.get(f"/incidents/{incident['id']}")).text
    assert "NIS 2 : signalement au CSIRT (ANSSI)" in sheet
    assert "Il reste à décider si cet incident est <strong>important</strong>" in sheet

    page = await http.get(f"/incidents/{incident['id']}/nis2")
    assert page.status_code == 200
    assert "Indisponibilité du service d&#39;au moins 12 heures : inconnu à ce stade" in page.text

    refused = await http.post(
        f"/incidents/{incident['id']}/nis2/decision",
        data={"csrf_token": csrf_of(page.text), "version": "", "nis2-significant": "oui"},
    )
    assert refused.status_code == 422
    assert 'id="f-nis2-reasons"' in refused.text and "champ obligatoire manquant" in refused.text

    decided = await http.post(
        f"/incidents/{incident['id']}/nis2/decision",
        data={
            "csrf_token": csrf_of(page.text),
            "version": "",
            "nis2-significant": "oui",
            "nis2-reasons": "Messagerie coupée depuis 14 heures pour tous les agents.",
            "nis2-unavailability_hours": "14",
            "nis2-malicious": "oui",
        },
    )
    assert decided.status_code == 303, decided.text
    page = await http.get(decided.headers["location"])
    assert "Décision NIS 2 enregistrée." in page.text
    met = "Indisponibilité du service d&#39;au moins 12 heures : <strong>atteint</strong>"
    assert met in page.text
    assert "NIS 2 — Alerte précoce (24 h)" in page.text

    sheet = (await http.get(f"/incidents/{incident['id']}")).text
    assert "NIS 2 — Alerte précoce (24 h)" in sheet
    assert "NIS 2 — Notification d&#39;incident (72 h)" in sheet

    (breach_id,) = incident["breach_ids"]
    breach_page = (await http.get(f"/violations/{breach_id}")).text
    assert "Délais NIS 2 de l'incident (signalement au CSIRT)" in breach_page
    assert "NIS 2 — Alerte précoce (24 h)" in breach_page, "beside the GDPR clocks"

    draft = await http.get(f"/incidents/{incident['id']}/nis2/rapport/early_warning")
    assert draft.status_code == 200
    assert "oui, un acte illicite ou malveillant est suspecté" in draft.text
    assert "le registre n'envoie rien" in draft.text

    sent = await http.post(
        f"/incidents/{incident['id']}/nis2/envoi",
        data={
            "csrf_token": csrf_of(page.text),
            "version": "1",
            "send-phase": "early_warning",
            "send-sent_at": local(utcnow() - timedelta(minutes=5)),
            "send-channel": "portal",
            "send-reference": "CERTFR-2026-0042",
        },
    )
    assert sent.status_code == 303, sent.text
    page = (await http.get(sent.headers["location"])).text
    assert "(référence CERTFR-2026-0042)" in page
    assert "NIS 2 — Alerte précoce (24 h)</strong>" not in page, "its clock stopped"
    assert "NIS 2 — Notification d&#39;incident (72 h)</strong>" in page

    asked = await http.post(
        f"/incidents/{incident['id']}/nis2/rapport-intermediaire",
        data={
            "csrf_token": csrf_of(page),
            "version": "2",
            "inter-due_at": local(utcnow() + timedelta(days=3)),
        },
    )
    assert asked.status_code == 303, asked.text
    page = (await http.get(asked.headers["location"])).text
    assert "Demande de rapport intermédiaire enregistrée" in page
    assert "NIS 2 — Rapport intermédiaire (sur demande)</strong>" in page


async def test_a_body_not_under_nis2_shows_no_clock_and_no_block(browser, make_user, client):
    org, incident = await _world(client, status="none")
    dpo = await make_user("dpd@agglo.fr", (org["id"], "dpo"))
    http = await browser(dpo)
    sheet = (await http.get(f"/incidents/{incident['id']}")).text
    assert "Messagerie des agents" in sheet or "Rançongiciel" in sheet, "premise: the page"
    assert "NIS 2 : signalement" not in sheet
    page = (await http.get(f"/incidents/{incident['id']}/nis2")).text
    assert "n'est pas enregistré comme entité essentielle ou importante" in page
    assert "Enregistrer la décision NIS 2" not in page


async def test_another_bodys_people_get_404(browser, make_user, client):
    _, incident = await _world(client)
    other = await make_org(client, kind="commune", nis2_status="important")
    outsider = await make_user("dpd@autre.fr", (other["id"], "dpo"))
    http = await browser(outsider)
    for path in ("", "/rapport/early_warning"):
        assert (await http.get(f"/incidents/{incident['id']}/nis2{path}")).status_code == 404
    form = await http.get("/")
    answer = await http.post(
        f"/incidents/{incident['id']}/nis2/decision",
        data={
            "csrf_token": csrf_of(form.text),
            "version": "",
            "nis2-significant": "non",
            "nis2-reasons": "X",
        },
    )
    assert answer.status_code == 404


async def test_a_malformed_incident_id_answers_the_pages_404_on_every_post(
    browser, make_user, client
):
    org, _ = await _world(client)
    rssi = await make_user("rssi@agglo.fr", (org["id"], "security_officer"))
    http = await browser(rssi)
    assert (await http.get("/incidents/pas-un-uuid/nis2")).status_code == 404, "premise"
    token = csrf_of((await http.get("/")).text)
    for path in ("decision", "connaissance", "envoi", "rapport-intermediaire"):
        answer = await http.post(f"/incidents/pas-un-uuid/nis2/{path}", data={"csrf_token": token})
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html"), path


async def test_awareness_moved_later_on_the_page_leaves_a_missed_early_warning_overdue(
    browser, make_user, client
):
    org, incident = await _world(client)
    first = ago(hours=30)
    decided = await client.post(
        f"{API}/incidents/{incident['id']}/nis2/decision",
        json={"significant": True, "reasons": "Messagerie coupée.", "aware_at": iso(first)},
    )
    assert decided.status_code == 200, decided.text
    early = next(c for c in decided.json()["clocks"] if c["phase"] == "early_warning")
    assert early["overdue"] is True, "premise: the early warning is already missed"
    rssi = await make_user("rssi@agglo.fr", (org["id"], "security_officer"))
    http = await browser(rssi)
    page = await http.get(f"/incidents/{incident['id']}/nis2")
    form = {
        "csrf_token": csrf_of(page.text),
        "version": str(decided.json()["version"]),
        "aware-aware_at": local(ago(hours=2)),
    }
    url = f"/incidents/{incident['id']}/nis2/connaissance"
    refused = await http.post(url, data=form)
    assert refused.status_code == 422
    assert 'id="f-aware-reasons"' in refused.text
    moved = await http.post(url, data={**form, "aware-reasons": "Gravité établie tard."})
    assert moved.status_code == 303, moved.text
    page = (await http.get(moved.headers["location"])).text
    assert "Échéance dépassée : c&#39;était le" in page or "Échéance dépassée : c'était le" in page
