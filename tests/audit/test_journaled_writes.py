"""Every write through the API or the services lands in the audit journal: who, what, the
values before and after, in the chain of the organisation whose record it is."""

import hashlib
import json
import uuid

from core.audit.models import AuditEvent
from core.audit.trail import DIGEST_KEY, digest_marker
from core.audit.verify import verify
from core.crypto import EncryptedTextField
from core.outbox.service import Draft, enqueue, retry_failed
from core.scope import Scope
from tests.api.test_incidents_and_breaches import (
    DETECTED,
    LATE,
    breaches_of,
    declared,
    done,
)
from tests.audit.helpers import count_events, events_of, last_event, sql
from tests.factories import (
    API,
    ASSESS,
    DECIDE_RISK,
    FOLLOWUP_DUE,
    make_activity,
    make_contact,
    make_convention,
    make_org,
    read,
)

ADMIN = "admin-tests@registre-rgpd.test"  # who the test client is (tests/conftest.py)


async def test_a_register_edit_is_journaled_with_who_and_the_changed_fields_only(client):
    commune = await make_org(client, legal_name="Commune de Vitry-sur-Seine")
    other = await make_org(client, legal_name="Commune d'Ivry-sur-Seine")
    activity = await make_activity(client, controller=commune, name="État civil")

    response = await client.patch(
        f"{API}/activities/{activity['id']}",
        json={"version": 1, "name": "État civil et population", "purposes": ["Tenue des actes"]},
    )
    assert response.status_code == 200, response.text

    event = await last_event(commune["id"])
    assert (event.action, event.entity_type, event.entity_id) == (
        "activity.update",
        "activity",
        activity["id"],
    )
    assert event.actor == ADMIN
    assert event.before == {"name": "État civil", "purposes": [], "version": 1}
    assert event.after == {
        "name": "État civil et population",
        "purposes": ["Tenue des actes"],
        "version": 2,
    }
    assert [e.action for e in await events_of(commune["id"])] == [
        "organisation.create",
        "activity.create",
        "activity.update",
    ]
    assert [e.action for e in await events_of(other["id"])] == ["organisation.create"]
    assert await verify() == []


async def test_a_creation_and_a_deletion_keep_the_whole_row(client):
    commune = await make_org(client)
    contact = await make_contact(client, organisation=commune, name="Mme Rousseau")
    created = await last_event(commune["id"])
    assert created.action == "contact.create" and created.before is None
    assert created.after["name"] == "Mme Rousseau"
    assert created.after["organisation_id"] == commune["id"]
    assert created.after["roles"] == ["rssi"]

    response = await client.delete(f"{API}/contacts/{contact['id']}", params={"version": 1})
    assert response.status_code == 204, response.text
    deleted = await last_event(commune["id"])
    assert deleted.action == "contact.delete" and deleted.after is None
    assert deleted.before == created.after


async def test_a_record_moved_to_another_body_is_journaled_in_both_chains(client):
    first, second = await make_org(client), await make_org(client)
    contact = await make_contact(client, organisation=first)
    response = await client.patch(
        f"{API}/contacts/{contact['id']}",
        json={"version": 1, "organisation_id": second["id"]},
    )
    assert response.status_code == 200, response.text
    for org in (first, second):
        event = await last_event(org["id"])
        assert event.action == "contact.update"
        assert (event.before["organisation_id"], event.after["organisation_id"]) == (
            first["id"],
            second["id"],
        )


async def test_a_convention_is_journaled_in_each_partys_chain_with_its_parties(client):
    ept, commune = await make_org(client, kind="ept"), await make_org(client)
    convention = await make_convention(client, processor=ept, controller=commune)
    for org in (ept, commune):
        event = await last_event(org["id"])
        assert (event.action, event.entity_id) == ("convention.create", convention["id"])
        assert {p["organisation_id"] for p in event.after["parties"]} == {ept["id"], commune["id"]}


async def test_a_refused_write_journals_nothing(client):
    commune = await make_org(client)
    activity = await make_activity(client, controller=commune)
    before = await count_events()

    stale = await client.patch(
        f"{API}/activities/{activity['id']}", json={"version": 7, "name": "X"}
    )
    assert stale.status_code == 409
    invalid = await client.patch(
        f"{API}/activities/{activity['id']}",
        json={"version": 1, "controller_id": str(uuid.uuid4())},
    )
    assert invalid.status_code == 422
    refused = await client.post(
        f"{API}/organisations", json={"legal_name": "Commune", "kind": "commune", "siren": "1"}
    )
    assert refused.status_code == 422
    busy = await client.delete(f"{API}/organisations/{commune['id']}", params={"version": 1})
    assert busy.status_code == 409  # its activity still refers to it

    assert await count_events() == before


