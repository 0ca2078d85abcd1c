"""Breaches across bodies (issue 15) in a browser, on the demo data of the live server.

Joint controllers under an art. 26 arrangement (the EPT GOSB leading, Juvisy following); the
independent controllers of seed 000 on a shared system (the EPT GPSO hosting Boulogne's data)
and the notice's e-mail, queued then delivered; NIS 2 beside the GDPR for the EPT GOSB made an
essential entity. The state is brought through the JSON API, every page checked by axe-core.
"""

import re

from playwright.async_api import expect

from tests.browser.api import activity_of, ago, api, body_ids, declare, ok
from tests.browser.helpers import ADMIN, DPO

JUVISY = "Commune de Juvisy-sur-Orge"
GOSB = "Établissement public territorial Grand-Orly Seine Bièvre"
GPSO = "Établissement public territorial Grand Paris Seine Ouest"
BOULOGNE = "Ville de Boulogne-Billancourt"
ESSENCE = (
    "L'EPT exploite le portail, répond aux demandes d'exercice des droits et notifie les "
    "violations à la CNIL ; la commune informe ses administrés."
)
NIS2_REASONS = "Messagerie de l'EPT indisponible depuis six heures pour tous les agents."


async def test_joint_controllers_the_follower_sees_who_notifies_and_the_leads_breach(
    pages, live_server
):
    admin = api(live_server, ADMIN[0])
    ids = body_ids(admin)
    gosb, juvisy = ids[GOSB], ids[JUVISY]
    convention = ok(
        admin.post(
            "/conventions",
            json={
                "title": "Accord de responsabilité conjointe — portail des démarches",
                "kind": "art26_arrangement",
                "start_date": "2026-01-01",
                "parties": [
                    {"organisation_id": gosb, "role": "joint_controller"},
                    {"organisation_id": juvisy, "role": "joint_controller"},
                ],
                "breach_lead_id": gosb,
                "arrangement_essence": ESSENCE,
            },
        ),
        201,
    )
    assert convention["status"] == "in_force"  # the premise: made by the administrator
    activity = ok(
        admin.post(
            "/activities",
            json={
                "controller_id": gosb,
                "name": "Portail des démarches en ligne",
                "ref": "GOSB-PORTAIL",
                "joint_controller_ids": [juvisy],
                "convention_ids": [convention["id"]],
            },
        ),
        201,
    )
    breaches = [
        ok(admin.get(f"/breaches/{i}"))
        for i in declare(admin, gosb, activity["id"], detected=ago(hours=2))
    ]
    by_body = {b["controller_id"]: b for b in breaches}
    lead, follower = by_body[gosb], by_body[juvisy]
    assert follower["path"] == "joint" and follower["joint"]["lead_notifies"]  # the premise

    page = pages.page
    await pages.sign_in(DPO)  # the DPO shared by Juvisy and GOSB
    await pages.visit(f"/violations/{follower['id']}", "conjoint-violation-suiveur")
    note = page.locator("#responsables-conjoints")
    await expect(note).to_contain_text(
        "L'Établissement public territorial Grand-Orly Seine Bièvre notifie la CNIL pour les "
        "responsables conjoints (art. 26)"
    )
    await expect(note).to_contain_text(f"Violation du chef de file : {lead['ref']}")
    await expect(note).to_contain_text("Notification du chef de file à la CNIL : pas encore")
    await expect(
        page.get_by_role("button", name="Enregistrer la notification à la CNIL")
    ).to_have_count(0)
    async with page.expect_navigation():
        await note.get_by_role("link", name=re.compile("violation du chef de file")).click()
    await pages.check("conjoint-violation-chef-de-file")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(lead["ref"])
    await expect(page.locator("#responsables-conjoints")).to_contain_text(
        "Votre organisme est chef de file"
    )

    await pages.visit(f"/conventions/{convention['id']}", "conjoint-convention")
    main = page.get_by_role("main")
    await expect(main).to_contain_text("Responsabilité conjointe (art. 26)")
    await expect(main).to_contain_text(
        "Le chef de file notifie la CNIL pour tous les responsables conjoints"
    )
    await expect(main).to_contain_text(ESSENCE)
    await expect(main).to_contain_text("chef de file pour les violations")


