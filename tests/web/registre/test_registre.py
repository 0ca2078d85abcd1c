"""The Registre pages: list, record sheet, form, edit, delete, history, as each role sees them."""

import re
from html import unescape
from urllib.parse import urlencode

import httpx

from tests.factories import API, complete_record, make_activity, make_convention, make_org, read
from tests.web.conftest import csrf_of
from tests.web.registre.browser_form import BrowserForm

FORM = {"content-type": "application/x-www-form-urlencoded"}


async def post_form(http: httpx.AsyncClient, url: str, form: BrowserForm) -> httpx.Response:
    return await http.post(url, content=urlencode(form.data()), headers=FORM)


async def opened(http: httpx.AsyncClient, url: str, action: str | None = None) -> BrowserForm:
    answer = await http.get(url)
    assert answer.status_code == 200, answer.text
    return BrowserForm(answer.text, action or url)


def field_refused(html: str, name: str, says: str) -> None:
    """The refusal sits next to its field: the message under `err-<name>`, the field marked
    invalid and pointing at it, and the summary linking to the field."""
    match = re.search(rf'<p class="field-error" id="err-{re.escape(name)}">(.*?)</p>', html, re.S)
    assert match, f"no message for {name}"
    assert says in unescape(match.group(1)), match.group(1)
    control = re.search(rf'<[^>]+id="f-{re.escape(name)}"[^>]*>', html)
    assert control, f"no field f-{name}"
    assert 'aria-invalid="true"' in control.group(0), control.group(0)
    assert f"err-{name}" in control.group(0)
    assert f'href="#f-{name}"' in html


async def world(client: httpx.AsyncClient, make_user) -> dict:
    """Two communes: Vitry (its DPO, its auditor) and a neighbour with its own DPO."""
    vitry = await make_org(client, legal_name="Commune de Vitry-sur-Seine")
    voisine = await make_org(client, legal_name="Commune voisine")
    return {
        "vitry": vitry,
        "voisine": voisine,
        "dpo": await make_user("dpd@vitry.fr", (vitry["id"], "dpo")),
        "auditor": await make_user("audit@vitry.fr", (vitry["id"], "auditor")),
        "other_dpo": await make_user("dpd@voisine.fr", (voisine["id"], "dpo")),
    }


# List ---------------------------------------------------------------------------------------


async def test_the_list_shows_the_users_bodies_only_and_filters_and_search_work(
    browser, make_user, client
):
    w = await world(client, make_user)
    civil = await make_activity(
        client,
        controller=w["vitry"],
        name="État civil",
        ref="VIT-01",
        status="finished",
        **complete_record(),
    )
    payroll = await make_activity(
        client, controller=w["vitry"], name="Paie des agents", next_review="2020-01-31"
    )
    foreign = await make_activity(client, controller=w["voisine"], name="État civil voisin")

    http = await browser(w["dpo"])
    page = (await http.get("/registre")).text
    assert f'href="/registre/{civil["id"]}"' in page and "État civil" in page
    assert f'href="/registre/{payroll["id"]}"' in page
    assert foreign["id"] not in page and "voisin" not in page
    assert "Nouvelle fiche" in page
    assert "2 fiches" in page
    # The draft lacks its mandatory items; its review date is past.
    assert "6 manquantes" in page and "en retard" in page

    found = (await http.get("/registre", params={"q": "etat civil"})).text
    assert civil["id"] in found and payroll["id"] not in found
    found = (await http.get("/registre", params={"q": "ÉTAT"})).text
    assert civil["id"] in found and payroll["id"] not in found

    drafts = (await http.get("/registre", params={"statut": "draft"})).text
    assert payroll["id"] in drafts and civil["id"] not in drafts
    by_basis = (await http.get("/registre", params={"base": "legal_obligation"})).text
    assert civil["id"] in by_basis and payroll["id"] not in by_basis
    overdue = (await http.get("/registre", params={"revue": "depassee"})).text
    assert payroll["id"] in overdue and civil["id"] not in overdue
    by_category = (await http.get("/registre", params={"categorie": "civil_status"})).text
    assert civil["id"] in by_category and payroll["id"] not in by_category
    sensitive = (await http.get("/registre", params={"sensibles": "oui"})).text
    assert "0 fiche" in sensitive

    # The dashboard's link preselects the body; another body's id finds nothing of it.
    mine = (await http.get("/registre", params={"organisme": w["vitry"]["id"]})).text
    assert f'<option value="{w["vitry"]["id"]}" selected>' in mine and civil["id"] in mine
    assert w["voisine"]["id"] not in mine  # not even among the bodies offered
    assert f'href="/registre/nouvelle?organisme={w["vitry"]["id"]}"' in mine
    theirs = (await http.get("/registre", params={"organisme": w["voisine"]["id"]})).text
    assert foreign["id"] not in theirs and "0 fiche" in theirs


