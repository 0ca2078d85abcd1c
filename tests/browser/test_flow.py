"""The issue's whole path in a browser, as the people involved would walk it.

The DPO of Juvisy and GOSB records a new processing of Juvisy hosted by GOSB under their
convention; GOSB's security officer (the processor) declares an incident on it; the breach
is assessed with the ENISA method, the controller is informed by e-mail (received by the test
SMTP server), the CNIL clock runs on the breach page, and the register exported from the
Exports page holds the new processing.
"""

import io
import re

import openpyxl
from playwright.async_api import expect

from tests.browser.api import api, body_ids, ok
from tests.browser.helpers import DPO, RSSI, Pages

ACTIVITY = "Inscriptions à l'école municipale de musique"
INCIDENT = "Fuite d'un export des inscriptions sur un partage public"
JUVISY = "Commune de Juvisy-sur-Orge"
GOSB = "Établissement public territorial Grand-Orly Seine Bièvre"
CONVENTION_2026 = "Hébergement des applications de Juvisy par l'EPT \\(2026\\)"


def convention_in_force(live_server) -> None:
    """The convention that followed the seed's: agreed by the DPO of both bodies, in force."""
    with api(live_server, DPO[0]) as http:
        ids = body_ids(http)
        made = http.post(
            "/conventions",
            json={
                "title": "Hébergement des applications de Juvisy par l'EPT (2026)",
                "kind": "art28_contract",
                "start_date": "2026-01-01",
                "parties": [
                    {"organisation_id": ids[JUVISY], "role": "controller"},
                    {"organisation_id": ids[GOSB], "role": "processor"},
                ],
                "breach_notice_hours": 24,
                "breach_notice_channels": ["email", "phone"],
            },
        )
        assert ok(made, 201)["status"] == "in_force", made.text


async def create_activity(pages: Pages) -> str:
    """The DPO fills the Registre form; returns the new sheet's path."""
    page = pages.page
    await pages.visit("/registre", "registre")
    await page.get_by_role("link", name=re.compile("Nouvelle fiche|Ajouter")).first.click()
    await page.wait_for_url("**/registre/nouvelle*")
    await pages.check("registre-nouvelle-fiche")

    form = page.locator("form.activity-form")
    await form.get_by_label("Organisme responsable du traitement").select_option(label=JUVISY)
    await form.get_by_label("Référence", exact=True).fill("JUV-MUS")
    await form.get_by_label("Nom du traitement").fill(ACTIVITY)
    await form.get_by_label("Statut de la fiche").select_option(label="Terminée")
    await form.get_by_label("Description", exact=True).fill(
        "Inscriptions, réinscriptions et facturation des élèves de l'école de musique."
    )
    await form.get_by_label("Logiciel ou application").fill("Logiciel de gestion d'école")
    await form.get_by_label("Finalités", exact=True).fill(
        "Gestion des inscriptions des élèves\nFacturation des droits d'inscription"
    )
    await form.get_by_label("Base légale", exact=True).select_option(
        label="Mission d'intérêt public (art. 6.1.e)"
    )
    subjects = form.get_by_role("group", name="Catégories de personnes concernées")
    await subjects.get_by_label("Usagers").check()
    await subjects.get_by_label("Mineurs").check()
    data = form.get_by_role("group", name="Catégories de données", exact=True)
    await data.get_by_label(re.compile("^État civil")).check()
    await data.get_by_label("Informations d'ordre économique et financier").check()

    retention = form.get_by_role("group", name="Durée n° 1")
    await retention.get_by_label("Catégorie de données").select_option(index=1)  # État civil
    await retention.get_by_label("Durée (nombre)").fill("3")
    await retention.get_by_label("Unité").select_option(label="an(s)")
    await retention.get_by_label("Point de départ").fill("fin de la scolarité de l'élève")
    await retention.get_by_label("Sort final").select_option(label="Destruction")

    recipient = form.get_by_role("group", name="Destinataire n° 1")
    await recipient.get_by_label("Type de destinataire").select_option(label="Service interne")
    await recipient.get_by_label("Nom").fill("Service des affaires culturelles")

    # Hosted by GOSB's IT department. The seed convention ended on 31/07/2021: it founds no
    # new processing (art. 28(3)), and the form says so beside it.
    conventions = form.get_by_role("group", name="Conventions", exact=True)
    ended = conventions.get_by_label(re.compile("services informatiques.*Juvisy"))
    await ended.check()
    async with page.expect_navigation():
        await form.get_by_role("button", name="Enregistrer la fiche").click()
    await expect(page.get_by_role("main")).to_contain_text(
        "une convention qui a pris fin ne fonde plus de nouvelle"
    )
    # The convention in force since 2026 makes GOSB its processor.
    conventions = form.get_by_role("group", name="Conventions", exact=True)
    await conventions.get_by_label(re.compile("services informatiques.*Juvisy")).uncheck()
    await conventions.get_by_label(re.compile(CONVENTION_2026)).check()
    await pages.check("registre-formulaire-rempli")

    async with page.expect_navigation():
        await form.get_by_role("button", name="Enregistrer la fiche").click()
    await pages.check("registre-fiche-creee")
    assert re.search(r"/registre/[0-9a-f-]{36}\?fait=activite-creee$", page.url), page.url
    await expect(page.get_by_role("status")).to_contain_text("Fiche de traitement créée")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"JUV-MUS — {ACTIVITY}")
    main = page.get_by_role("main")
    await expect(main).to_contain_text("Gestion des inscriptions des élèves")
    await expect(main).to_contain_text("Mission d'intérêt public")
    await expect(main).to_contain_text("Service des affaires culturelles")
    await expect(main).to_contain_text("3 ans")
    await expect(main).to_contain_text("Usagers, Mineurs")
    # GOSB is named as processor through the convention ticked.
    await expect(main).to_contain_text("Établissement public territorial Grand-Orly Seine Bièvre")
    return page.url.split("?")[0]


