"""A breach's page through its workflow: the processor informs the controller, the
controller's DPO assesses, decides and records the CNIL notification; others only read."""

import html as htmllib
import re

import pytest

from core.clock import to_local
from tests.factories import (
    API,
    COMMUNE_DPO,
    COMMUNE_RSSI,
    DECIDE_HIGH,
    EPT_DPO,
    FACTS,
    FOLLOWUP_DUE,
    ago,
    bodies,
    declare_on,
    make_org,
    read,
    with_facts,
)
from tests.web.conftest import csrf_of


def text_of(page: str) -> str:
    """The page as read: tags out, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", page)))


def version_in(page: str, action: str) -> str:
    form = page.split(f'action="{action}"')[1]
    return re.search(r'name="version" value="(\d+)"', form).group(1)


async def post_form(http, page: str, action: str, **fields):
    data = {"csrf_token": csrf_of(page), "version": version_in(page, action), **fields}
    return await http.post(action, data=data)


@pytest.fixture
async def world(client):
    return await bodies(client)


@pytest.fixture
async def breach(client, world):
    declared = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=2)
    )
    return await with_facts(client, declared)


async def test_the_processor_previews_and_sends_the_notice_then_the_cnil_clock_runs(
    browser, make_user, client, world, breach
):
    rssi = await make_user("rssi@ept.fr", (world["ept"]["id"], "security_officer"))
    http = await browser(rssi)
    url = f"/violations/{breach['id']}"
    page = (await http.get(url)).text
    seen = text_of(page)

    # Header: ref, controller, source, status, the running clock with its deadline in words.
    assert breach["ref"] in seen and "Commune de Vitry-sur-Seine" in seen
    assert "EPT Grand-Orly Seine Bièvre (essai)" in seen
    # The controller's state is its own (breach.breaches.visibility): the source sees its task.
    assert "Information du responsable À faire" in seen and "Déclarée" not in seen
    assert "Information du responsable de traitement" in seen
    assert re.search(r"reste 21 h \d\d min", seen)
    assert "(heure de Paris)" in seen

    # The preview: recipients and every art. 33(3) item, before anything is sent.
    assert f"{COMMUNE_DPO}, {COMMUNE_RSSI}" in seen
    assert "Perte de confidentialité, Perte de disponibilité" in seen  # (a) nature
    assert "VIT-07 — Inscriptions périscolaires" in seen
    assert "Coordonnées, Données bancaires ou financières" in seen  # (a) categories
    assert "environ 1 200 personnes (estimation)" in seen  # (a) numbers
    assert "environ 4 800 enregistrements (estimation)" in seen
    assert EPT_DPO in seen and "01 49 87 00 00" in seen  # (b) contact point
    assert "Vol d'identité" in seen and "Fraude" in seen  # (c) consequences
    assert "Mesures prises : Serveur isolé du réseau" in seen  # (d) measures
    assert '<pre class="message">' in page
    assert "Envoyer au responsable de traitement" in seen
    # The security officer cannot assess nor decide (MANAGE_BREACH); it completes the facts
    # its notice carries (issue 15: breach.breaches.source_facts).
    assert f'action="{url}/evaluation"' not in page
    assert f'action="{url}/decision"' not in page
    assert f'action="{url}/faits"' in page
    assert (await read(client, f"/messages?subject_id={breach['id']}"))["total"] == 0

    sent = await post_form(http, page, f"{url}/notice")
    assert sent.status_code == 303
    assert sent.headers["location"] == f"{url}?fait=notice-envoyee#informer"
    after = text_of((await http.get(sent.headers["location"])).text)
    # Issued, not "sent": the e-mail waits in the outbox until the SMTP server accepts it.
    assert "Notification émise ; courriel en file d'attente" in after
    assert "Courriel en file d'attente" in after
    assert "Responsable informé le" in after
    # The controller's 72 h clock now runs, on the controller's side only.
    assert "Notification à la CNIL (72 h)" not in after
    assert "Envoyer au responsable de traitement" not in after

    messages = await read(client, f"/messages?subject_id={breach['id']}")
    (message,) = messages["items"]
    assert message["kind"] == "breach.controller_notice"
    assert message["to_addrs"] == [COMMUNE_DPO, COMMUNE_RSSI]
    informed = await read(client, f"/breaches/{breach['id']}")
    assert informed["controller_informed_at"] is not None
    (notice,) = informed["notifications"]
    assert notice["recipient"] == "controller"


async def test_a_stale_page_gets_the_conflict_message_and_sends_nothing(
    browser, make_user, client, world, breach
):
    rssi = await make_user("rssi@ept.fr", (world["ept"]["id"], "security_officer"))
    http = await browser(rssi)
    url = f"/violations/{breach['id']}"
    page = (await http.get(url)).text
    # Meanwhile the controller's facts change (a new version).
    await with_facts(client, await read(client, f"/breaches/{breach['id']}"))
    answer = await post_form(http, page, f"{url}/notice")
    assert answer.status_code == 409
    assert "Quelqu'un a modifié cette violation" in text_of(answer.text)
    assert (await read(client, f"/messages?subject_id={breach['id']}"))["total"] == 0
    # The page shown holds the current version: sending again works.
    again = await post_form(http, answer.text, f"{url}/notice")
    assert again.status_code == 303


async def test_the_dpo_assesses_decides_and_records_the_cnil_notification(
    browser, make_user, client, world, breach
):
    await client.post(
        f"{API}/breaches/{breach['id']}/controller-notice", json={"version": breach["version"]}
    )
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    url = f"/violations/{breach['id']}"
    page = (await http.get(url)).text
    assert f'action="{url}/evaluation"' in page
    assert f'action="{url}/notice"' not in page  # informed already

    # A refusal: no context chosen, an adjustment without its justification.
    refused = await post_form(
        http,
        page,
        f"{url}/evaluation",
        **{"assess-identification": "significant", "assess-adjustments-0-delta": "1"},
    )
    assert refused.status_code == 422
    assert 'id="err-assess-context"' in refused.text
    assert 'id="err-assess-adjustments-0-justification"' in refused.text
    assert '<option value="1" selected>' in refused.text  # what was typed is kept
    assert (await read(client, f"/breaches/{breach['id']}"))["assessment"] is None

    assessed = await post_form(
        http,
        page,
        f"{url}/evaluation",
        **{
            "assess-context": "behavioural",
            "assess-identification": "significant",
            "assess-confidentiality": "unknown_recipients",
            "assess-availability": "temporary",
            "assess-malicious": "on",
            "assess-adjustments-0-delta": "1",
            "assess-adjustments-0-justification": "1 200 usagers du périscolaire",
        },
    )
    assert assessed.status_code == 303
    assert assessed.headers["location"] == f"{url}?fait=evaluation#evaluation"
    page = (await http.get(url)).text
    seen = text_of(page)
    assert "SE = DPC × EI + CB = 3 × 0,75 + 1,25 = 3,5" in seen
    assert "Contexte de traitement : données comportementales, score de base 2." in seen
    assert (
        "Ajustement du contexte (données comportementales) : +1 (1 200 usagers du périscolaire)."
        in seen
    )
    assert "Gravité : 3 × 0,75 + 1,25 = 3,5 → élevée." in seen
    assert "Recommandation Notifier la CNIL (art. 33) et informer" in seen
    assert "mais ne la remplace pas" in seen
    assert "Évaluée" in seen

    # Decision: a risk not notified is refused beside the choice.
    refused = await post_form(
        http,
        page,
        f"{url}/decision",
        **{
            "decision-risk_level": "risk",
            "decision-notify_cnil": "non",
            "decision-inform_people": "no",
            "decision-reasons": "Risque pour les usagers.",
        },
    )
    assert refused.status_code == 422
    assert (
        "doit être notifiée à la CNIL"
        in refused.text.split('id="err-decision-notify_cnil"')[1][:300]
    )
    decided = await post_form(
        http,
        page,
        f"{url}/decision",
        **{
            "decision-risk_level": "high",
            "decision-notify_cnil": "oui",
            "decision-inform_people": "later",
            "decision-reasons": "Données bancaires exposées : risque élevé d'hameçonnage.",
        },
    )
    assert decided.status_code == 303, text_of(decided.text)[:3000]
    page = (await http.get(url)).text
    seen = text_of(page)
    assert "Risque élevé" in seen and "Données bancaires exposées" in seen

    # The CNIL document, its phase, and the form that records the notification.
    assert "Notification à la CNIL" in seen and "Document de notification (initiale)" in seen
    assert "Commune de Vitry-sur-Seine" in seen
    assert f'action="{url}/notifications"' in page
    recorded = await post_form(
        http,
        page,
        f"{url}/notifications",
        **{
            "cnil-phase": "initial",
            "cnil-sent_at": re.search(
                r'name="cnil-sent_at" type="datetime-local" value="([^"]+)"', page
            ).group(1),
            "cnil-channel": "teleservice",
            # Facts still unknown: the date of the complement (art. 33.4), Paris wall time.
            "cnil-followup_due_at": f"{to_local(ago(days=-30)):%Y-%m-%dT%H:%M}",
        },
    )
    assert recorded.status_code == 303, text_of(recorded.text)[:3000]
    page = (await http.get(url)).text
    seen = text_of(page)
    assert "Notifiée à la CNIL" in seen
    assert "Complément promis à la CNIL" in seen
    assert "Notification complémentaire à la CNIL" in seen  # its clock
    assert "CNIL Initiale" in seen and "Téléservice de la CNIL" in seen
    assert "Texte tel qu'envoyé : CNIL, initiale" in seen

    # The CNIL's file number, recorded later beside the notification.
    (cnil,) = [
        n
        for n in (await read(client, f"/breaches/{breach['id']}"))["notifications"]
        if n["recipient"] == "cnil"
    ]
    action = f"{url}/notifications/{cnil['id']}/reference"
    numbered = await post_form(
        http, page, action, **{f"ref-{cnil['id']}-external_ref": "DN-2025-004217"}
    )
    assert numbered.status_code == 303
    assert numbered.headers["location"] == f"{url}?fait=reference-cnil#notifications"
    seen = text_of((await http.get(numbered.headers["location"])).text)
    assert "DN-2025-004217" in seen and "Numéro de dossier CNIL enregistré." in seen
    stored = await read(client, f"/breaches/{breach['id']}")
    assert [n["external_ref"] for n in stored["notifications"] if n["recipient"] == "cnil"] == [
        "DN-2025-004217"
    ]
    assert stored["status"] == "notified"
    # A complementary notification may now be prepared.
    complementary = text_of((await http.get(f"{url}?phase=complementary")).text)
    assert "Document de notification (complémentaire)" in complementary
    assert "DN-2025-004217" in complementary


async def test_the_auditor_reads_without_any_form_and_a_stranger_gets_404(
    browser, make_user, client, world, breach
):
    auditor = await make_user("audit@vitry.fr", (world["commune"]["id"], "auditor"))
    http = await browser(auditor)
    url = f"/violations/{breach['id']}"
    answer = await http.get(url)
    assert answer.status_code == 200
    assert breach["ref"] in answer.text and "data-countdown" in answer.text
    assert f'action="{url}' not in answer.text
    assert "Aperçu du message" not in answer.text
    listed = (await http.get("/violations")).text
    assert f'href="{url}"' in listed
    # Posting anyway is refused: the auditor's role has no such permission.
    refused = await http.post(
        f"{url}/decision", data={"csrf_token": csrf_of(answer.text), "version": "1"}
    )
    assert refused.status_code == 403

    other = await make_org(client, kind="commune", legal_name="Commune voisine")
    stranger = await make_user("dpd@voisine.fr", (other["id"], "dpo"))
    http = await browser(stranger)
    answer = await http.get(url)
    assert answer.status_code == 404 and "Page introuvable" in answer.text
    assert breach["ref"] not in answer.text
    page = (await http.get("/violations")).text
    assert breach["id"] not in page and "Vitry" not in page
    refused = await http.post(f"{url}/decision", data={"csrf_token": csrf_of(page), "version": "1"})
    assert refused.status_code == 404


async def _notified(client, breach: dict) -> dict:
    """Informed, assessed, decided (high risk, people to inform), notified to the CNIL."""
    path = f"{API}/breaches/{breach['id']}"
    current = (
        await client.post(f"{path}/controller-notice", json={"version": breach["version"]})
    ).json()
    steps = [
        ("assessment", {"context": "financial", "identification": "significant"}),
        ("decision", DECIDE_HIGH),
        (
            "notifications",
            {
                "sent_at": ago(seconds=0).isoformat(),
                "external_ref": "DN-1",
                "followup_due_at": FOLLOWUP_DUE,
            },
        ),
    ]
    for action, payload in steps:
        answer = await client.post(
            f"{path}/{action}", json={"version": current["version"], **payload}
        )
        assert answer.status_code == 200, answer.text
        current = answer.json()
    return current


async def test_the_dpo_completes_the_facts_informs_the_people_and_closes(
    browser, make_user, client, world, breach
):
    await _notified(client, breach)
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    url = f"/violations/{breach['id']}"
    page = (await http.get(url)).text

    refused = await post_form(
        http,
        page,
        f"{url}/faits",
        **{
            "facts-approx_subjects": "beaucoup",
            "facts-data_categories": ["contact_details", "financial"],
            "facts-measures_taken": "Serveur isolé, mots de passe changés.",
        },
    )
    assert refused.status_code == 422
    error = refused.text.split('id="err-facts-approx_subjects"')[1][:200]
    assert "nombre entier" in error
    assert 'value="beaucoup"' in refused.text
    assert (await read(client, f"/breaches/{breach['id']}"))["approx_subjects"] == 1200

    page = (await http.get(url)).text
    form = page.split(f'action="{url}/faits"')[1].split("</form>")[0]
    fields = {
        "facts-data_categories": ["contact_details", "financial"],
        "facts-subject_categories": ["users"],
        "facts-approx_subjects": "1 500",
        "facts-subjects_is_estimate": "on",
        "facts-approx_records": "4800",
        "facts-consequences": ["identity_theft", "fraud"],
        "facts-consequences_detail": "Risque d'hameçonnage ciblé des usagers du périscolaire.",
        "facts-measures_taken": FACTS["measures_taken"],
        "facts-measures_planned": "Restauration depuis la sauvegarde du 2 mars, audit de sécurité.",
    }
    assert 'value="1200"' in form and "Restauration depuis la sauvegarde" in form
    saved = await post_form(http, page, f"{url}/faits", **fields)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{url}?fait=faits-violation#faits"
    assert (await read(client, f"/breaches/{breach['id']}"))["approx_subjects"] == 1500
    seen = text_of((await http.get(saved.headers["location"])).text)
    assert "Faits de la violation enregistrés." in seen
    assert "environ 1 500 personnes (estimation)" in seen
    assert "Modifié : nombre de personnes" in seen  # only what changed

    # The people: the communication previewed, then one e-mail to each address.
    page = (await http.get(url)).text
    seen = text_of(page)
    assert "Communication aux personnes concernées" in seen
    assert "Aperçu de la communication (art. 34.2)" in seen
    informed = await post_form(
        http,
        page,
        f"{url}/personnes",
        **{
            "people-sent_at": re.search(
                r'name="people-sent_at" type="datetime-local" value="([^"]+)"', page
            ).group(1),
            "people-channel": "email",
            "people-addresses": "parent.un@example.fr\nparent.deux@example.fr\n",
        },
    )
    assert informed.status_code == 303, text_of(informed.text)[:2000]
    assert informed.headers["location"] == f"{url}?fait=personnes-informees#notifications"
    sent = await read(client, f"/messages?subject_id={breach['id']}")
    people = [m for m in sent["items"] if m["kind"] == "breach.people_communication"]
    assert sorted(m["to_addrs"][0] for m in people) == [
        "parent.deux@example.fr",
        "parent.un@example.fr",
    ]
    seen = text_of((await http.get(informed.headers["location"])).text)
    assert "Communication aux personnes concernées enregistrée." in seen
    assert "Personnes concernées Initiale" in seen

    # Closing: the reasons are required, then the breach is closed and every form is gone.
    page = (await http.get(url)).text
    refused = await post_form(http, page, f"{url}/cloture")
    assert refused.status_code == 422 and 'id="err-close-reasons"' in refused.text
    # The incident still ongoing, the complement promised not made: the DPO says why.
    assert 'id="closing-gaps"' in page and "l'incident est toujours en cours" in text_of(page)
    refused = await post_form(
        http, page, f"{url}/cloture", **{"close-reasons": "Mesures faites, personnes informées."}
    )
    assert refused.status_code == 409
    assert "indiquez pourquoi la violation est close malgré tout" in text_of(refused.text)
    closed = await post_form(
        http,
        page,
        f"{url}/cloture",
        **{
            "close-reasons": "Mesures faites, personnes informées.",
            "close-incomplete_reasons": "Complément transmis par téléphone à la CNIL.",
        },
    )
    assert closed.status_code == 303
    page = (await http.get(closed.headers["location"])).text
    seen = text_of(page)
    assert "Violation clôturée." in seen and "Close le" in seen
    assert "Mesures faites, personnes informées." in seen
    assert f'action="{url}/' not in page
    assert (await read(client, f"/breaches/{breach['id']}"))["status"] == "closed"


async def test_a_step_the_state_refuses_says_why(browser, make_user, client, world, breach):
    await _notified(client, breach)
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    url = f"/violations/{breach['id']}"
    page = (await http.get(url)).text
    # People not yet informed although the decision says they will be: closing is not
    # offered (the workflow table), and a request made anyway is refused with the reason.
    assert f'action="{url}/cloture"' not in page
    version = (await read(client, f"/breaches/{breach['id']}"))["version"]
    answer = await http.post(
        f"{url}/cloture",
        data={"csrf_token": csrf_of(page), "version": version, "close-reasons": "Terminé."},
    )
    assert answer.status_code == 409
    assert "les personnes concernées doivent encore être informées" in text_of(answer.text).lower()
    assert (await read(client, f"/breaches/{breach['id']}"))["status"] == "notified"


async def test_the_controllers_own_incident_records_its_awareness(
    browser, make_user, client, world
):
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    own = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=5)
    )
    assert own["path"] == "own_system"
    http = await browser(dpo)
    url = f"/violations/{own['id']}"
    page = (await http.get(url)).text
    assert f'action="{url}/connaissance"' in page
    assert f'action="{url}/notice"' not in page
    assert "Notification à la CNIL (72 h)" in text_of(page)

    too_early = to_local(ago(hours=6)).strftime("%Y-%m-%dT%H:%M")
    refused = await post_form(
        http,
        page,
        f"{url}/connaissance",
        **{"aware-aware_at": too_early, "aware-rationale": "Enquête du RSSI."},
    )
    assert refused.status_code == 422
    assert "avant la détection" in refused.text.split('id="err-aware-aware_at"')[1][:300]

    later = to_local(ago(hours=1)).strftime("%Y-%m-%dT%H:%M")
    recorded = await post_form(
        http,
        page,
        f"{url}/connaissance",
        **{
            "aware-aware_at": later,
            "aware-rationale": "Certitude après l'analyse des journaux.",
            "aware-later_reasons": "Quatre heures d'analyse des journaux.",
        },
    )
    assert recorded.status_code == 303
    seen = text_of((await http.get(recorded.headers["location"])).text)
    assert "Prise de connaissance enregistrée" in seen
    assert re.search(r"reste 70 h \d\d min", seen)
    assert "Certitude après l'analyse des journaux." in seen