async def test_the_list_is_paged_by_fifty(browser, make_user, client):
    w = await world(client, make_user)
    for n in range(51):
        await make_activity(client, controller=w["vitry"], name=f"Traitement {n:02d}")
    http = await browser(w["dpo"])
    first = (await http.get("/registre", params={"q": "traitement"})).text
    assert "51 fiches" in first and "Page 1 sur 2" in first
    assert "Traitement 49" in first and "Traitement 50" not in first
    assert 'href="/registre?q=traitement&amp;page=2"' in first and "Page précédente" not in first
    second = (await http.get("/registre", params={"q": "traitement", "page": 2})).text
    assert "Traitement 50" in second and "Traitement 49" not in second
    assert "Page précédente" in second and "Page suivante" not in second


# Creating -----------------------------------------------------------------------------------


async def test_a_finished_record_created_through_the_form_reads_the_same_through_the_api(
    browser, make_user, client
):
    w = await world(client, make_user)
    ept = await make_org(client, kind="ept", legal_name="EPT Grand-Orly Seine Bièvre")
    convention = await make_convention(
        client, processor=ept, controller=w["vitry"], title="Convention informatique"
    )
    measure = (
        await client.post(
            f"{API}/measures",
            json={"organisation_id": w["vitry"]["id"], "title": "Sauvegardes chiffrées"},
        )
    ).json()
    http = await browser(w["dpo"])
    form = await opened(http, "/registre/nouvelle")
    # One editable body: it is chosen already.
    assert form.value("controller_id") == w["vitry"]["id"]
    form.set("ref", "VIT-12").set("name", "Inscriptions scolaires").set("status", "finished")
    form.set("description", "Inscription des enfants dans les écoles de la commune.")
    form.set("software", "Concerto").set("collection_method", "web_form")
    form.set("purposes", "Inscription scolaire\nAffectation dans les écoles")
    form.set("legal_basis", "public_task").set("legal_basis_detail", "Code de l'éducation")
    form.tick("data_subject_categories", "minors", "users")
    form.tick("data_categories", "civil_status", "personal_life")
    form.tick("special_categories", "health")
    form.set("art9_condition", "Art. 9.2.g : accueil des enfants (PAI)")
    form.set("retention-0-data_category", "civil_status").set("retention-0-value", "3")
    form.set("retention-0-unit", "year").set("retention-0-start_event", "fin de scolarité")
    form.set("retention-0-final_disposition", "destruction")
    form.set("recipients-0-kind", "internal").set("recipients-0-name", "Service scolaire")
    form.set("recipients-1-kind", "processor").set("recipients-1-name", "EPT (hébergement)")
    form.set("transfers-0-country", "us").set("transfers-0-recipient", "Éditeur du logiciel")
    form.set("transfers-0-mechanism", "scc_46_2c")
    form.tick("convention_ids", convention["id"])
    form.tick("security_measure_ids", measure["id"])
    form.tick("dpia_criteria", "vulnerable_people", "sensitive_data")
    form.set("dpia_ref", "AIPD-2025-03").set("next_review", "2027-06-30")

    answer = await post_form(http, "/registre/nouvelle", form)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.endswith("?fait=activite-creee")
    activity_id = location.split("/")[2].split("?")[0]

    saved = await read(client, f"/activities/{activity_id}")
    assert saved["controller_id"] == w["vitry"]["id"]
    assert saved["ref"] == "VIT-12" and saved["name"] == "Inscriptions scolaires"
    assert saved["status"] == "finished" and saved["collection_method"] == "web_form"
    assert saved["purposes"] == ["Inscription scolaire", "Affectation dans les écoles"]
    assert saved["legal_basis"] == "public_task" and saved["performed_in_public_tasks"] is True
    assert saved["legal_basis_detail"] == "Code de l'éducation"
    assert sorted(saved["data_subject_categories"]) == ["minors", "users"]
    assert sorted(saved["data_categories"]) == ["civil_status", "personal_life"]
    assert saved["special_categories"] == ["health"]
    assert saved["art9_condition"] == "Art. 9.2.g : accueil des enfants (PAI)"
    assert saved["retention"] == [
        {
            "data_category": "civil_status",
            "value": 3,
            "unit": "year",
            "start_event": "fin de scolarité",
            "criteria": None,
            "final_disposition": "destruction",
        }
    ]
    assert [(r["kind"], r["name"]) for r in saved["recipients"]] == [
        ("internal", "Service scolaire"),
        ("processor", "EPT (hébergement)"),
    ]
    assert [(t["country"], t["recipient"], t["mechanism"]) for t in saved["transfers"]] == [
        ("US", "Éditeur du logiciel", "scc_46_2c")
    ]
    assert saved["convention_ids"] == [convention["id"]]
    assert saved["security_measure_ids"] == [measure["id"]]
    assert saved["dpia_required"] is True and saved["dpia_ref"] == "AIPD-2025-03"
    assert saved["next_review"] == "2027-06-30" and saved["missing_fields"] == []

    sheet = await http.get(location)
    assert sheet.status_code == 200
    text = sheet.text
    assert "Fiche de traitement créée." in text
    assert "VIT-12 — Inscriptions scolaires" in text
    assert "Mission d&#39;intérêt public (art. 6.1.e)" in text
    assert "Données de santé" in text and "Art. 9.2.g" in text
    assert "Convention informatique" in text and "EPT Grand-Orly Seine Bièvre" in text
    assert "Sauvegardes chiffrées" in text and "30/06/2027" in text
    assert "Mentions obligatoires manquantes" not in text
    assert "<td>3 ans</td>" in text  # the retention period agrees with its count


