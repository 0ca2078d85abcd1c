"""The journal page: a body's events newest first with French labels, protected values shown
as digests, filters and pages, and the integrity check that finds a tampered row."""

from core.audit.signing import generate_signing_key_pem
from tests.audit.helpers import events_of, sql
from tests.factories import API, FACTS, ago, bodies, declare_on, make_activity, make_org, with_facts


async def test_the_journal_lists_the_events_of_the_users_body_only(browser, make_user, client):
    world = await bodies(client)
    commune = world["commune"]
    breach = await declare_on(client, commune, [world["activity"]["id"]], detected=ago(hours=1))
    await with_facts(client, breach)
    other = await make_org(client, legal_name="Commune de Sceaux")
    await make_activity(client, controller=other, name="Cimetière de Sceaux")
    auditor = await make_user("audit@vitry.fr", (commune["id"], "auditor"))

    page = await (await browser(auditor)).get("/journal")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Événements de Commune de Vitry-sur-Seine" in text
    assert "Fiche de traitement « Inscriptions périscolaires »" in text
    assert f'href="/registre/{world["activity"]["id"]}"' in text
    assert f'href="/violations/{breach["id"]}"' in text
    assert "création" in text and "déclaration" in text and "mise à jour des faits" in text
    assert "admin-tests@registre-rgpd.test" in text  # who
    assert "valeur protégée (empreinte SHA-256" in text  # measures taken: encrypted at rest
    assert FACTS["measures_taken"] not in text
    assert "Sceaux" not in text and other["id"] not in text
    # Newest first: the facts' update comes before the declaration.
    assert text.index("mise à jour des faits") < text.index("déclaration")


async def test_a_strangers_body_journal_is_not_found(browser, make_user, client):
    world = await bodies(client)
    other = await make_org(client, legal_name="Commune de Sceaux")
    stranger = await make_user("audit@sceaux.fr", (other["id"], "auditor"))
    http = await browser(stranger)
    answer = await http.get("/journal", params={"organisme": world["commune"]["id"]})
    assert answer.status_code == 404
    assert "Vitry" not in answer.text
    rssi = await make_user("rssi@sceaux.fr", (other["id"], "security_officer"))
    assert (await (await browser(rssi)).get("/journal")).status_code == 403


async def test_the_filters_and_the_pages(browser, make_user, client, monkeypatch):
    from api.web.routes import journal as journal_pages

    monkeypatch.setattr(journal_pages, "PAGE_SIZE", 2)
    commune = await make_org(client, legal_name="Commune d'Évry")
    for name in ("Élections", "Cantine scolaire", "État civil"):
        await make_activity(client, controller=commune, name=name)
    dpo = await make_user("dpd@evry.fr", (commune["id"], "dpo"))
    http = await browser(dpo)

    first = await http.get("/journal", params={"organisme": commune["id"], "type": "activity"})
    assert "événements 1 à 2 sur 3" in first.text
    assert "« État civil »" in first.text and "« Élections »" not in first.text
    assert "Page suivante" in first.text and "Page précédente" not in first.text
    second = await http.get(
        "/journal", params={"organisme": commune["id"], "type": "activity", "page": 2}
    )
    assert "« Élections »" in second.text and "Page précédente" in second.text

    only = await http.get("/journal", params={"organisme": commune["id"], "type": "organisation"})
    assert (
        "Organisme « Commune d&#39;Évry »" in only.text
        and "Fiche de traitement" not in (only.text.split("Événements de")[1])
    )
    later = await http.get("/journal", params={"organisme": commune["id"], "debut": "2099-01-01"})
    assert "Aucun événement pour ces critères" in later.text
    bad = await http.get("/journal", params={"organisme": commune["id"], "debut": "hier"})
    assert bad.status_code == 422 and 'id="err-debut"' in bad.text


async def test_the_verification_says_intact_then_finds_a_tampered_row(
    browser, make_user, client, settings_env, tmp_path
):
    world = await bodies(client)
    commune = world["commune"]
    auditor = await make_user("audit@vitry.fr", (commune["id"], "auditor"))
    http = await browser(auditor)
    page = await http.get("/journal")
    assert "Vérifier l'intégrité du journal" in page.text
    assert 'action="/journal/verification"' in page.text

    verified = await http.get("/journal/verification")
    assert verified.status_code == 200
    assert "Journal intact" in verified.text
    assert "Clé de signature non configurée" in verified.text

    first = (await events_of(commune["id"]))[0]
    await sql("UPDATE audit_event SET actor = ? WHERE id = ?", "quelqu'un", str(first.id))
    verified = await http.get("/journal/verification")
    assert "Journal altéré" in verified.text and "Journal intact" not in verified.text
    assert "événement modifié" in verified.text
    assert str(first.id) in verified.text
    assert "Commune de Vitry-sur-Seine" in verified.text  # the chain, by its body's name

    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(generate_signing_key_pem())
    settings_env(signing_key_file=key_file)
    key = (await client.get(f"{API}/journal/public-key")).json()
    verified = await http.get("/journal/verification")
    assert key["key_id"] in verified.text
    assert key["public_key_pem"].strip().splitlines()[1] in verified.text