async def declare_incident(pages: Pages) -> str:
    """GOSB's security officer declares the incident on the new processing; the breach path."""
    page = pages.page
    await pages.visit("/incidents/declarer", "incident-declarer")
    form = page.locator("form.declare")
    await form.get_by_label("Titre").fill(INCIDENT)
    await form.get_by_label("Ce qui s'est passé").fill(
        "Un export des inscriptions a été déposé par erreur sur un partage accessible "
        "sans authentification, puis retiré."
    )
    # 'Détecté le' holds now (Paris time) already.
    detected = await form.get_by_label("Détecté le").input_value()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", detected), detected
    await form.get_by_label("Perte de confidentialité").check()
    await form.get_by_label("Origine").select_option(
        label="Publication non volontaire d'informations"
    )
    await form.get_by_label("Cause").select_option(label="Acte interne accidentel")
    await form.get_by_label(f"JUV-MUS — {ACTIVITY}").check()
    await form.get_by_label("L'incident est toujours en cours").uncheck()
    await pages.check("incident-formulaire-rempli")
    async with page.expect_navigation():
        await form.get_by_role("button", name="Déclarer l'incident").click()
    await pages.check("incident-declare")
    assert re.search(r"/incidents/[0-9a-f-]{36}\?fait=incident-declare$", page.url), page.url
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Incident : {INCIDENT}")
    # One breach, Juvisy's, with the processor's notice clock.
    breach = page.get_by_role("link", name=re.compile(f"VIO-.* — {JUVISY}"))
    await expect(breach).to_have_count(1)
    await expect(page.locator(".breach-cards time[data-countdown]")).not_to_have_count(0)
    async with page.expect_navigation():
        await breach.click()
    await pages.check("violation")
    return page.url.split("?")[0]


async def assess(pages: Pages, breach: str) -> None:
    """Juvisy's DPO assesses the breach with the ENISA method and reads the score explained."""
    page = pages.page
    await pages.visit(breach, "violation-vue-du-dpd")
    section = page.get_by_role("region", name="Évaluation de la gravité (méthode ENISA)")
    await expect(section).to_contain_text("Pas encore évaluée")
    await section.get_by_label("Contexte du traitement (DPC)").select_option(
        label="Données financières"
    )
    await section.get_by_label("Facilité d'identification des personnes (EI)").select_option(
        label="Maximale"
    )
    await section.get_by_label("Perte de confidentialité").select_option(
        label="Données exposées à un nombre inconnu de destinataires"
    )
    await pages.check("evaluation-remplie")
    async with page.expect_navigation():
        await section.get_by_role("button", name="Calculer et enregistrer l'évaluation").click()
    await pages.check("evaluation-enregistree")
    assert "fait=evaluation" in page.url, page.url
    await expect(page.get_by_role("status")).to_contain_text("Évaluation enregistrée")
    section = page.get_by_role("region", name="Évaluation de la gravité (méthode ENISA)")
    # ENISA: financial data (DPC 3) × fully identifiable (EI 1) + exposed to unknown recipients
    # (CB 0.5) = 3.5, "high" (3 ≤ SE < 4).
    await expect(section.locator(".formula")).to_have_text("SE = DPC × EI + CB = 3 × 1 + 0,5 = 3,5")
    await expect(section).to_contain_text("3,5 : Élevée")
    sentences = await section.locator("ol.explanation li").all_inner_texts()
    assert len(sentences) >= 3 and all(s.strip() for s in sentences), sentences
    assert any("financières" in s for s in sentences), sentences
    await expect(section).to_contain_text("Recommandation")