async def refused(http, form: BrowserForm) -> httpx.Response:
    answer = await post_form(http, "/registre/nouvelle", form)
    assert answer.status_code == 422, answer.text
    return answer


async def test_a_refused_form_says_why_next_to_the_field_keeps_what_was_typed_and_writes_nothing(
    browser, make_user, client
):
    w = await world(client, make_user)
    http = await browser(w["dpo"])

    form = await opened(http, "/registre/nouvelle")
    form.set("name", "Vidéoprotection de la mairie").set("legal_basis", "legitimate_interest")
    form.set("purposes", "Sécurité des bâtiments")
    answer = await refused(http, form)
    field_refused(answer.text, "legal_basis", "l'intérêt légitime ne peut pas fonder")
    kept = BrowserForm(answer.text, "/registre/nouvelle")
    assert kept.value("name") == "Vidéoprotection de la mairie"
    assert kept.value("legal_basis") == "legitimate_interest"
    assert kept.value("purposes").strip() == "Sécurité des bâtiments"
    assert kept.ticked("performed_in_public_tasks") == ["oui"]

    form = await opened(http, "/registre/nouvelle")
    form.set("name", "État civil").set("status", "finished").set("legal_basis", "legal_obligation")
    form.tick("data_subject_categories", "citizens").tick("data_categories", "civil_status")
    form.set("retention-0-data_category", "civil_status").set("retention-0-value", "75")
    form.set("retention-0-unit", "year").set("retention-0-final_disposition", "versement")
    form.set("recipients-0-kind", "internal").set("recipients-0-name", "Service population")
    answer = await refused(http, form)
    field_refused(answer.text, "purposes", "finalités : obligatoire")
    kept = BrowserForm(answer.text, "/registre/nouvelle")
    assert kept.value("retention-0-value") == "75" and kept.value("retention-0-unit") == "year"
    assert kept.value("recipients-0-name") == "Service population"
    assert kept.ticked("data_categories") == ["civil_status"]

    # A row with a value but no unit; the empty row before it is dropped and the rows are
    # numbered again, so the message sits on the row the page shows.
    form = await opened(http, "/registre/nouvelle")
    form.set("name", "Cantine").tick("data_categories", "civil_status")
    form.set("retention-1-data_category", "civil_status").set("retention-1-value", "2")
    form.set("retention-1-final_disposition", "destruction")
    answer = await refused(http, form)
    field_refused(answer.text, "retention-0-unit", "valeur et son unité")
    assert "Durée n° 1, unité : une durée se donne" in unescape(answer.text)  # the summary
    kept = BrowserForm(answer.text, "/registre/nouvelle")
    assert kept.value("retention-0-value") == "2"
    assert kept.value("retention-1-value") == kept.value("retention-2-value") == ""

    # Special categories without the art. 9.2 exception.
    form = await opened(http, "/registre/nouvelle")
    form.set("name", "Médecine préventive").tick("special_categories", "health")
    answer = await refused(http, form)
    field_refused(answer.text, "art9_condition", "art. 9.2")

    listed = await read(client, "/activities")
    assert listed["total"] == 0


