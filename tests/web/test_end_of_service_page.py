"""The end of service on the convention page and its own page: steps overdue in words, a step
recorded by the controller's DPO, a refusal beside its field, another body's page a 404."""

from tests.factories import API, gosb_juvisy, make_org
from tests.web.conftest import csrf_of


async def test_gosb_juvisy_overdue_then_recorded_on_the_page(browser, make_user, client):
    world = await gosb_juvisy(client)
    convention_id = world["convention"]["id"]
    dpo = await make_user("dpd@juvisy.fr", (world["juvisy"]["id"], "dpo"))
    http = await browser(dpo)

    sheet = await http.get(f"/conventions/{convention_id}")
    assert sheet.status_code == 200
    assert "en retard depuis le 31/07/2021" in sheet.text
    assert "Preuve écrite de la destruction reçue" in sheet.text
    assert f"/conventions/{convention_id}/fin-de-service" in sheet.text

    form = await http.get(f"/conventions/{convention_id}/fin-de-service")
    assert form.status_code == 200
    token = csrf_of(form.text)
    refused = await http.post(
        f"/conventions/{convention_id}/fin-de-service",
        data={"csrf_token": token, "step": "returned", "done_on": "2021-09-15"},
    )
    assert refused.status_code == 422
    assert 'id="err-how"' in refused.text and "support, format" in refused.text

    done = await http.post(
        f"/conventions/{convention_id}/fin-de-service",
        data={
            "csrf_token": token,
            "step": "returned",
            "done_on": "2021-09-15",
            "how": "Export des bases et disques remis à la ville",
        },
    )
    assert done.status_code == 303
    shown = await http.get(done.headers["location"])
    assert "Export des bases et disques remis à la ville" in shown.text
    assert "15/09/2021" in shown.text
    assert "Retirer « Restitution des données »" in shown.text


async def test_another_bodys_end_of_service_answers_404(browser, make_user, client):
    world = await gosb_juvisy(client)
    other = await make_org(client)
    outsider = await make_user("dpd@ailleurs.fr", (other["id"], "dpo"))
    http = await browser(outsider)
    page = await http.get(f"/conventions/{world['convention']['id']}/fin-de-service")
    assert page.status_code == 404
    assert "Juvisy" not in page.text


async def test_the_dashboard_lists_the_overdue_steps_until_they_are_done(
    browser, make_user, client
):
    world = await gosb_juvisy(client)
    convention_id = world["convention"]["id"]
    processor_dpo = await make_user("dpd@gosb.fr", (world["gosb"]["id"], "dpo"))
    http = await browser(processor_dpo)
    board = (await http.get("/")).text
    assert '31/07/2021</strong> : <span class="badge red">en retard</span>' in board
    assert (
        "Fin de prestation : restitution des données, destruction des données et de leurs "
        "copies, preuve écrite de la destruction reçue" in board
    )
    # The link opens the steps on the convention's page, which every role of a party reads.
    assert f'href="/conventions/{convention_id}#fin-de-service"' in board
    auditor = await browser(await make_user("audit@juvisy.fr", (world["juvisy"]["id"], "auditor")))
    sheet = await auditor.get(f"/conventions/{convention_id}")
    assert sheet.status_code == 200 and 'id="fin-de-service"' in sheet.text

    url = f"{API}/conventions/{convention_id}/end-of-service"
    ground = "Code du patrimoine, art. L212-2 ; tri selon le tableau de gestion"
    kept = {"step": "archived", "done_on": "2021-08-02", "legal_ground": ground}
    assert (await client.post(url, json=kept)).status_code == 201
    assert "Fin de prestation" not in (await http.get("/")).text
