"""The breach page's new states (issue 15) in a browser, on the demo data of the live server.

Each story brings breaches into a state through the JSON API, with tokens made by the CLI
(as test_proposals does), then the DPO or the administrator reads the pages, each checked by
axe-core: awareness moved after the deadline and a decision below the ENISA band; an initial
CNIL notification with information to follow, a public communication (art. 34.3.c) and a
closing with gaps; joint controllers (art. 26); independent controllers on a shared system
and the delivery of the notice; NIS 2 beside the GDPR; one breach page on a phone.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import expect

from breach.deadlines import format_local
from tests.browser.api import activity_of, ago, api, body_ids, declare, facts, iso, ok, step
from tests.browser.helpers import DPO
from tests.browser.test_phone import PHONE, assert_no_sideways_scroll
from tests.factories import ASSESS, DECIDE_HIGH, FACTS

PARIS = ZoneInfo("Europe/Paris")
JUVISY = "Commune de Juvisy-sur-Orge"
LATER_REASONS = "Journaux analysés pendant deux jours : compromission confirmée ce matin."
ASSESS_VERY_HIGH = {  # DPC 4 × EI 1 + CB: « très élevée »
    "context": "sensitive",
    "identification": "maximum",
    "confidentiality": "unknown_recipients",
    "malicious": True,
}
JUSTIFICATION = "Fichier chiffré (AES-256), clé non compromise : aucune donnée lisible exposée."
DECIDE_PUBLIC = {
    "risk_level": "high",
    "notify_cnil": True,
    "inform_people": "no",
    "art34_exemption": "c_disproportionate",
    "reasons": "Fichier des abonnés sans adresses à jour : communication publique (art. 34.3.c).",
}
PUBLISHED_WHERE = "Site de la commune, https://www.juvisy.fr/violation-2026"
PUBLISHED_TEXT = "Le 3 mars, des données des abonnés de la médiathèque ont été copiées."
INCOMPLETE = "Incident encore en cours à la clôture ; le nombre de personnes reste estimé."


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def juvisy_breach(http: httpx.Client, *, detected: datetime) -> dict:
    """Juvisy's own system hit: its 72 h run from detection."""
    ids = body_ids(http)
    (breach_id,) = declare(
        http, ids[JUVISY], activity_of(http, controller=ids[JUVISY]), detected=detected
    )
    breach = ok(http.get(f"/breaches/{breach_id}"))
    assert breach["path"] == "own_system" and breach["aware_at"] is not None  # the premise
    return breach


def clock(main_text: str, label: str) -> str:
    lines = [line for line in main_text.splitlines() if label in line]
    assert lines, f"aucun délai « {label} » sur la page :\n{main_text[:1500]}"
    return lines[0]


# 1. Awareness moved after the deadline; a decision below the ENISA band --------------------


async def test_awareness_moved_after_the_deadline_and_a_decision_below_the_band(pages, live_server):
    http = api(live_server, DPO[0])
    breach = juvisy_breach(http, detected=ago(hours=100))
    first_due, first_aware = at(breach["cnil_due_at"]), at(breach["aware_at"])
    assert breach["countdowns"][0]["overdue"] is True  # the premise: 28 h overdue
    breach = step(
        http,
        breach,
        "awareness",
        aware_at=iso(ago(hours=1)),
        rationale="Certitude ce matin, après l'analyse des journaux.",
        later_reasons=LATER_REASONS,
    )
    assert at(breach["overdue_at"]) == first_due  # the first deadline stays marked
    breach = facts(http, breach, **FACTS)
    breach = step(http, breach, "assessment", **ASSESS)
    breach = step(http, breach, "assessment", **ASSESS_VERY_HIGH)  # re-assessed: both kept
    assert breach["severity_band"] == "very_high"  # the premise

    page = pages.page
    await pages.sign_in(DPO)
    url = f"/violations/{breach['id']}"
    await pages.visit(url, "connaissance-reportee")
    main = page.get_by_role("main")
    await expect(main).to_contain_text(f"initialement enregistrée le {format_local(first_aware)}")
    await expect(main).to_contain_text(LATER_REASONS)
    await expect(main).to_contain_text(f"Délai dépassé le {format_local(first_due)}")
    # Both assessments, with their author.
    history = page.get_by_role("region", name="Évaluations successives")
    await expect(history.locator("tbody tr")).to_have_count(2)
    await expect(history).to_contain_text("Très élevée")

    # The decision form asks for the justification of a decision below « très élevée ».
    decision = page.get_by_role("region", name="Décision")
    justification = decision.get_by_label("Justification d'un niveau de risque en deçà")
    await expect(justification).to_be_visible()
    await decision.get_by_label("Niveau de risque pour les personnes").select_option("unlikely")
    await decision.get_by_label(re.compile("^Non : risque improbable")).check()
    await decision.get_by_label("Information des personnes concernées (art. 34)").select_option(
        "no"
    )
    await decision.get_by_label("Motifs de la décision").fill(
        "Courriel envoyé à un agent habilité de la même collectivité, supprimé aussitôt."
    )
    async with page.expect_navigation():
        await decision.get_by_role("button", name="Enregistrer la décision").click()
    await pages.check("decision-sans-justification")
    await expect(page.locator("#err-decision-below_band_justification")).to_contain_text(
        "justification de cet écart est obligatoire"
    )
    decision = page.get_by_role("region", name="Décision")
    await decision.get_by_label("Justification d'un niveau de risque en deçà").fill(JUSTIFICATION)
    async with page.expect_navigation():
        await decision.get_by_role("button", name="Enregistrer la décision").click()
    await pages.check("decision-en-deca-justifiee")
    shown = page.locator("#decision dt:has-text('Écart avec l\\'évaluation ENISA') + dd")
    await expect(shown).to_have_text(JUSTIFICATION)


