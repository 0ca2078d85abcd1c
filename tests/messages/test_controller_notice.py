"""The processor's notice to the controller (art. 33(2)): previewed, sent through the outbox
with the controller recorded as informed in the same transaction, delivered over SMTP."""

import pytest

import breach.messages.service as messages_service
from breach.breaches.models import Breach, BreachNotification
from core.outbox.delivery import deliver_due
from core.outbox.models import OutboxMessage
from register.demo import load_demo
from tests.factories import (
    API,
    COMMUNE_DPO,
    COMMUNE_RSSI,
    EPT_DPO,
    EPT_RSSI,
    ago,
    assert_refused,
    bodies,
    declare_on,
    done,
    make_contact,
    outbox,
    post,
    read,
    with_facts,
)


@pytest.fixture
async def world(client):
    return await bodies(client, breach_phased_information=True)


@pytest.fixture
async def breach(client, world):
    declared = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=2)
    )
    assert declared["path"] == "processor"
    return await with_facts(client, declared)


async def test_preview_shows_the_notice_its_recipients_and_writes_nothing(client, breach):
    preview = await read(client, f"/breaches/{breach['id']}/previews/controller-notice")

    assert preview["kind"] == "breach.controller_notice"
    assert preview["to_addrs"] == [COMMUNE_DPO, COMMUNE_RSSI]
    assert "art. 33.2" in preview["subject"] and breach["ref"] in preview["subject"]
    assert "Commune de Vitry-sur-Seine" in preview["body"]
    assert preview["also"] == []  # the convention asks for e-mail only
    assert not any("téléphon" in w for w in preview["warnings"])
    assert await OutboxMessage.all().count() == 0
    assert (await read(client, f"/breaches/{breach['id']}"))["controller_informed_at"] is None


async def test_sent_notice_reaches_the_controller_dpo_with_every_art_33_3_item(
    client, world, breach, smtp
):
    sent = await done(client, breach, "controller-notice")

    assert sent["controller_informed_at"] is not None
    assert sent["aware_at"] == sent["controller_informed_at"]  # its 72 h start now
    (notice,) = sent["notifications"]
    assert (notice["recipient"], notice["channel"], notice["late"]) == (
        "controller",
        "email",
        False,
    )
    (message,) = await outbox()
    assert message.kind == "breach.controller_notice"
    assert message.to_addrs == [COMMUNE_DPO, COMMUNE_RSSI]
    assert str(message.organisation_id) == world["commune"]["id"]
    assert message.subject_type == "breach"
    assert str(message.subject_id) == breach["id"]

    report = await deliver_due(owner="test")
    assert report.sent == 1

    (mail,) = smtp.received
    assert sorted(mail.rcpt_tos) == sorted([COMMUNE_DPO, COMMUNE_RSSI])
    body = mail.body.replace("\r\n", "\n")
    # (a) nature, categories and approximate numbers of people and records
    assert "Perte de confidentialité, Perte de disponibilité" in body
    assert "Piratage, logiciel malveillant, hameçonnage" in body
    assert "Rançongiciel sur le serveur de fichiers" in body
    assert "VIT-07 — Inscriptions périscolaires" in body
    assert (
        "Catégories de données concernées : Coordonnées, Données bancaires ou financières" in body
    )
    assert "Catégories de personnes concernées : Usagers" in body
    assert "environ 1 200 personnes (estimation)" in body
    assert "environ 4 800 enregistrements (estimation)" in body
    # (b) the DPO or contact point of the sender
    assert EPT_DPO in body and "01 49 87 00 00" in body
    assert EPT_RSSI in body
    # (c) likely consequences
    assert "Vol d'identité" in body and "Fraude" in body
    assert "hameçonnage ciblé des usagers" in body
    # (d) measures taken or proposed
    assert "Mesures prises : Serveur isolé du réseau" in body
    assert "Restauration depuis la sauvegarde du 2 mars" in body
    # The convention, its delay, the controller's own 72 h, phased information
    assert "Convention : « Convention de services informatiques partagés »" in body
    assert "Délai d'information prévu : 24 heures" in body
    assert "72 heures après en avoir pris connaissance, soit au plus tard le" in body
    assert "article 33, paragraphe 4" in body
    # French intact through SMTP
    assert "données" in body and "mesures prises" in body.lower() and "é" in mail.subject
    assert "Commune de Vitry-sur-Seine" in mail.subject

    # The notification keeps the content exactly as sent.
    row = await BreachNotification.get(id=notice["id"])
    assert row.message_body == message.body_text == body
    assert row.message_subject == message.subject == mail.subject
    shown = (await read(client, f"/breaches/{breach['id']}"))["notifications"][0]
    assert shown["message_body"] == body

    listed = await read(client, f"/messages?subject_id={breach['id']}")
    assert listed["total"] == 1
    assert (listed["items"][0]["status"], listed["items"][0]["status_label"]) == (
        "sent",
        "Envoyé",
    )


async def test_a_second_notice_is_refused_and_sends_nothing_more(client, breach):
    sent = await done(client, breach, "controller-notice")
    again = await post(client, sent, "controller-notice")
    assert again.status_code == 409
    assert "déjà" in again.json()["detail"]
    assert len(await outbox()) == 1