async def test_a_body_outside_the_users_scope_is_refused_on_the_form(browser, make_user, client):
    w = await world(client, make_user)
    http = await browser(w["dpo"])
    form = await opened(http, "/registre/nouvelle")
    form.fields.append(["controller_id", w["voisine"]["id"], "text", None])
    form.fields = [f for f in form.fields if not (f[0] == "controller_id" and f[2] == "select")]
    form.set("name", "Intrusion")
    answer = await refused(http, form)
    field_refused(answer.text, "controller_id", "organisme inconnu")
    assert (await read(client, "/activities"))["total"] == 0


# Editing ------------------------------------------------------------------------------------


async def test_editing_saves_the_change_and_a_stale_version_is_refused(browser, make_user, client):
    w = await world(client, make_user)
    activity = await make_activity(
        client,
        controller=w["vitry"],
        name="État civil",
        recipients=[
            {"kind": "external_org", "name": "INSEE", "organisation_id": w["voisine"]["id"]}
        ],
    )
    http = await browser(w["dpo"])
    url = f"/registre/{activity['id']}/modifier"
    form = await opened(http, url)
    assert form.value("version") == "1" and form.value("name") == "État civil"
    assert form.value("recipients-0-name") == "INSEE"
    stale = await opened(http, url)

    form.set("software", "Logiciel d'état civil").set("next_review", "2026-12-01")
    answer = await post_form(http, url, form)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/registre/{activity['id']}?fait=activite-modifiee"
    saved = await read(client, f"/activities/{activity['id']}")
    assert saved["software"] == "Logiciel d'état civil" and saved["version"] == 2
    assert saved["recipients"] == activity["recipients"]  # untouched rows stay as they were

    # Someone else's page, read at version 1, is refused and its typing is kept on the page.
    stale.set("name", "Registre d'état civil")
    answer = await post_form(http, url, stale)
    assert answer.status_code == 409
    assert "modifiée entre-temps par quelqu&#39;un d&#39;autre : rechargez-la" in answer.text
    assert BrowserForm(answer.text, url).value("name") == "Registre d'état civil"
    saved = await read(client, f"/activities/{activity['id']}")
    assert saved["name"] == "État civil" and saved["version"] == 2


async def test_deleting_asks_first_then_removes_the_record(browser, make_user, client):
    w = await world(client, make_user)
    activity = await make_activity(client, controller=w["vitry"], name="Fichier obsolète")
    http = await browser(w["dpo"])
    confirm = await http.get(f"/registre/{activity['id']}/supprimer")
    assert confirm.status_code == 200
    assert "Supprimer la fiche « Fichier obsolète » ?" in confirm.text
    form = BrowserForm(confirm.text, f"/registre/{activity['id']}/supprimer")
    assert form.value("version") == "1"

    await client.patch(f"{API}/activities/{activity['id']}", json={"version": 1, "ref": "X"})
    answer = await post_form(http, f"/registre/{activity['id']}/supprimer", form)
    assert answer.status_code == 409 and "modifiée entre-temps" in answer.text
    assert (await client.get(f"{API}/activities/{activity['id']}")).status_code == 200

    form = BrowserForm(answer.text, f"/registre/{activity['id']}/supprimer")
    answer = await post_form(http, f"/registre/{activity['id']}/supprimer", form)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/registre?fait=activite-supprimee"
    assert (await client.get(f"{API}/activities/{activity['id']}")).status_code == 404
    assert "Fiche de traitement supprimée." in (await http.get(answer.headers["location"])).text