async def send_notice(pages: Pages, breach: str, live_server) -> None:
    """GOSB's security officer reads the notice to Juvisy and sends it; the mail arrives."""
    page = pages.page
    await pages.visit(breach, "violation-avant-envoi")
    section = page.get_by_role("region", name="Informer le responsable de traitement")
    preview = section.locator(".preview")
    await expect(preview).to_contain_text("Destinataires")
    recipients = await preview.locator("dt:has-text('Destinataires') + dd").inner_text()
    subject = await preview.locator("dt:has-text('Objet') + dd").inner_text()
    body = await preview.locator("pre.message").first.inner_text()
    assert ACTIVITY in body and INCIDENT in body, body
    async with page.expect_navigation():
        await section.get_by_role("button", name="Envoyer au responsable de traitement").click()
    await pages.check("notice-envoyee")
    assert "fait=notice-envoyee" in page.url, page.url
    # Issued, not "sent": the e-mail waits in the outbox; the page says so and who to call.
    await expect(page.get_by_role("status")).to_contain_text("Notification émise")
    delivery = page.get_by_role("region", name="Information du responsable : remise du courriel")
    await expect(delivery).to_contain_text("Courriel en file d'attente")
    await expect(delivery).to_contain_text("Téléphonez à")

    before = len(live_server.smtp.received)
    print(live_server.cli("outbox", "send"))  # what the scheduler would do next
    received = live_server.smtp.received[before:]
    assert [m.subject for m in received if m.subject == subject], (
        subject,
        [m.subject for m in received],
    )
    sent = next(m for m in received if m.subject == subject)
    assert set(sent.rcpt_tos) == {a.strip() for a in recipients.split(",")}
    assert ACTIVITY in sent.body and INCIDENT in sent.body
    await page.reload()
    await pages.check("notice-remise")
    await expect(delivery).to_contain_text("Courriel remis au serveur de messagerie")


async def cnil_clock_runs(pages: Pages, breach: str) -> None:
    """Informed, Juvisy has 72 hours to notify the CNIL: the breach page counts them down."""
    page = pages.page
    await pages.visit(breach, "violation-delai-cnil")
    clock = page.locator("li.clock").filter(has_text="CNIL")
    await expect(clock).to_have_count(1)
    text = await clock.locator("time[data-countdown]").inner_text()
    assert re.fullmatch(r"reste 7[12] h \d\d min", text), text
    await expect(page.get_by_role("main")).to_contain_text("Responsable informé le")


async def export_register(pages: Pages) -> None:
    """Juvisy's register from the Exports page, as XLSX: the new processing is in it."""
    page = pages.page
    await pages.visit("/exports", "exports")
    form = page.locator("form[action='/exports/telecharger']")
    await form.get_by_label("Organisme").select_option(label=JUVISY)
    await form.get_by_label("Format").select_option(value="xlsx")
    async with page.expect_download() as waiting:
        await form.get_by_role("button", name="Télécharger").click()
    download = await waiting.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    saved = pages.out_dir / download.suggested_filename
    await download.save_as(saved)
    workbook = openpyxl.load_workbook(io.BytesIO(saved.read_bytes()), read_only=True)
    cells = {
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    }
    assert ACTIVITY in cells, f"{ACTIVITY!r} absent de {saved}"
    assert "JUV-MUS" in cells
    await pages.check("exports-apres-telechargement")


async def test_the_issue_flow_from_the_register_to_the_export(open_pages, live_server):
    dpo = await open_pages(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    await dpo.sign_in(DPO)
    convention_in_force(live_server)
    await create_activity(dpo)
    rssi = await open_pages(viewport={"width": 1280, "height": 900})
    await rssi.sign_in(RSSI)
    breach = await declare_incident(rssi)
    await assess(dpo, breach)
    await send_notice(rssi, breach, live_server)
    await cnil_clock_runs(dpo, breach)
    await export_register(dpo)