async def test_breach_steps_are_journaled_in_the_controllers_chain(client):
    commune = await make_org(client, legal_name="Commune de Vitry-sur-Seine")
    activity = await make_activity(client, controller=commune, name="État civil")
    incident = await declared(client, commune["id"], activity_ids=[activity["id"]])
    (breach,) = (await breaches_of(client, incident)).values()
    breach = await done(client, breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_RISK)

    actions = [e.action for e in await events_of(commune["id"])]
    assert actions[-5:] == [
        "incident.declare",
        "breach.declare",
        "breach.assess",
        "breach_assessment.create",  # the assessment kept in the history
        "breach.decide",
    ]
    decided = await last_event(commune["id"])
    assert (decided.entity_type, decided.entity_id, decided.actor) == (
        "breach",
        breach["id"],
        ADMIN,
    )
    assert (decided.before["risk_level"], decided.after["risk_level"]) == (None, "risk")
    assert decided.after["notify_cnil"] is True
    assert set(decided.after) >= {"decided_at", "decision_reasons", "version"}
    assessed = (await events_of(commune["id"]))[-3]
    assert (assessed.before["status"], assessed.after["status"]) == ("declared", "assessed")


async def test_a_failed_step_journals_nothing(client):
    commune = await make_org(client)
    activity = await make_activity(client, controller=commune)
    incident = await declared(client, commune["id"], activity_ids=[activity["id"]])
    (breach,) = (await breaches_of(client, incident)).values()
    before = await count_events()
    early = await client.post(
        f"{API}/breaches/{breach['id']}/decision",
        json={"version": breach["version"], **DECIDE_RISK},
    )
    assert early.status_code == 409  # not assessed yet
    stale = await client.post(
        f"{API}/breaches/{breach['id']}/assessment", json={"version": 99, **ASSESS}
    )
    assert stale.status_code == 409
    assert await count_events() == before


def _encrypted(model) -> set[str]:
    return {
        name
        for name, field in model._meta.fields_map.items()
        if isinstance(field, EncryptedTextField)
    }


async def test_encrypted_fields_are_journaled_as_digests_never_in_clear(client):
    from breach.breaches.models import Breach
    from breach.incidents.models import Incident

    commune = await make_org(client)
    activity = await make_activity(client, controller=commune)
    secret = "Fichier des bénéficiaires du CCAS envoyé à un tiers : Mme Dupont, M. Martin"
    incident = await declared(
        client, commune["id"], activity_ids=[activity["id"]], description=secret
    )
    (breach,) = (await breaches_of(client, incident)).values()
    reasons = "Risque pour Mme Dupont, dont l'adresse figurait dans le fichier."
    breach = await done(client, breach, "assessment", **ASSESS)
    await done(client, breach, "decision", **{**DECIDE_RISK, "reasons": reasons})

    declared_event = await AuditEvent.get(action="incident.declare", entity_id=incident["id"])
    for name in _encrypted(Incident):
        assert name in declared_event.after
        value = declared_event.after[name]
        assert value is None or set(value) == {DIGEST_KEY}, name
    if "description" in _encrypted(Incident):
        assert declared_event.after["description"] == digest_marker(secret)
        # Keyed: whoever reads the journal cannot confirm a guess with a bare SHA-256.
        unkeyed = hashlib.sha256(secret.encode()).hexdigest()
        assert declared_event.after["description"][DIGEST_KEY] != unkeyed
    decided = await last_event(commune["id"])
    if "decision_reasons" in _encrypted(Breach):
        assert decided.after["decision_reasons"] == digest_marker(reasons)

    # Nothing of the protected texts is in the journal's rows as stored.
    rows = await sql("SELECT before, after FROM audit_event")
    stored = json.dumps(rows, default=str, ensure_ascii=False)
    for name, text in (("description", secret), ("decision_reasons", reasons)):
        if name in _encrypted(Incident) | _encrypted(Breach):
            assert text not in stored and "Dupont" not in stored


