"""The CNIL notification document (laid out like the CNIL's online form, kept with the
notification, its file number recorded afterwards) and the communication to the people
(art. 34(2)), sent one e-mail per person."""

import pytest

from breach.breaches.models import BreachNotification
from core.outbox.delivery import deliver_due
from core.outbox.models import OutboxMessage
from tests.factories import (
    ASSESS,
    ASSESS_FINANCIAL,
    BREACHES,
    COMMUNE_DPO,
    DECIDE_HIGH,
    ago,
    assert_refused,
    bodies,
    declare_on,
    done,
    iso,
    outbox,
    post,
    read,
    with_facts,
)

SECTIONS = [
    "== 1. TYPE DE NOTIFICATION ==",
    "== 2. ORGANISME (responsable de traitement) ==",
    "-- Représentant légal --",
    "-- Personne à contacter (délégué à la protection des données) --",
    "== 3. DATES ==",
    "== 4. NATURE DE LA VIOLATION ==",
    "== 5. ORIGINE DE L'INCIDENT ==",
    "== 6. CAUSE DE L'INCIDENT ==",
    "== 7. CATÉGORIES DE DONNÉES CONCERNÉES ==",
    "== 8. CATÉGORIES DE PERSONNES CONCERNÉES ==",
    "== 9. NOMBRE DE PERSONNES ET D'ENREGISTREMENTS CONCERNÉS ==",
    "== 10. CONSÉQUENCES PROBABLES ET GRAVITÉ ==",
    "== 11. MESURES ==",
    "== 12. INFORMATION DES PERSONNES CONCERNÉES ==",
    "== 13. TRAITEMENT TRANSFRONTALIER ==",
    "== 14. AUTRES AUTORITÉS INFORMÉES ==",
    "== 15. JUSTIFICATION DU RETARD ==",
]


@pytest.fixture
async def world(client):
    return await bodies(client)


async def decided(client, world, *, detected) -> dict:
    """A commune's own breach, facts given, assessed and decided (notify, inform later)."""
    declared = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=detected
    )
    breach = await with_facts(client, declared)
    breach = await done(client, breach, "assessment", **ASSESS_FINANCIAL)
    return await done(client, breach, "decision", **DECIDE_HIGH)


async def test_cnil_document_has_every_section_and_its_file_number_is_recorded_after(client, world):
    breach = await decided(client, world, detected=ago(hours=10))

    preview = await read(client, f"/breaches/{breach['id']}/previews/cnil?phase=initial")
    assert preview["to_addrs"] == []
    body = preview["body"]
    positions = [body.index(section) for section in SECTIONS]
    assert positions == sorted(positions), "sections in the order of the CNIL form"
    assert "Notification initiale" in body
    assert "Numéro SIREN : 219100930" in body
    assert "Pierre Maire, Maire" in body
    assert f"Hélène Délégué, courriel : {COMMUNE_DPO}, téléphone : 01 46 82 80 00" in body
    assert "[x] Perte de confidentialité" in body and "[ ] Perte d'intégrité" in body
    assert "[x] Perte de disponibilité" in body
    assert "Acte externe malveillant" in body
    assert "  - Données bancaires ou financières" in body
    assert "environ 1 200 personnes (estimation)" in body
    assert "Gravité : " in body and "méthode ENISA" in body
    assert "Décision : Pas encore, elles le seront" in body
    assert "Sans objet : notification dans les 72 heures" in body
    assert await BreachNotification.all().count() == 0  # a preview writes nothing

    notified = await done(client, breach, "notifications", sent_at=iso(ago(hours=1)))
    (notification,) = notified["notifications"]
    assert notification["external_ref"] is None
    assert notification["message_subject"].startswith(
        "Notification de violation de données personnelles à la CNIL — initiale"
    )
    kept = notification["message_body"]
    assert all(section in kept for section in SECTIONS)
    assert "Référence interne : " + breach["ref"] in kept
    assert await OutboxMessage.all().count() == 0  # a document, never e-mailed

    url = f"{BREACHES}/{breach['id']}/notifications/{notification['id']}"
    stale = await client.patch(url, json={"version": breach["version"], "external_ref": "X"})
    assert stale.status_code == 409
    recorded = await client.patch(
        url, json={"version": notified["version"], "external_ref": "CNIL-2026-004217"}
    )
    assert recorded.status_code == 200, recorded.text
    after = recorded.json()
    assert after["notifications"][0]["external_ref"] == "CNIL-2026-004217"
    assert after["notifications"][0]["message_body"] == kept  # the content as sent stays
    assert after["events"][-1]["action"] == "record_cnil_reference"

    complementary = await read(
        client, f"/breaches/{breach['id']}/previews/cnil?phase=complementary"
    )
    assert "Notification complémentaire" in complementary["body"]
    assert (
        "Numéro du dossier CNIL (notification initiale) : CNIL-2026-004217" in complementary["body"]
    )