async def test_late_notice_without_reasons_is_refused_and_writes_no_message(client, world):
    # Detected 30 hours ago under a 24-hour convention: the notice is late.
    declared = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=30)
    )
    late = await with_facts(client, declared)

    preview = await read(client, f"/breaches/{late['id']}/previews/controller-notice")
    assert any("raisons du retard" in w for w in preview["warnings"])

    refused = await post(client, late, "controller-notice")
    assert_refused(refused, ["body", "late_reason"], "raisons du retard sont obligatoires")
    assert await OutboxMessage.all().count() == 0
    assert await BreachNotification.all().count() == 0
    assert (await read(client, f"/breaches/{late['id']}"))["version"] == late["version"]

    reason = "Serveur de messagerie de l'EPT lui aussi chiffré pendant 8 heures."
    sent = await done(client, late, "controller-notice", late_reason=reason)
    assert sent["notifications"][0]["late"] is True
    (message,) = await outbox()
    assert "après l'échéance prévue. Raisons du retard : " + reason in message.body_text


async def test_a_failure_while_enqueueing_leaves_nothing_written(client, monkeypatch):
    phoned = await bodies(client, breach_notice_channels=["email", "phone"])
    declared = await declare_on(
        client, phoned["ept"], [phoned["activity"]["id"]], detected=ago(hours=1)
    )
    breach = await with_facts(client, declared)
    real_enqueue = messages_service.enqueue
    calls = []

    async def failing_second(draft, **kwargs):
        calls.append(draft.kind)
        if len(calls) == 2:  # the phone reminder, after the notice was written
            raise RuntimeError("disque plein")
        return await real_enqueue(draft, **kwargs)

    monkeypatch.setattr(messages_service, "enqueue", failing_second)
    with pytest.raises(RuntimeError, match="disque plein"):
        await post(client, breach, "controller-notice")

    assert calls == ["breach.controller_notice", "breach.phone_reminder"]
    assert await OutboxMessage.all().count() == 0
    assert await BreachNotification.all().count() == 0
    row = await Breach.get(id=breach["id"])
    assert (row.controller_informed_at, row.aware_at, row.version) == (
        None,
        None,
        breach["version"],
    )


async def test_no_address_for_the_controller_is_refused_unless_given(client):
    from tests.factories import make_activity, make_convention, make_org

    ept = await make_org(client, kind="ept")
    commune = await make_org(client, kind="commune", legal_name="Commune sans DPO")
    convention = await make_convention(client, processor=ept, controller=commune)
    activity = await make_activity(client, controller=commune, convention_ids=[convention["id"]])
    declared = await declare_on(client, ept, [activity["id"]], detected=ago(hours=1))

    preview = await read(client, f"/breaches/{declared['id']}/previews/controller-notice")
    assert preview["to_addrs"] == []
    assert "aucune adresse de DPO pour Commune sans DPO" in preview["warnings"]

    refused = await post(client, declared, "controller-notice")
    assert_refused(refused, ["body", "to_addrs"], "aucune adresse de DPO")
    assert await OutboxMessage.all().count() == 0

    await done(client, declared, "controller-notice", to_addrs=["dgs@commune-exemple.fr"])
    (message,) = await outbox()
    assert message.to_addrs == ["dgs@commune-exemple.fr"]


async def test_own_system_breach_has_no_controller_notice(client, world):
    own = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=1)
    )
    assert own["path"] == "own_system"
    response = await client.get(f"{API}/breaches/{own['id']}/previews/controller-notice")
    assert response.status_code == 409
    assert (await post(client, own, "controller-notice")).status_code == 409
    assert await OutboxMessage.all().count() == 0


async def test_gosb_juvisy_convention_adds_a_reminder_to_phone(client, smtp):
    demo = await load_demo()
    assert await OutboxMessage.all().count() == 0  # the demo's engagements notify nobody
    juvisy = {"id": str(demo.bodies["juvisy"])}
    await make_contact(
        client,
        organisation=juvisy,
        name="Responsable informatique de Juvisy",
        roles=["rssi"],
        email="informatique@juvisy-exemple.fr",
        phone="01 69 12 50 00",
    )
    activities = {a["ref"]: a["id"] for a in (await read(client, "/activities?limit=500"))["items"]}
    gosb = {"id": str(demo.bodies["gosb"])}
    declared = await declare_on(client, gosb, [activities["JUV-01"]], detected=ago(hours=5))
    breach = await with_facts(client, declared)

    preview = await read(client, f"/breaches/{breach['id']}/previews/controller-notice")
    phone_warning = (
        "la convention demande aussi un appel téléphonique : appeler "
        "le RSSI de Commune de Juvisy-sur-Orge au 01 69 12 50 00"
    )
    assert phone_warning in preview["warnings"]
    (reminder_preview,) = preview["also"]
    assert reminder_preview["kind"] == "breach.phone_reminder"

    await done(client, breach, "controller-notice")
    notice, reminder = await outbox()
    assert notice.kind == "breach.controller_notice"
    assert notice.to_addrs == ["exemple.dpd@juvisy.fr", "informatique@juvisy-exemple.fr"]
    assert "Délai d'information prévu : 72 heures" in notice.body_text
    assert "Moyens d'information prévus : Courriel et Téléphone" in notice.body_text
    assert reminder.kind == "breach.phone_reminder"
    assert str(reminder.organisation_id) == gosb["id"]
    assert reminder.to_addrs == ["DPO@grandorlyseinebievre.fr"]
    assert "01 69 12 50 00" in reminder.body_text

    report = await deliver_due(owner="test")
    assert report.sent == 2
    by_rcpt = {tuple(m.rcpt_tos): m for m in smtp.received}
    assert "appeler Commune de Juvisy-sur-Orge" in by_rcpt[("DPO@grandorlyseinebievre.fr",)].subject