# Roles and bodies ---------------------------------------------------------------------------


async def test_an_auditor_reads_but_gets_no_edit_button_and_403_on_the_edit_pages(
    browser, make_user, client
):
    w = await world(client, make_user)
    activity = await make_activity(client, controller=w["vitry"], name="État civil")
    http = await browser(w["auditor"])
    listing = (await http.get("/registre")).text
    assert activity["id"] in listing and "Nouvelle fiche" not in listing
    sheet = await http.get(f"/registre/{activity['id']}")
    assert sheet.status_code == 200 and "État civil" in sheet.text
    assert "/modifier" not in sheet.text and "/supprimer" not in sheet.text
    assert "Historique des modifications" in sheet.text  # auditors read the journal

    token = csrf_of(listing)
    for path in ("/registre/nouvelle", f"/registre/{activity['id']}/modifier"):
        assert (await http.get(path)).status_code == 403, path
        posted = await http.post(path, data={"csrf_token": token, "name": "Piratage"})
        assert posted.status_code == 403, path
    assert (await http.get(f"/registre/{activity['id']}/supprimer")).status_code == 403
    posted = await http.post(
        f"/registre/{activity['id']}/supprimer", data={"csrf_token": token, "version": "1"}
    )
    assert posted.status_code == 403
    saved = await read(client, f"/activities/{activity['id']}")
    assert saved["name"] == "État civil" and saved["version"] == 1


async def test_another_bodys_record_is_404_on_every_page(browser, make_user, client):
    w = await world(client, make_user)
    theirs = await make_activity(client, controller=w["voisine"], name="Fichier du voisin")
    http = await browser(w["dpo"])
    token = csrf_of((await http.get("/registre")).text)
    base = f"/registre/{theirs['id']}"
    for path in (base, f"{base}/modifier", f"{base}/supprimer"):
        answer = await http.get(path)
        assert answer.status_code == 404, path
        assert "Fichier du voisin" not in answer.text
    for path in (f"{base}/modifier", f"{base}/supprimer"):
        answer = await http.post(path, data={"csrf_token": token, "version": "1", "name": "x"})
        assert answer.status_code == 404, path
    assert (await http.get("/registre/pas-un-identifiant")).status_code == 404
    saved = await read(client, f"/activities/{theirs['id']}")
    assert saved["name"] == "Fichier du voisin" and saved["version"] == 1


async def test_the_history_shows_the_creation_and_the_changed_field(browser, make_user, client):
    w = await world(client, make_user)
    http = await browser(w["dpo"])
    form = await opened(http, "/registre/nouvelle")
    form.set("name", "Listes électorales").set("legal_basis", "legal_obligation")
    answer = await post_form(http, "/registre/nouvelle", form)
    assert answer.status_code == 303, answer.text
    sheet_url = answer.headers["location"].split("?")[0]

    form = await opened(http, f"{sheet_url}/modifier")
    form.set("legal_basis", "public_task")
    answer = await post_form(http, f"{sheet_url}/modifier", form)
    assert answer.status_code == 303, answer.text

    sheet = (await http.get(sheet_url)).text
    history = sheet[sheet.index("Historique des modifications") :]
    assert "Création" in history and "Modification" in history
    assert "dpd@vitry.fr" in history
    assert "<strong>Base légale</strong>" in history
    change = unescape(history[history.index("<strong>Base légale</strong>") :])
    assert change.startswith(
        '<strong>Base légale</strong> : <span class="before">Obligation légale (art. 6.1.c)'
        '</span> → <span class="after">Mission d\'intérêt public (art. 6.1.e)</span>'
    )
    assert history.index("Modification") < history.index("Création")  # newest first

    # A DPO's role reads the journal; a security officer's does not: no history for them.
    rssi = await make_user("rssi@vitry.fr", (w["vitry"]["id"], "security_officer"))
    page = (await (await browser(rssi)).get(sheet_url)).text
    assert "Listes électorales" in page and "Historique des modifications" not in page
