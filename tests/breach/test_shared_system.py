"""Independent controllers on a shared system (seed 000: the EPT GPSO hosts the Ville de
Boulogne-Billancourt's data, each controller of its own processing): the body whose system
was hit informs the other at once, through the outbox, with a recorded instant; the other's
72 h run from its own awareness; the pages ask whether the host is in fact a processor
(art. 4(8), the clauses of art. 28(3); not art. 28(10), the converse case)."""

import html as htmllib
import re
from datetime import datetime, timedelta

import pytest

from core.outbox.models import OutboxMessage
from register.demo import load_demo
from tests.factories import API, ago, declare_on, done, iso, post, read, with_facts
from tests.web.conftest import browser, make_user  # noqa: F401  (fixtures)

BOULOGNE_DPO = "exemple.dpd@boulognebillancourt.com"


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
async def seed(client):
    demo = await load_demo()
    assert await OutboxMessage.all().count() == 0  # the premise: nothing sent yet
    activities = {a["ref"]: a["id"] for a in (await read(client, "/activities?limit=500"))["items"]}
    gpso = {"id": str(demo.bodies["gpso"])}
    detected = ago(hours=3)
    breach = await declare_on(client, gpso, [activities["BB-01"]], detected=detected)
    return {"demo": demo, "gpso": gpso, "breach": breach, "detected": detected}


async def test_boulognes_breach_gets_an_at_once_notice_clock(seed):
    breach = seed["breach"]
    assert breach["path"] == "independent"
    assert breach["source_org_id"] == seed["gpso"]["id"]
    # « Sans délai » from detection: the service-commun "at once" deadline.
    assert breach["controller_notice_due_at"] is not None
    assert [c["kind"] for c in breach["countdowns"]] == ["controller_notice"]
    assert breach["countdowns"][0]["overdue"] is True  # detected 3 h ago, at once: late now
    # No CNIL clock yet: Boulogne's 72 h start at its own awareness.
    assert breach["aware_at"] is None and breach["cnil_due_at"] is None
    assert "record_controller_informed" in breach["allowed_actions"]
    assert "record_awareness" in breach["allowed_actions"]


async def test_the_host_informs_boulogne_through_the_outbox_with_independent_wording(client, seed):
    breach = await with_facts(client, seed["breach"])
    preview = await read(client, f"/breaches/{breach['id']}/previews/controller-notice")
    assert preview["to_addrs"] == [BOULOGNE_DPO]
    body = preview["body"]
    assert "art. 33.2" not in preview["subject"]
    assert "responsable de traitement distinct" in body
    assert "Chacun de nous est responsable de ses propres traitements" in body
    assert "pour le compte de la Ville de Boulogne-Billancourt, cet organisme en est" in body

    sent = await done(client, breach, "controller-notice")

    assert sent["controller_informed_at"] is not None  # the recorded instant
    assert sent["aware_at"] is None  # informing does not decide Boulogne's awareness
    (notice,) = sent["notifications"]
    assert (notice["recipient"], notice["due_at"], notice["late"]) == ("controller", None, False)
    assert notice["delivery"]["state"] == "queued"
    (message,) = await OutboxMessage.filter(kind="breach.controller_notice")
    assert message.to_addrs == [BOULOGNE_DPO]
    assert str(message.subject_id) == breach["id"]
    assert [c["kind"] for c in sent["countdowns"]] == []  # the notice clock stopped

    # Boulogne records its awareness: its 72 h start then.
    aware_at = ago(minutes=30)
    aware = await done(
        client,
        sent,
        "awareness",
        aware_at=iso(aware_at),
        rationale="Courriel de l'EPT lu par le DPD de la Ville.",
    )
    assert aware["aware_at"] is not None
    kinds = [c["kind"] for c in aware["countdowns"]]
    assert kinds == ["cnil"]
    assert read_instant(aware["cnil_due_at"]) - read_instant(aware["aware_at"]) == timedelta(
        hours=72
    )


async def test_informing_twice_is_refused(client, seed):
    breach = await done(client, seed["breach"], "controller-notice")
    again = await post(client, breach, "controller-notice")
    assert again.status_code == 409
    assert "déjà" in again.json()["detail"]


async def test_the_pages_ask_whether_the_host_is_in_fact_a_processor(
    client,
    seed,
    browser,  # noqa: F811
    make_user,  # noqa: F811
):
    breach = seed["breach"]
    rssi = await make_user("rssi@gpso.fr", (seed["gpso"]["id"], "security_officer"))
    http = await browser(rssi)
    question = (
        "Si l'Établissement public territorial Grand Paris Seine Ouest traite ces données pour "
        "le compte de la Ville de Boulogne-Billancourt, cet organisme en est le sous-traitant"
    )

    page = text_of((await http.get(f"/violations/{breach['id']}")).text)
    assert question in page
    assert "(art. 4, point 8, du RGPD)" in page
    assert "l'article 28, paragraphe 3, du RGPD (lignes directrices 07/2020 du CEPD)" in page
    assert "28.10" not in page, "art. 28(10) is the converse case: not cited"
    assert "doit informer sans délai la Ville de Boulogne-Billancourt" in page
    assert "Envoyer au responsable de traitement" in page

    incident = text_of((await http.get(f"/incidents/{breach['incident_id']}")).text)
    assert question in incident


def read_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_a_corrected_detection_keeps_boulognes_own_awareness(client, seed):
    breach = seed["breach"]
    aware = await done(
        client,
        breach,
        "awareness",
        aware_at=iso(ago(hours=1)),
        rationale="Appel de la DIGIT reçu par le DPD de la Ville.",
    )
    assert aware["cnil_due_at"] is not None  # the premise
    incident = await read(client, f"/incidents/{breach['incident_id']}")
    moved = await client.patch(
        f"{API}/incidents/{incident['id']}",
        json={
            "version": incident["version"],
            "detected_at": iso(seed["detected"] - timedelta(hours=1)),
        },
    )
    assert moved.status_code == 200, moved.text

    after = await read(client, f"/breaches/{breach['id']}")
    assert (after["aware_at"], after["cnil_due_at"]) == (aware["aware_at"], aware["cnil_due_at"])
    # The notice not given yet follows the detection (« sans délai »).
    assert read_instant(after["controller_notice_due_at"]) == seed["detected"] - timedelta(hours=1)