async def test_cnil_document_of_a_late_notification_gives_the_reasons(client, world):
    breach = await decided(client, world, detected=ago(hours=80))
    preview = await read(client, f"/breaches/{breach['id']}/previews/cnil")
    assert "À COMPLÉTER : obligatoire au-delà de 72 heures" in preview["body"]
    assert any("raisons du retard sont obligatoires" in w for w in preview["warnings"])

    refused = await post(client, breach, "notifications", sent_at=iso(ago(minutes=5)))
    assert_refused(refused, ["body", "late_reason"], "raisons du retard")
    reason = "Incident découvert un vendredi soir, astreinte DPO injoignable tout le week-end."
    notified = await done(
        client, breach, "notifications", sent_at=iso(ago(minutes=5)), late_reason=reason
    )
    body = notified["notifications"][0]["message_body"]
    assert "Notification faite plus de 72 heures après la prise de connaissance" in body
    assert f"Raisons du retard : {reason}" in body


async def test_file_number_only_on_a_cnil_notification(client, world):
    breach = await decided(client, world, detected=ago(hours=10))
    breach = await done(client, breach, "notifications", sent_at=iso(ago(hours=2)))
    breach = await done(
        client,
        breach,
        "notifications",
        recipient="data_subjects",
        channel="letter",
        sent_at=iso(ago(hours=1)),
    )
    people = next(n for n in breach["notifications"] if n["recipient"] == "data_subjects")
    response = await client.patch(
        f"{BREACHES}/{breach['id']}/notifications/{people['id']}",
        json={"version": breach["version"], "external_ref": "CNIL-1"},
    )
    assert_refused(response, ["body", "external_ref"], "seule une notification à la CNIL")
    # A letter: the text is kept, nothing is e-mailed.
    assert people["message_body"].startswith("Madame, Monsieur,")
    assert await OutboxMessage.all().count() == 0
    missing = await client.patch(
        f"{BREACHES}/{breach['id']}/notifications/{breach['id']}",
        json={"version": breach["version"], "external_ref": "CNIL-1"},
    )
    assert missing.status_code == 404


async def test_people_communication_by_email_sends_one_mail_per_person(client, world, smtp):
    breach = await decided(client, world, detected=ago(hours=10))
    preview = await read(client, f"/breaches/{breach['id']}/previews/people")
    body = preview["body"]
    for heading in (
        "Ce qui s'est passé",
        "Les données concernées",
        "Ce qui pourrait arriver",
        "Ce que nous avons fait",
        "Ce que vous pouvez faire",
        "Pour toute question",
    ):
        assert heading in body
    assert "ont pu voir ou copier certaines de vos données" in body
    assert "Surveillez vos relevés bancaires" in body  # financial data
    assert "Serveur isolé du réseau" in body
    assert f"délégué à la protection des données : Hélène Délégué, courriel : {COMMUNE_DPO}" in body
    assert "www.cnil.fr" in body
    for jargon in ("art.", "RGPD", "ENISA", "confidentialité"):
        assert jargon not in body, jargon

    people = ["claire.martin@usagers-exemple.fr", "jose.garcia@usagers-exemple.fr"]
    refused = await post(
        client,
        breach,
        "notifications",
        recipient="data_subjects",
        channel="letter",
        sent_at=iso(ago(minutes=5)),
        addresses=people,
    )
    assert_refused(refused, ["body", "addresses"], "par courriel")
    assert await OutboxMessage.all().count() == 0

    informed = await done(
        client,
        breach,
        "notifications",
        recipient="data_subjects",
        channel="email",
        sent_at=iso(ago(minutes=5)),
        addresses=[*people, people[0]],  # a duplicate is sent once
    )
    assert informed["inform_people"] == "yes"
    messages = await outbox()
    assert [m.to_addrs for m in messages] == [[people[0]], [people[1]]]
    assert {m.kind for m in messages} == {"breach.people_communication"}
    (notification,) = informed["notifications"]
    assert notification["message_body"] == messages[0].body_text

    report = await deliver_due(owner="test")
    assert report.sent == 2
    assert sorted(tuple(m.rcpt_tos) for m in smtp.received) == [(people[0],), (people[1],)]
    mail = smtp.received[0]
    assert "Information importante sur vos données personnelles" in mail.subject
    assert "Ce que vous pouvez faire" in mail.body and "données" in mail.body


async def test_people_communication_refused_when_the_decision_says_no(client, world):
    declared = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=3)
    )
    # A low score: deciding "risk" (above it) needs no justification of a gap (issue 15).
    breach = await done(client, declared, "assessment", **ASSESS)
    breach = await done(
        client,
        breach,
        "decision",
        risk_level="risk",
        notify_cnil=True,
        inform_people="no",
        reasons="Risque, pas élevé.",
    )
    preview = await read(client, f"/breaches/{breach['id']}/previews/people")
    assert any("ne prévoit pas d'informer" in w for w in preview["warnings"])
    refused = await post(
        client,
        breach,
        "notifications",
        recipient="data_subjects",
        channel="email",
        sent_at=iso(ago(minutes=5)),
        addresses=["claire.martin@usagers-exemple.fr"],
    )
    assert refused.status_code == 409
    assert await OutboxMessage.all().count() == 0
