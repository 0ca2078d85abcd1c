"""The sub-processor's page (art. 28(2)): the controller's DPO records an objection with CSRF;
the page flags it on both sides; the processor gets no form; another body a 404."""

from datetime import timedelta

from markupsafe import escape

from core.clock import today_local
from tests.factories import API, bodies, make_org
from tests.web.conftest import csrf_of


async def _world(client, make_user):
    world = await bodies(client, subprocessor_authorisation="general", subprocessor_notice_days=30)
    created = await client.post(
        f"{API}/subprocessors",
        json={
            "processor_id": world["ept"]["id"],
            "name": "Cloud Atlantique Inc.",
            "services": "Sauvegardes externalisées",
            "country": "US",
            "data_locations": ["US"],
            "transfer_mechanism": "scc_46_2c",
            "authorisation": "general",
            "contract_start": (today_local() + timedelta(days=40)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    return {
        **world,
        "engagement": created.json(),
        "commune_dpo": await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo")),
        "ept_dpo": await make_user("dpd@ept.fr", (world["ept"]["id"], "dpo")),
    }


async def test_the_controllers_dpo_objects_and_both_sides_see_the_objection(
    client, make_user, browser
):
    w = await _world(client, make_user)
    path = f"/sous-traitants/{w['engagement']['id']}"
    commune = await browser(w["commune_dpo"])
    home = (await commune.get("/")).text
    assert "Sous-traitants ultérieurs en attente de votre réponse" in home
    assert f'<a href="{path}">Cloud Atlantique Inc.</a>' in home
    assert "réponse attendue de : Commune de Vitry-sur-Seine." in home
    sheet = (await commune.get(path)).text
    assert "Notifié, délai d&#39;opposition en cours" in sheet
    assert "Votre réponse" in sheet
    party = f"{w['convention']['id']}:{w['commune']['id']}"
    answer = {"party": party, "answer": "object", "comment": "Pas de transfert hors de l'Union"}

    forged = await commune.post(f"{path}/reponse", data=answer)
    assert forged.status_code == 403
    posted = await commune.post(f"{path}/reponse", data={**answer, "csrf_token": csrf_of(sheet)})

    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == f"{path}#t-reponses"
    after = (await commune.get(path)).text
    assert "Objection en cours" in after
    assert str(escape("Pas de transfert hors de l'Union")) in after
    assert "dpd@vitry.fr" in after  # who answered
    ept = await browser(w["ept_dpo"])
    seen_by_processor = (await ept.get(path)).text
    assert "Objection en cours" in seen_by_processor
    assert str(escape("Objection de la Commune de Vitry-sur-Seine")) in seen_by_processor
    assert "Votre réponse" not in seen_by_processor
    convention_page = (await commune.get(f"/conventions/{w['convention']['id']}")).text
    assert f'<a href="{path}">Cloud Atlantique Inc.</a>' in convention_page
    assert "<td>Objection en cours</td>" in convention_page
    # Answered: no longer waiting on the dashboard; the processor is never asked.
    assert "Cloud Atlantique" not in (await commune.get("/")).text
    assert "Sous-traitants ultérieurs en attente" not in (await ept.get("/")).text


async def test_an_answer_the_regime_does_not_allow_is_sent_back_beside_its_field(
    client, make_user, browser
):
    w = await _world(client, make_user)
    path = f"/sous-traitants/{w['engagement']['id']}"
    commune = await browser(w["commune_dpo"])
    sheet = (await commune.get(path)).text

    refused = await commune.post(
        f"{path}/reponse",
        data={
            "party": f"{w['convention']['id']}:{w['commune']['id']}",
            "answer": "authorise",
            "csrf_token": csrf_of(sheet),
        },
    )

    assert refused.status_code == 422
    assert "donne une autorisation générale" in refused.text
    assert (await client.get(f"{API}/subprocessors/{w['engagement']['id']}/answers")).json() == []


async def test_another_bodys_dpo_gets_a_404(client, make_user, browser):
    w = await _world(client, make_user)
    other = await make_org(client, legal_name="Commune de Villejuif (essai)")
    outsider = await browser(await make_user("dpd@villejuif.fr", (other["id"], "dpo")))

    response = await outsider.get(f"/sous-traitants/{w['engagement']['id']}")

    assert response.status_code == 404
    assert "Cloud Atlantique" not in response.text


async def test_a_too_long_comment_is_sent_back_beside_the_comment(client, make_user, browser):
    w = await _world(client, make_user)
    path = f"/sous-traitants/{w['engagement']['id']}"
    commune = await browser(w["commune_dpo"])
    sheet = (await commune.get(path)).text
    party = f"{w['convention']['id']}:{w['commune']['id']}"

    refused = await commune.post(
        f"{path}/reponse",
        data={
            "party": party,
            "answer": "object",
            "comment": "x" * 20001,  # LongText allows 20 000 characters
            "csrf_token": csrf_of(sheet),
        },
    )

    assert refused.status_code == 422, refused.text
    assert 'id="err-comment"' in refused.text
    assert 'id="err-answer"' not in refused.text and 'id="err-party"' not in refused.text
    assert (await client.get(f"{API}/subprocessors/{w['engagement']['id']}/answers")).json() == []
    kept = await commune.post(
        f"{path}/reponse",
        data={
            "party": party,
            "answer": "object",
            "comment": "x" * 20000,
            "csrf_token": csrf_of(sheet),
        },
    )
    assert kept.status_code == 303, kept.text


async def test_a_bad_choice_is_a_422_beside_its_field_and_a_bad_id_a_404(
    client, make_user, browser
):
    w = await _world(client, make_user)
    path = f"/sous-traitants/{w['engagement']['id']}"
    commune = await browser(w["commune_dpo"])
    sheet = (await commune.get(path)).text
    token = csrf_of(sheet)

    unreadable = await commune.post(
        f"{path}/reponse",
        data={"party": "pas-un-identifiant", "answer": "object", "csrf_token": token},
    )
    assert unreadable.status_code == 422, unreadable.text  # not a 404: the sheet exists
    assert 'id="err-party"' in unreadable.text and 'id="err-answer"' not in unreadable.text
    no_answer = await commune.post(
        f"{path}/reponse",
        data={"party": f"{w['convention']['id']}:{w['commune']['id']}", "csrf_token": token},
    )
    assert no_answer.status_code == 422 and 'id="err-answer"' in no_answer.text

    assert (await commune.get("/sous-traitants/pas-un-identifiant")).status_code == 404
    bad_id = await commune.post(
        "/sous-traitants/pas-un-identifiant/reponse", data={"answer": "object", "csrf_token": token}
    )
    assert bad_id.status_code == 404