async def test_shared_system_the_host_informs_boulogne_and_the_email_is_delivered(
    pages, live_server
):
    admin = api(live_server, ADMIN[0])
    ids = body_ids(admin)
    (breach_id,) = declare(admin, ids[GPSO], activity_of(admin, ref="BB-01"), detected=ago(hours=1))
    breach = ok(admin.get(f"/breaches/{breach_id}"))
    assert breach["path"] == "independent" and breach["controller_id"] == ids[BOULOGNE]

    page = pages.page
    await pages.sign_in(ADMIN)
    await pages.visit(f"/violations/{breach_id}", "systeme-partage-violation")
    question = page.locator("#art28-10")
    await expect(question).to_contain_text("L'organisme touché est-il sous-traitant ?")
    await expect(question).to_contain_text(
        f"Si l'{GPSO} traite ces données pour le compte de la {BOULOGNE}, cet organisme en "
        "est le sous-traitant"
    )
    # « Sans délai » from detection: the notice clock runs (already overdue an hour later).
    await expect(page.locator("ul.clocks")).to_contain_text(
        "Information du responsable de traitement"
    )
    await expect(page.get_by_role("main")).to_contain_text(
        f"doit informer sans délai la {BOULOGNE}"
    )
    await pages.visit(f"/incidents/{breach['incident_id']}", "systeme-partage-incident")
    await expect(page.get_by_role("main")).to_contain_text("cet organisme en est le sous-traitant")

    await pages.visit(f"/violations/{breach_id}", "systeme-partage-avant-envoi")
    section = page.get_by_role("region", name="Informer le responsable de traitement")
    recipients = await section.locator(".preview dt:has-text('Destinataires') + dd").inner_text()
    async with page.expect_navigation():
        await section.get_by_role("button", name="Envoyer au responsable de traitement").click()
    await pages.check("systeme-partage-notice-emise")
    await expect(page.get_by_role("status")).to_contain_text("Notification émise")
    delivery = page.get_by_role("region", name="Information du responsable : remise du courriel")
    await expect(delivery).to_contain_text("Courriel en file d'attente")
    await expect(delivery).to_contain_text("Téléphonez à")
    await expect(page.get_by_role("main")).to_contain_text("Responsable informé le")

    # The dashboard says it at once: not yet accepted by the mail server, phone.
    await pages.visit("/", "systeme-partage-tableau-de-bord-non-remise")
    undelivered = page.locator("#non-remises")
    await expect(undelivered).to_contain_text("téléphonez au responsable")
    await expect(undelivered.get_by_role("link", name=re.compile(breach["ref"]))).to_have_count(1)

    before = len(live_server.smtp.received)
    live_server.cli("outbox", "send")
    # Matched by the reference: Python 3.11's header folding loses a space of the subject
    # between two encoded words (« systèmehébergeant »), reported, not fixed here.
    sent = [m for m in live_server.smtp.received[before:] if breach["ref"] in m.subject]
    assert len(sent) == 1, [m.subject for m in live_server.smtp.received[before:]]
    assert set(sent[0].rcpt_tos) == {a.strip() for a in recipients.split(",")}
    assert "Chacun de nous est responsable de ses propres traitements" in sent[0].body
    await pages.visit(f"/violations/{breach_id}", "systeme-partage-notice-remise")
    await expect(delivery).to_contain_text("Courriel remis au serveur de messagerie")
    await pages.visit("/", "systeme-partage-tableau-de-bord-remise")
    await expect(page.get_by_role("link", name=re.compile(breach["ref"]))).to_have_count(0)
    # Boulogne's own clock starts at its awareness, which it records: no CNIL clock before.
    assert ok(admin.get(f"/breaches/{breach_id}"))["cnil_due_at"] is None


async def test_nis2_an_essential_entity_and_a_significant_incident(pages, live_server):
    admin = api(live_server, ADMIN[0])
    ids = body_ids(admin)
    body = ok(admin.get(f"/organisations/{ids[GOSB]}"))
    body = ok(
        admin.patch(
            f"/organisations/{ids[GOSB]}",
            json={"version": body["version"], "nis2_status": "essential"},
        )
    )
    (breach_id,) = declare(
        admin,
        ids[GOSB],
        activity_of(admin, controller=ids[GOSB]),
        detected=ago(hours=6),
        nature=["availability"],
        title="Rançongiciel sur la messagerie des agents",
    )
    incident_id = ok(admin.get(f"/breaches/{breach_id}"))["incident_id"]
    dpo = api(live_server, DPO[0])  # GOSB's DPO decides
    record = ok(
        dpo.post(
            f"/incidents/{incident_id}/nis2/decision",
            json={"significant": True, "reasons": NIS2_REASONS},
        )
    )
    assert {c["phase"] for c in record["clocks"]} == {"early_warning", "notification"}

    page = pages.page
    await pages.sign_in(DPO)
    await pages.visit(f"/incidents/{incident_id}", "nis2-incident")
    block = page.get_by_role("region", name="NIS 2 : signalement au CSIRT (ANSSI)")
    await expect(block).to_contain_text("Incident jugé important au titre de NIS 2")
    await expect(block.locator("li.clock")).to_have_count(2)
    first = await block.locator("li.clock time").first.inner_text()
    assert re.fullmatch(r"reste 2[34] h \d\d min", first), first

    async with page.expect_navigation():
        await block.get_by_role("link", name=re.compile("Dossier NIS 2")).click()
    await pages.check("nis2-dossier")
    state = page.get_by_role("region", name="Où en est le signalement")
    await expect(state).to_contain_text("Incident important (significatif)")
    await expect(state).to_contain_text(NIS2_REASONS)
    await expect(state.locator("li.clock")).to_have_count(2)

    await pages.visit(f"/incidents/{incident_id}/nis2/rapport/early_warning", "nis2-projet")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("NIS 2 : projet d")
    await expect(page.get_by_role("main")).to_contain_text("Rançongiciel sur la messagerie")

    # The breach the incident opened shows the incident's NIS 2 clocks beside its own.
    await pages.visit(f"/violations/{breach_id}", "nis2-violation")
    await expect(page.get_by_role("main")).to_contain_text(
        "Délais NIS 2 de l'incident (signalement au CSIRT)"
    )
