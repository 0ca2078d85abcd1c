"""NIS2 beside the GDPR (breach.nis2, breach.nis2_service, breach.nis2_draft, the NIS2 clock
source of breach.reminders): an essential or important entity's significant incident gets its
own clocks (early warning 24 h, notification 72 h, final report one month after the
notification), each stopped by its report recorded as sent, reminded like the GDPR clocks,
with a French draft for the CSIRT; nothing for another body, a non-NIS2 body or an incident
not held significant."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from api.app import create_app
from breach.reminders import write_due_reminders
from core.accounts.roles import Role
from core.accounts.service import create_user, grant
from core.accounts.tokens import issue_token
from core.clock import utcnow
from tests.factories import API, ago, iso, make_activity, make_org, outbox

PARIS = ZoneInfo("Europe/Paris")
REASONS = "Messagerie indisponible 30 heures pour tous les agents : perturbation grave."


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


async def _entity(client, status: str = "essential", **fields) -> dict:
    return await make_org(client, kind="epci_fp", nis2_status=status, **fields)


async def _incident(client, org: dict, *, detected: datetime | None = None) -> dict:
    activity = await make_activity(client, controller=org, name="Messagerie des agents")
    response = await client.post(
        f"{API}/incidents",
        json={
            "organisation_id": org["id"],
            "title": "Rançongiciel sur la messagerie",
            "description": "Chiffrement des serveurs de messagerie, service interrompu.",
            "detected_at": iso(detected or ago(hours=2)),
            "nature": ["availability"],
            "origin": "hacking_malware_phishing",
            "cause": "external_malicious",
            "activity_ids": [activity["id"]],
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _decide(client, incident: dict, **payload) -> httpx.Response:
    body = {"significant": True, "reasons": REASONS, **payload}
    return await client.post(f"{API}/incidents/{incident['id']}/nis2/decision", json=body)


async def _decided(client, incident: dict, **payload) -> dict:
    response = await _decide(client, incident, **payload)
    assert response.status_code == 200, response.text
    return response.json()


async def _sent(client, incident: dict, record: dict, phase: str, sent_at: datetime) -> dict:
    response = await client.post(
        f"{API}/incidents/{incident['id']}/nis2/sendings",
        json={
            "version": record["version"],
            "phase": phase,
            "sent_at": iso(sent_at),
            "channel": "portal",
            "reference": f"ANSSI-{phase}",
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def _clocks(record: dict) -> dict[str, datetime]:
    return {c["phase"]: datetime.fromisoformat(c["due_at"]) for c in record["clocks"]}


# Clocks at the boundaries -------------------------------------------------------------------


async def test_the_clocks_run_24_and_72_real_hours_from_awareness_across_a_change_of_time(
    client,
):
    org = await _entity(client)
    incident = await _incident(client, org, detected=paris(2026, 3, 28, 9, 0))
    aware = paris(2026, 3, 28, 10, 0)  # the clocks go forward the next night
    record = await _decided(client, incident, aware_at=iso(aware))

    clocks = _clocks(record)
    assert set(clocks) == {"early_warning", "notification"}
    assert clocks["early_warning"] - aware == timedelta(hours=24)
    assert clocks["early_warning"].astimezone(PARIS).hour == 11, "24 real hours, not wall-clock"
    assert clocks["notification"] - aware == timedelta(hours=72)
    assert record["aware_at"] == record["first_aware_at"]


async def test_awareness_defaults_to_the_decision_instant(client):
    org = await _entity(client, status="important")
    incident = await _incident(client, org)
    before = utcnow()
    record = await _decided(client, incident)
    aware = datetime.fromisoformat(record["aware_at"])
    assert before <= aware <= utcnow()
    assert _clocks(record)["early_warning"] == aware + timedelta(hours=24)


async def test_the_final_report_is_due_one_eu_month_after_the_notification(client):
    org = await _entity(client)
    incident = await _incident(client, org, detected=paris(2026, 1, 29, 8, 0))
    record = await _decided(client, incident, aware_at=iso(paris(2026, 1, 29, 10, 0)))
    assert "final" not in _clocks(record), "no final report before the notification"

    record = await _sent(client, incident, record, "notification", paris(2026, 1, 31, 10, 0))

    clocks = _clocks(record)
    assert set(clocks) == {"final"}, "the notification stops the early warning too"
    assert clocks["final"] == paris(2026, 2, 28, 10, 0), "31 January → end of February"


async def test_each_sending_stops_its_own_clock(client):
    org = await _entity(client)
    incident = await _incident(client, org)
    record = await _decided(client, incident, aware_at=iso(ago(hours=1)))
    assert set(_clocks(record)) == {"early_warning", "notification"}

    record = await _sent(client, incident, record, "early_warning", ago(minutes=30))
    assert set(_clocks(record)) == {"notification"}
    sent = {r["phase"]: r for r in record["reports"]}
    assert sent["early_warning"]["channel"] == "portal"
    assert sent["early_warning"]["reference"] == "ANSSI-early_warning"

    record = await _sent(client, incident, record, "notification", ago(minutes=10))
    assert set(_clocks(record)) == {"final"}
    record = await _sent(client, incident, record, "final", ago(minutes=1))
    assert record["clocks"] == []

    again = await client.post(
        f"{API}/incidents/{incident['id']}/nis2/sendings",
        json={"version": record["version"], "phase": "final", "sent_at": iso(ago(minutes=1))},
    )
    assert again.status_code == 409
    assert "déjà enregistré" in again.json()["detail"]


async def test_the_intermediate_report_runs_only_once_asked_for(client):
    org = await _entity(client)
    incident = await _incident(client, org)
    record = await _decided(client, incident)
    refused = await client.post(
        f"{API}/incidents/{incident['id']}/nis2/sendings",
        json={"version": record["version"], "phase": "intermediate", "sent_at": iso(ago())},
    )
    assert refused.status_code == 409
    assert "aucun rapport intermédiaire n'a été demandé" in refused.json()["detail"]

    due = utcnow() + timedelta(days=5)
    response = await client.post(
        f"{API}/incidents/{incident['id']}/nis2/intermediate-request",
        json={"version": record["version"], "due_at": iso(due)},
    )
    assert response.status_code == 200, response.text
    assert _clocks(response.json())["intermediate"] == due


# No clock where NIS2 does not apply ---------------------------------------------------------


@pytest.mark.parametrize("status", ["none", "unknown"])
async def test_no_clock_for_a_body_that_is_not_an_essential_or_important_entity(client, status):
    org = await _entity(client, status=status)
    incident = await _incident(client, org)
    record = (await client.get(f"{API}/incidents/{incident['id']}/nis2")).json()
    assert record["applies"] is False
    assert record["clocks"] == [] and record["allowed_actions"] == []

    refused = await _decide(client, incident)
    assert refused.status_code == 409
    assert "entité essentielle ou importante" in refused.json()["detail"]


async def test_no_clock_for_an_incident_decided_not_significant(client):
    org = await _entity(client)
    incident = await _incident(client, org, detected=ago(hours=30))
    record = await _decided(client, incident, significant=False)
    assert record["decided"] is True and record["significant"] is False
    assert record["clocks"] == []
    assert record["reasons"] == REASONS

    await write_due_reminders(now=utcnow() + timedelta(days=40))
    assert await outbox(kind="nis2_reminder") == []
    draft = await client.get(f"{API}/incidents/{incident['id']}/nis2/draft")
    assert draft.status_code == 409


async def test_a_body_no_longer_an_entity_stops_its_clocks(client):
    org = await _entity(client)
    incident = await _incident(client, org)
    record = await _decided(client, incident)
    assert record["clocks"], "premise: the clocks run"
    response = await client.patch(
        f"{API}/organisations/{org['id']}", json={"version": org["version"], "nis2_status": "none"}
    )
    assert response.status_code == 200, response.text
    record = (await client.get(f"{API}/incidents/{incident['id']}/nis2")).json()
    assert record["clocks"] == []
    listed = (await client.get(f"{API}/nis2/deadlines")).json()
    assert incident["id"] not in {d["incident_id"] for d in listed}


# Decision, thresholds, awareness ------------------------------------------------------------


async def test_the_thresholds_the_facts_reach_are_shown_and_kept(client):
    org = await _entity(
        client,
        nis2_threshold_unavailability_hours=24,
        nis2_threshold_people=5000,
        nis2_threshold_financial_loss_eur=100_000,
    )
    incident = await _incident(client, org)
    record = await _decided(
        client, incident, unavailability_hours=24, people_affected=4999, malicious=True
    )
    shown = {t["code"]: t for t in record["thresholds"]}
    assert shown["unavailability"]["met"] is True, "the threshold itself is reached"
    assert shown["unavailability"]["label"] == "Indisponibilité du service d'au moins 24 heures"
    assert shown["people"]["met"] is False
    assert shown["financial_loss"]["met"] is None, "loss not known yet"
    assert shown["financial_loss"]["label"] == "Perte financière d'au moins 100\u202f000\u00a0€"

    response = await client.patch(
        f"{API}/incidents/{incident['id']}/nis2",
        json={"version": record["version"], "people_affected": 5000},
    )
    assert response.status_code == 200, response.text
    shown = {t["code"]: t["met"] for t in response.json()["thresholds"]}
    assert shown["people"] is True and shown["unavailability"] is True
    assert response.json()["facts"]["malicious"] is True, "a patch keeps the other facts"


async def test_the_decision_needs_reasons_and_a_later_one_its_version(client):
    org = await _entity(client)
    incident = await _incident(client, org)
    missing = await client.post(
        f"{API}/incidents/{incident['id']}/nis2/decision", json={"significant": True}
    )
    assert missing.status_code == 422
    assert any(p["loc"][-1] == "reasons" for p in missing.json()["detail"])

    record = await _decided(client, incident)
    again = await _decide(client, incident, significant=False)
    assert again.status_code == 422
    assert "version" in again.text
    changed = await _decided(client, incident, significant=False, version=record["version"])
    assert changed["clocks"] == []


async def test_moving_awareness_needs_reasons_and_keeps_the_first_instant(client):
    org = await _entity(client)
    incident = await _incident(client, org, detected=ago(hours=40))
    first = ago(hours=30)
    record = await _decided(client, incident, aware_at=iso(first))
    assert _clocks(record)["early_warning"] < utcnow(), "premise: the early warning is overdue"

    later = ago(hours=2)
    path = f"{API}/incidents/{incident['id']}/nis2/awareness"
    refused = await client.post(path, json={"version": record["version"], "aware_at": iso(later)})
    assert refused.status_code == 422

    moved = await client.post(
        path,
        json={
            "version": record["version"],
            "aware_at": iso(later),
            "reasons": "La gravité n'a été établie qu'après l'analyse du prestataire.",
        },
    )
    assert moved.status_code == 200, moved.text
    record = moved.json()
    assert datetime.fromisoformat(record["first_aware_at"]) == first
    assert datetime.fromisoformat(record["aware_at"]) == later
    # The early warning was already missed when the move came: it stays overdue since its
    # first due date; the notification, not yet due, runs from the new instant.
    early = next(c for c in record["clocks"] if c["phase"] == "early_warning")
    assert early["overdue"] is True
    assert datetime.fromisoformat(early["due_at"]) == first + timedelta(hours=24)
    assert _clocks(record)["notification"] == later + timedelta(hours=72)


async def test_moving_awareness_earlier_needs_no_reasons(client):
    org = await _entity(client)
    incident = await _incident(client, org, detected=ago(hours=40))
    first = ago(hours=10)
    record = await _decided(client, incident, aware_at=iso(first))
    earlier = ago(hours=20)
    moved = await client.post(
        f"{API}/incidents/{incident['id']}/nis2/awareness",
        json={"version": record["version"], "aware_at": iso(earlier)},
    )
    assert moved.status_code == 200, moved.text
    record = moved.json()
    assert datetime.fromisoformat(record["first_aware_at"]) == first
    assert _clocks(record)["early_warning"] == earlier + timedelta(hours=24)


async def test_a_sending_in_the_future_is_refused(client):
    org = await _entity(client)
    incident = await _incident(client, org)
    record = await _decided(client, incident)
    response = await client.post(
        f"{API}/incidents/{incident['id']}/nis2/sendings",
        json={
            "version": record["version"],
            "phase": "early_warning",
            "sent_at": iso(utcnow() + timedelta(hours=1)),
        },
    )
    assert response.status_code == 422
    assert "futur" in response.text


# Reminders ------------------------------------------------------------------------------------


async def test_reminders_are_written_once_per_stage_and_stop_with_the_sending(client):
    org = await _entity(client, legal_rep_email="president@epci-exemple.fr")
    await client.post(
        f"{API}/contacts",
        json={
            "organisation_id": org["id"],
            "name": "Rose Rssi",
            "roles": ["rssi"],
            "email": "rssi@epci-exemple.fr",
        },
    )
    incident = await _incident(client, org)
    aware = utcnow() - timedelta(hours=1)
    record = await _decided(client, incident, aware_at=iso(aware))

    at_18h = aware + timedelta(hours=18)  # 6 h before the early warning: stage h6
    first = await write_due_reminders(now=at_18h)
    assert first.written == 1, "the early warning (h6); the notification's h48 is not reached"
    again = await write_due_reminders(now=at_18h)
    assert again.written == 0, "each stage once"

    messages = await outbox(kind="nis2_reminder")
    early = next(m for m in messages if "Alerte précoce" in m.subject)
    assert early.to_addrs == ["rssi@epci-exemple.fr"]
    assert "NIS 2" in early.subject and "reste 6 h 00 min" in early.subject
    assert f"/incidents/{incident['id']}" in early.body_text
    assert early.dedup_key.endswith(":nis2_early_warning:h6")

    overdue = aware + timedelta(hours=24, minutes=1)
    await write_due_reminders(now=overdue)
    messages = await outbox(kind="nis2_reminder")
    late = [m for m in messages if "[Échéance dépassée]" in m.subject]
    assert len(late) == 1 and len(messages) == 3, "overdue early warning, notification at h48"
    assert late[0].cc_addrs == ["president@epci-exemple.fr"], "the legal representative"

    record = await _sent(client, incident, record, "notification", utcnow())
    count = len(await outbox(kind="nis2_reminder"))
    await write_due_reminders(now=aware + timedelta(hours=80))
    assert len(await outbox(kind="nis2_reminder")) == count, "the notification stopped both"


# The draft --------------------------------------------------------------------------------


async def test_the_drafts_compose_the_reports_from_the_facts(client):
    org = await _entity(client, legal_name="Communauté d'agglomération d'essai")
    incident = await _incident(client, org)
    record = await _decided(client, incident, malicious=True, cross_border=False)
    path = f"{API}/incidents/{incident['id']}/nis2/draft"

    early = (await client.get(path, params={"phase": "early_warning"})).json()
    assert early["subject"].startswith("NIS 2 — Alerte précoce (24 h) — Rançongiciel")
    assert "oui, un acte illicite ou malveillant est suspecté" in early["body"]
    assert "non, aucun impact transfrontière n'est identifié" in early["body"]
    assert "Communauté d'agglomération d'essai" in early["body"]
    assert early["warnings"] == []

    notification = (await client.get(path, params={"phase": "notification"})).json()
    assert "Indicateurs de compromission : aucun disponible à ce stade" in notification["body"]
    assert "Gravité : à compléter" in notification["body"]
    assert notification["warnings"] == [
        "À compléter avant l'envoi : gravité, impact, indicateurs de compromission."
    ]

    await client.patch(
        f"{API}/incidents/{incident['id']}/nis2",
        json={
            "version": record["version"],
            "threat": "Rançongiciel introduit par un courriel d'hameçonnage.",
            "mitigation": "Serveurs isolés, restauration depuis les sauvegardes.",
        },
    )
    final = (await client.get(path, params={"phase": "final"})).json()
    assert "Type de menace ou cause première : Rançongiciel introduit" in final["body"]
    assert "Mesures d'atténuation appliquées et en cours : Serveurs isolés" in final["body"]
    assert "rapport d'avancement" in final["body"], "the incident is still ongoing"
    assert (await client.get(path, params={"phase": "nope"})).status_code == 422


# Scope ------------------------------------------------------------------------------------


async def _client_of(org: dict, role: Role, email: str):
    user = await create_user(email=email, name=email, password=None)
    await grant(user, organisation_id=org["id"], role=role)
    issued = await issue_token(user=user, name="tests", days=1, now=utcnow())
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(manage_database=False)),
        base_url="http://test",
        headers={"Authorization": f"Bearer {issued.secret}"},
    )


async def test_another_bodys_people_get_404_and_see_no_deadline(client):
    org = await _entity(client)
    other = await _entity(client)
    incident = await _incident(client, org)
    await _decided(client, incident)
    unknown = "00000000-0000-4000-8000-000000000000"

    async with await _client_of(other, Role.DPO, "dpd-autre@registre-rgpd.test") as outsider:
        for incident_id in (incident["id"], unknown):
            base = f"{API}/incidents/{incident_id}/nis2"
            assert (await outsider.get(base)).status_code == 404
            assert (await outsider.get(f"{base}/draft")).status_code == 404
            decision = await outsider.post(
                f"{base}/decision", json={"significant": False, "reasons": "X"}
            )
            assert decision.status_code == 404
            assert decision.json()["detail"] == f"incident introuvable : {incident_id}"
        assert (await outsider.get(f"{API}/nis2/deadlines")).json() == []

    async with await _client_of(org, Role.SECURITY_OFFICER, "rssi@registre-rgpd.test") as own:
        listed = (await own.get(f"{API}/nis2/deadlines")).json()
        assert [d["clock"]["phase"] for d in listed] == ["early_warning", "notification"]
        assert listed[0]["incident_title"] == "Rançongiciel sur la messagerie"


def test_utc_is_what_is_stored():
    # The boundary helpers above build Paris times; the API answers in UTC.
    assert paris(2027, 2, 28, 10, 0).astimezone(UTC).hour == 9


# The calendar feed ------------------------------------------------------------------------


async def test_the_calendar_feed_holds_the_running_nis2_clocks_without_the_title(client):
    import icalendar

    from core.scope import Scope
    from reports.calendar import organisation_calendar

    org = await _entity(client, legal_name="Métropole d'essai")
    incident = await _incident(client, org)
    record = await _decided(client, incident)

    async def nis2_events() -> dict:
        text = await organisation_calendar(
            scope=Scope.everything(), organisation_id=org["id"], now=utcnow()
        )
        found = icalendar.Calendar.from_ical(text).walk("VEVENT")
        return {str(e["UID"]): e for e in found if str(e["UID"]).startswith("nis2-")}

    events = await nis2_events()
    assert sorted(uid.split("-nis2_")[1] for uid in events) == [
        "early_warning@registre-rgpd",
        "notification@registre-rgpd",
    ]
    early = next(e for uid, e in events.items() if "early_warning" in uid)
    assert str(early["SUMMARY"]).startswith("NIS 2 — Alerte précoce (24 h) — incident du ")
    assert "Métropole d'essai" in str(early["SUMMARY"])
    assert "Rançongiciel" not in str(early["SUMMARY"]) + str(early["DESCRIPTION"])
    assert early["DTSTART"].dt == _clocks(record)["early_warning"].replace(microsecond=0)

    await _sent(client, incident, record, "notification", utcnow())
    events = await nis2_events()
    assert [uid.split("-nis2_")[1] for uid in events] == ["final@registre-rgpd"]