# 2. Phased notification, public communication (art. 34.3.c), closing with gaps --------------


async def test_initial_notification_public_communication_and_closing_with_gaps(pages, live_server):
    http = api(live_server, DPO[0])
    breach = juvisy_breach(http, detected=ago(hours=5))
    breach = step(http, breach, "assessment", **ASSESS)
    breach = step(http, breach, "decision", **DECIDE_PUBLIC)
    promised = ago(hours=-24 * 5)
    breach = step(
        http,
        breach,
        "notifications",
        recipient="cnil",
        phase="initial",
        sent_at=iso(ago(minutes=30)),
        external_ref="CNIL-2026-0042",
        followup_due_at=iso(promised),
    )
    kinds = {c["kind"] for c in breach["countdowns"]}
    assert "people" in kinds and len(kinds) == 2, breach["countdowns"]  # premise

    page = pages.page
    await pages.sign_in(DPO)
    url = f"/violations/{breach['id']}"
    await pages.visit(url, "notification-initiale-communication-publique")
    clocks = await page.locator("ul.clocks").inner_text()
    assert "sans délai excessif depuis le" in clock(clocks, "Communication publique (art. 34.3.c)")
    followup = next(c for c in breach["countdowns"] if c["kind"] != "people")
    assert followup["label"] in clocks, (followup, clocks)
    assert re.search(r"reste (4 j|1[01]\d h)", clock(clocks, followup["label"])), clocks
    await expect(page.locator("#notifications")).to_contain_text("CNIL-2026-0042")

    # The public communication the exemption requires, recorded through the page.
    people = page.get_by_role("region", name="Communication aux personnes concernées")
    await expect(people.locator("#public-communication")).to_be_visible()
    await people.get_by_label("Communiquée le").fill(
        ago(minutes=10).astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")
    )
    await people.get_by_label("Canal").select_option("public_communication")
    await people.get_by_label("Lieu de la communication publique").fill(PUBLISHED_WHERE)
    await people.get_by_label(re.compile("^Texte publié")).fill(PUBLISHED_TEXT)
    async with page.expect_navigation():
        await people.get_by_role("button", name="Enregistrer la communication").click()
    await pages.check("communication-publique-enregistree")
    made = page.get_by_role("region", name="Notifications enregistrées")
    public = made.get_by_role("row").filter(has_text="Personnes concernées")
    await expect(public).to_contain_text(f"Communication publique : {PUBLISHED_WHERE}")
    clocks = await page.locator("ul.clocks").inner_text()
    assert "Communication publique" not in clocks and followup["label"] in clocks, clocks

    # Closing: the follow-up still due and the incident ongoing are gaps, reasons asked.
    gaps = page.locator("#closing-gaps")
    await expect(gaps).to_contain_text("l'incident est toujours en cours")
    await expect(gaps).to_contain_text("la notification complémentaire promise à la CNIL")
    await expect(gaps).to_contain_text("nombre de personnes")
    close = page.locator("form[action$='/cloture']")
    await close.get_by_label("Motifs de la clôture").fill("Mesures terminées.")
    await close.get_by_label("Pourquoi clôturer malgré tout").fill(INCOMPLETE)
    async with page.expect_navigation():
        await close.get_by_role("button", name="Clôturer la violation").click()
    await pages.check("violation-close-incomplete")
    await expect(page.locator("#incomplete-reasons")).to_contain_text(INCOMPLETE)


async def test_people_told_later_show_the_undue_delay_clock(pages, live_server):
    http = api(live_server, DPO[0])
    breach = juvisy_breach(http, detected=ago(hours=5))
    breach = facts(http, breach, **FACTS)
    breach = step(http, breach, "assessment", **ASSESS)
    breach = step(http, breach, "decision", **DECIDE_HIGH)
    breach = step(http, breach, "notifications", recipient="cnil", sent_at=iso(ago(minutes=30)))
    assert [c["kind"] for c in breach["countdowns"]] == ["people"]  # the premise
    await pages.sign_in(DPO)
    await pages.visit(f"/violations/{breach['id']}", "personnes-plus-tard")
    clocks = await pages.page.locator("ul.clocks").inner_text()
    line = clock(clocks, "Information des personnes concernées")
    assert "sans délai excessif depuis le" in line, line
    people = pages.page.get_by_role("region", name="Communication aux personnes concernées")
    await expect(people.get_by_role("button", name="Enregistrer la communication")).to_be_visible()
    await pages.visit("/", "tableau-de-bord-personnes-a-informer")
    await expect(pages.page.get_by_role("main")).to_contain_text(breach["ref"])


# On a phone: a breach whose awareness moved after the deadline --------------------------------


async def test_a_breach_with_awareness_moved_fits_a_phone(open_pages, live_server):
    http = api(live_server, DPO[0])
    breach = juvisy_breach(http, detected=ago(hours=90))
    first_due = at(breach["cnil_due_at"])
    breach = step(
        http,
        breach,
        "awareness",
        aware_at=iso(ago(hours=2)),
        rationale="Certitude ce matin, après l'analyse des journaux.",
        later_reasons=LATER_REASONS,
    )
    assert breach["overdue_at"] is not None  # the premise
    pages = await open_pages(**PHONE)
    await pages.sign_in(DPO)
    await pages.page.goto(f"/violations/{breach['id']}")
    await assert_no_sideways_scroll(pages, "telephone-connaissance-reportee")
    await expect(pages.page.get_by_role("main")).to_contain_text(
        f"Délai dépassé le {format_local(first_due)}"
    )