async def test_a_late_reason_is_journaled_under_a_keyed_digest_a_guess_cannot_confirm(client):
    commune = await make_org(client)
    activity = await make_activity(client, controller=commune)
    incident = await declared(
        client, commune["id"], activity_ids=[activity["id"]], detected_at=DETECTED
    )
    (breach,) = (await breaches_of(client, incident)).values()
    breach = await done(client, breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_RISK)
    breach = await done(
        client,
        breach,
        "notifications",
        sent_at=LATE,
        late_reason="retard",
        followup_due_at=FOLLOWUP_DUE,
    )
    assert breach["notifications"][0]["late_reason"] == "retard"

    journaled = [
        row["late_reason"]
        for event in await events_of(commune["id"])
        for row in (event.before, event.after)
        if isinstance(row, dict) and row.get("late_reason")
    ]
    assert journaled == [digest_marker("retard")]
    (digest,) = journaled[0].values()
    assert digest != hashlib.sha256(b"retard").hexdigest()
    assert "retard" not in json.dumps(await sql("SELECT before, after FROM audit_event"))


async def test_notification_texts_are_digests_and_messages_keep_no_body(client, db):
    commune = await make_org(client)
    message = await enqueue(
        Draft(
            kind="breach_people",
            to_addrs=("usager@example.fr", "autre@example.fr"),
            cc_addrs=("dpd@example.fr",),
            subject="Violation de vos données",
            body_text="Madame Dupont, vos données ont été exposées.",
            organisation_id=uuid.UUID(commune["id"]),
        ),
        now=__import__("core.clock", fromlist=["utcnow"]).utcnow(),
    )
    event = await last_event(commune["id"])
    assert (event.action, event.entity_type, event.entity_id) == (
        "message.create",
        "message",
        str(message.id),
    )
    assert event.after["kind"] == "breach_people" and event.after["recipients"] == 3
    stored = json.dumps(event.after, ensure_ascii=False)
    assert "Dupont" not in stored and "usager@example.fr" not in stored

    failed = await enqueue(
        Draft(kind="notice", to_addrs=(), subject="s", body_text="b"),
        now=message.created_at,
    )
    instance = await last_event("instance")  # no organisation: the instance's chain
    assert instance.entity_id == str(failed.id) and instance.after["status"] == "failed"
    await retry_failed(
        scope=Scope.everything(),
        message_id=failed.id,
        now=message.created_at,
        to_addrs=["corrige@example.fr"],
    )
    retried = await last_event("instance")
    assert retried.action == "message.retry"
    assert (retried.before["status"], retried.after["status"]) == ("failed", "pending")
    assert (retried.before["recipients"], retried.after["recipients"]) == (0, 1)


async def test_the_journal_routes(client, settings_env, tmp_path):
    from core.audit.signing import generate_signing_key_pem

    commune = await make_org(client)
    activity = await make_activity(client, controller=commune)
    await client.patch(f"{API}/activities/{activity['id']}", json={"version": 1, "name": "Paie"})

    page = await read(client, f"/organisations/{commune['id']}/journal")
    assert page["total"] == 3
    assert [e["action"] for e in page["items"]] == [
        "activity.update",
        "activity.create",
        "organisation.create",
    ]
    assert page["items"][0]["after"]["name"] == "Paie"
    only = await read(
        client,
        f"/organisations/{commune['id']}/journal?entity_type=activity&entity_id={activity['id']}"
        "&limit=1",
    )
    assert (only["total"], len(only["items"])) == (2, 1)
    later = await read(client, f"/organisations/{commune['id']}/journal?from=2100-01-01T00:00:00Z")
    assert later["total"] == 0
    unknown = await client.get(f"{API}/organisations/{uuid.uuid4()}/journal")
    assert unknown.status_code == 404

    verified = await read(client, "/journal/verify")
    assert verified["intact"] is True and verified["problems"] == []
    assert verified["events"] >= 3
    first = (await events_of(commune["id"]))[0]
    await sql("UPDATE audit_event SET actor = ? WHERE id = ?", "quelqu'un", str(first.id))
    verified = await read(client, "/journal/verify")
    assert verified["intact"] is False
    (problem,) = verified["problems"]
    assert (problem["chain"], problem["seq"], problem["kind"]) == (commune["id"], 1, "modified")
    assert problem["event_id"] == str(first.id)

    assert (await client.get(f"{API}/journal/public-key")).status_code == 404
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(generate_signing_key_pem())
    settings_env(signing_key_file=key_file)
    key = await read(client, "/journal/public-key")
    assert key["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert key["key_id"].startswith("ed25519:")
