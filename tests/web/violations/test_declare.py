"""Declaring an incident from the page a security officer fills on a phone at night."""

import re

from breach.incidents.models import Incident
from core.clock import to_local
from tests.factories import API, ago, bodies, make_activity, make_org, read
from tests.web.conftest import csrf_of


def local(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


async def test_the_processor_declares_and_the_commune_gets_a_breach_with_its_clock(
    browser, make_user, client
):
    world = await bodies(client)
    rssi = await make_user("rssi@ept.fr", (world["ept"]["id"], "security_officer"))
    http = await browser(rssi)

    form = await http.get("/incidents/declarer")
    assert form.status_code == 200
    html = form.text
    # One body: preselected; the commune's activity under the convention is offered.
    assert f'<option value="{world["ept"]["id"]}" selected>' in html
    assert "Traitements de Commune de Vitry-sur-Seine (convention)" in html
    assert "VIT-07 — Inscriptions périscolaires" in html
    assert 'type="datetime-local"' in html

    answer = await http.post(
        "/incidents/declarer",
        data={
            "csrf_token": csrf_of(html),
            "organisation_id": world["ept"]["id"],
            "title": "Rançongiciel sur le serveur de fichiers",
            "description": "Partages chiffrés, note de rançon trouvée à 2 h du matin.",
            "detected_at": local(ago(hours=1)),
            "nature": ["confidentiality", "availability"],
            "origin": "hacking_malware_phishing",
            "activity_ids": [world["activity"]["id"]],
            "ongoing": "on",
        },
    )
    assert answer.status_code == 303, answer.text
    target = answer.headers["location"]
    assert target.startswith("/incidents/") and target.endswith("?fait=incident-declare")

    page = (await http.get(target)).text
    assert "Incident déclaré" in page
    assert "Rançongiciel sur le serveur de fichiers" in page
    assert "Commune de Vitry-sur-Seine" in page
    assert "data-countdown" in page
    assert re.search(r"reste 22 h \d\d min", page)  # the 24-hour convention, an hour later
    assert "Information du responsable de traitement" in page

    incident = await Incident.get()
    assert incident.declared_by == "rssi@ept.fr"
    (breach_id,) = (await read(client, f"/incidents/{incident.id}"))["breach_ids"]
    breach = await read(client, f"/breaches/{breach_id}")
    assert breach["controller_id"] == world["commune"]["id"]
    assert breach["path"] == "processor"
    assert f'href="/violations/{breach_id}"' in page

    shown = (await http.get(f"/violations/{breach_id}")).text
    assert breach["ref"] in shown and "data-countdown" in shown
    assert "Informer le responsable de traitement" in shown


async def test_a_refusal_shows_each_message_beside_its_field_and_writes_nothing(
    browser, make_user, client
):
    world = await bodies(client)
    rssi = await make_user("rssi@ept.fr", (world["ept"]["id"], "security_officer"))
    http = await browser(rssi)
    html = (await http.get("/incidents/declarer")).text
    future = local(ago(hours=-3))
    answer = await http.post(
        "/incidents/declarer",
        data={
            "csrf_token": csrf_of(html),
            "organisation_id": world["ept"]["id"],
            "title": "",
            "description": "Un portable volé dans le train avec le fichier des usagers.",
            "detected_at": future,
            "nature": ["confidentiality"],
            "activity_ids": [world["activity"]["id"]],
        },
    )
    assert answer.status_code == 422
    page = answer.text
    assert "Le formulaire contient" in page
    assert 'id="err-title"' in page and "champ obligatoire manquant" in page
    assert '<a href="#f-title">Titre : champ obligatoire manquant</a>' in page  # the summary
    # The typed values are kept.
    assert "Un portable volé dans le train" in page
    assert f'value="{future}"' in page
    assert "checked" in page.split(world["activity"]["id"])[1][:40]
    assert await Incident.all().count() == 0

    # With a title, the detection in the future is refused beside its field.
    answer = await http.post(
        "/incidents/declarer",
        data={
            "csrf_token": csrf_of(html),
            "organisation_id": world["ept"]["id"],
            "title": "Portable volé",
            "description": "Un portable volé dans le train.",
            "detected_at": future,
            "nature": ["confidentiality"],
            "activity_ids": [world["activity"]["id"]],
        },
    )
    assert answer.status_code == 422
    error = answer.text.split('id="err-detected_at"')[1][:300]
    assert "futur" in error
    assert await Incident.all().count() == 0

    # No nature, no activity: each one said beside its group.
    answer = await http.post(
        "/incidents/declarer",
        data={
            "csrf_token": csrf_of(html),
            "organisation_id": world["ept"]["id"],
            "title": "Portable volé",
            "description": "Un portable volé dans le train.",
            "detected_at": local(ago(minutes=10)),
        },
    )
    assert answer.status_code == 422
    assert 'id="err-nature"' in answer.text and 'id="err-activity_ids"' in answer.text


async def test_several_bodies_choose_first_and_an_auditor_may_not_declare(
    browser, make_user, client
):
    world = await bodies(client)
    other = await make_org(client, kind="commune", legal_name="Commune d'Orly")
    await make_activity(client, controller=other, name="État civil", ref="ORL-01")
    dpo = await make_user("dpd@multi.fr", (world["ept"]["id"], "dpo"), (other["id"], "dpo"))
    http = await browser(dpo)
    first = (await http.get("/incidents/declarer")).text
    assert (
        "Continuer" in first and 'action="/incidents/declarer" class="stacked declare"' not in first
    )
    chosen = (await http.get(f"/incidents/declarer?organisme={other['id']}")).text
    assert "ORL-01 — État civil" in chosen and "VIT-07" not in chosen
    assert "Organisme touché : <strong>Commune d&#39;Orly</strong>" in chosen

    auditor = await make_user("audit@ept.fr", (world["ept"]["id"], "auditor"))
    audited = await browser(auditor)
    refused = await audited.get("/incidents/declarer")
    assert refused.status_code == 403 and "Accès refusé" in refused.text
    home = (await audited.get("/")).text
    assert 'href="/incidents/declarer"' not in home


async def test_an_incident_of_another_body_is_not_found(browser, make_user, client):
    world = await bodies(client)
    response = await client.post(
        f"{API}/incidents",
        json={
            "organisation_id": world["ept"]["id"],
            "title": "Fuite",
            "description": "Fuite de données.",
            "detected_at": (ago(hours=1)).isoformat(),
            "nature": ["confidentiality"],
            "activity_ids": [world["activity"]["id"]],
        },
    )
    incident = response.json()
    other = await make_org(client, kind="commune", legal_name="Commune voisine")
    stranger = await make_user("dpd@voisine.fr", (other["id"], "dpo"))
    http = await browser(stranger)
    answer = await http.get(f"/incidents/{incident['id']}")
    assert answer.status_code == 404 and "Page introuvable" in answer.text
    assert "Fuite" not in answer.text
    assert (await http.get("/incidents/pas-un-identifiant")).status_code == 404


async def test_the_security_officer_corrects_the_detection_and_the_clock_follows(
    browser, make_user, client
):
    world = await bodies(client)
    rssi = await make_user("rssi@ept.fr", (world["ept"]["id"], "security_officer"))
    http = await browser(rssi)
    html = (await http.get("/incidents/declarer")).text
    declared = await http.post(
        "/incidents/declarer",
        data={
            "csrf_token": csrf_of(html),
            "organisation_id": world["ept"]["id"],
            "title": "Portable volé",
            "description": "Un portable volé dans le train.",
            "detected_at": local(ago(hours=1)),
            "nature": ["confidentiality"],
            "activity_ids": [world["activity"]["id"]],
            "ongoing": "on",
        },
    )
    url = declared.headers["location"].split("?")[0]
    page = (await http.get(url)).text
    action = f"{url}/faits"
    assert f'action="{action}"' in page
    version = re.search(r'name="version" value="(\d+)"', page.split(action)[1]).group(1)
    base = {
        "csrf_token": csrf_of(page),
        "version": version,
        "title": "Portable volé dans le RER",
        "description": "Un portable volé dans le train.",
        "nature": ["confidentiality"],
    }
    refused = await http.post(action, data={**base, "detected_at": ""})
    assert refused.status_code == 422
    assert "champ obligatoire manquant" in refused.text.split('id="err-detected_at"')[1][:200]
    assert 'value="Portable volé dans le RER"' in refused.text

    earlier = local(ago(hours=20))
    saved = await http.post(action, data={**base, "detected_at": earlier})
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{url}?fait=incident-modifie#faits"
    shown = (await http.get(saved.headers["location"])).text
    assert "Faits de l&#39;incident enregistrés." in shown
    assert "Portable volé dans le RER" in shown
    assert "titre, heure de détection" in shown
    # The 24-hour notice now runs from the corrected detection: about 4 hours left.
    assert re.search(r"reste [34] h \d\d min", shown)

    # A stale page: the conflict is said, nothing is overwritten.
    stale = await http.post(action, data={**base, "title": "Autre titre", "detected_at": earlier})
    assert stale.status_code == 409
    assert "Quelqu&#39;un a modifié cet incident" in stale.text
    incident = await Incident.get()
    assert incident.title == "Portable volé dans le RER"

    # The commune's DPO reads the breach but not the EPT's incident (the API's rule).
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    other = await browser(dpo)
    assert (await other.get(url)).status_code == 404
