"""The exports page: documents of the user's bodies only, in the format chosen, the calendar,
the signed evidence bundle, and the register import with its dry run."""

import io
from urllib.parse import parse_qs, urlsplit

import openpyxl
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from core.audit.signing import generate_signing_key_pem
from core.evidence import verify_bundle
from tests.exports.test_export_api import read_csv, read_xlsx
from tests.factories import API, ago, bodies, declare_on, make_activity, make_org, read
from tests.web.conftest import csrf_of

VITRY = "Commune de Vitry-sur-Seine"


async def names_of(client, org_id: str) -> list[str]:
    items = (await read(client, f"/activities?controller_id={org_id}&limit=200"))["items"]
    return sorted(a["name"] for a in items)


async def test_the_export_page_offers_only_the_users_bodies(browser, make_user, client):
    world = await bodies(client)
    await make_org(client, legal_name="Commune de Sceaux")
    auditor = await make_user("audit@vitry.fr", (world["commune"]["id"], "auditor"))
    page = await (await browser(auditor)).get("/exports")
    assert page.status_code == 200
    assert f'<option value="{world["commune"]["id"]}"' in page.text
    assert VITRY in page.text
    assert world["ept"]["id"] not in page.text and "Sceaux" not in page.text
    assert "Registre du responsable (art. 30.1)" in page.text
    assert "CSV (point-virgule, Excel)" in page.text
    assert f"/api/v1/organisations/{world['commune']['id']}/calendar.ics" in page.text
    assert "/exports/import" not in page.text  # an auditor cannot import
    assert "Clé de signature non configurée" in page.text


async def test_a_role_without_export_gets_a_refusal(browser, make_user, client):
    world = await bodies(client)
    rssi = await make_user("rssi@vitry.fr", (world["commune"]["id"], "security_officer"))
    http = await browser(rssi)
    answer = await http.get("/exports")
    assert answer.status_code == 403 and "Accès refusé" in answer.text
    assert 'href="/exports"' not in answer.text  # not in the navigation either
    answer = await http.get(
        "/exports/telecharger",
        params={
            "organisme": world["commune"]["id"],
            "document": "controller-record",
            "format": "xlsx",
        },
    )
    assert answer.status_code == 404


async def test_the_download_gives_the_xlsx_of_the_chosen_body(browser, make_user, client):
    world = await bodies(client)
    other = await make_org(client, legal_name="Commune de Sceaux")
    await make_activity(client, controller=world["commune"], name="Élections municipales")
    await make_activity(client, controller=other, name="Cimetière de Sceaux")
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    answer = await http.get(
        "/exports/telecharger",
        params={
            "organisme": world["commune"]["id"],
            "document": "controller-record",
            "format": "xlsx",
        },
    )
    assert answer.status_code == 303
    target = answer.headers["location"]
    assert target.startswith(
        f"{API}/organisations/{world['commune']['id']}/exports/controller-record?"
    )
    assert parse_qs(urlsplit(target).query) == {"format": ["xlsx"]}
    done = await http.get(target)  # the same session cookie
    assert done.status_code == 200, done.text
    book = openpyxl.load_workbook(io.BytesIO(done.content))
    assert book.worksheets
    names = {r["Nom / sigle"] for r in read_xlsx(done.content)["Activités de traitement"]}
    assert names == {"Élections municipales", "Inscriptions périscolaires"}


async def test_the_csv_for_excel_and_the_breach_register_of_a_period(browser, make_user, client):
    world = await bodies(client)
    await declare_on(client, world["commune"], [world["activity"]["id"]], detected=ago(hours=2))
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    answer = await http.get(
        "/exports/telecharger",
        params={
            "organisme": world["commune"]["id"],
            "document": "controller-record",
            "format": "csv-point-virgule",
        },
    )
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query == {"format": ["csv"], "separator": ["semicolon"]}
    rows = read_csv((await http.get(answer.headers["location"])).content, ";")
    assert [r["Nom / sigle"] for r in rows] == ["Inscriptions périscolaires"]

    answer = await http.get(
        "/exports/telecharger",
        params={
            "organisme": world["commune"]["id"],
            "document": "breach-register",
            "format": "csv",
            "debut": "2020-01-01",
            "fin": "2099-12-31",
        },
    )
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["from"][0].startswith("2020-01-01T00:00:00+01:00")
    assert query["to"][0] == "2100-01-01T00:00:00+01:00"  # the whole last day, Paris time
    rows = read_csv((await http.get(answer.headers["location"])).content, ",")
    assert len(rows) == 1 and rows[0]["Incident"] == "Rançongiciel sur le serveur de fichiers"

    answer = await http.get(
        "/exports/telecharger",
        params={
            "organisme": world["commune"]["id"],
            "document": "breach-register",
            "format": "csv",
            "debut": "2020-01-01",
            "fin": "2021-01-01",
        },
    )
    rows = read_csv((await http.get(answer.headers["location"])).content, ",")
    assert rows == []


async def test_a_strangers_body_in_the_download_url_is_not_found(browser, make_user, client):
    world = await bodies(client)
    other = await make_org(client, legal_name="Commune de Sceaux")
    stranger = await make_user("audit@sceaux.fr", (other["id"], "auditor"))
    http = await browser(stranger)
    answer = await http.get(
        "/exports/telecharger",
        params={
            "organisme": world["commune"]["id"],
            "document": "controller-record",
            "format": "xlsx",
        },
    )
    assert answer.status_code == 404 and "Page introuvable" in answer.text
    direct = await http.get(
        f"{API}/organisations/{world['commune']['id']}/exports/controller-record?format=xlsx"
    )
    assert direct.status_code == 404


async def test_a_bad_choice_is_said_beside_its_field(browser, make_user, client):
    world = await bodies(client)
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    answer = await (await browser(dpo)).get(
        "/exports/telecharger",
        params={
            "organisme": world["commune"]["id"],
            "document": "breach-register",
            "format": "docx",
            "debut": "2026-03-10",
            "fin": "2026-03-01",
        },
    )
    assert answer.status_code == 422
    assert 'id="err-format"' in answer.text and "choisissez un format" in answer.text
    assert 'id="err-fin"' in answer.text and "la fin de la période doit suivre son début" in (
        answer.text
    )
    assert 'value="2026-03-10"' in answer.text  # what was typed is kept


async def test_the_evidence_bundle_is_signed_and_verifies(
    browser, make_user, client, settings_env, tmp_path
):
    world = await bodies(client)
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    token = csrf_of((await http.get("/exports")).text)
    form = {"csrf_token": token, "organismes": world["commune"]["id"]}
    missing = await http.post("/exports/lot-de-preuves", data=form)
    assert missing.status_code == 404 and "Clé de signature non configurée" in missing.text

    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(generate_signing_key_pem())
    settings_env(signing_key_file=key_file)
    page = await http.get("/exports")
    assert "Identifiant de la clé" in page.text and "BEGIN PUBLIC KEY" in page.text
    answer = await http.post("/exports/lot-de-preuves", data={**form, "lot-debut": "2020-01-01"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    pem = (await read(client, "/journal/public-key"))["public_key_pem"]
    check = verify_bundle(answer.content, load_pem_public_key(pem.encode()))
    assert check.intact, check.problems

    none = await http.post("/exports/lot-de-preuves", data={"csrf_token": token})
    assert none.status_code == 422 and "cochez au moins un organisme" in none.text
    forged = await http.post("/exports/lot-de-preuves", data={"organismes": form["organismes"]})
    assert forged.status_code == 403


async def test_the_bundle_of_a_strangers_body_is_not_found(
    browser, make_user, client, settings_env, tmp_path
):
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(generate_signing_key_pem())
    settings_env(signing_key_file=key_file)
    world = await bodies(client)
    other = await make_org(client, legal_name="Commune de Sceaux")
    stranger = await make_user("audit@sceaux.fr", (other["id"], "auditor"))
    http = await browser(stranger)
    token = csrf_of((await http.get("/exports")).text)
    answer = await http.post(
        "/exports/lot-de-preuves",
        data={"csrf_token": token, "organismes": [other["id"], world["commune"]["id"]]},
    )
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")


# The import -----------------------------------------------------------------------------------


def workbook(*rows: list[str]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER = ["Nom / sigle", "Statut de la fiche", "Base légale", "Prochaine revue"]


async def upload(http, token: str, org_id: str, data: bytes, *, dry_run: bool, name="r.xlsx"):
    form = {"organisme": org_id}
    if dry_run:
        form["essai"] = "on"
    return await http.post(
        f"/exports/import?csrf_token={token}", data=form, files={"fichier": (name, data)}
    )


async def test_an_import_with_a_mistake_lists_it_and_writes_nothing_then_a_clean_file_imports(
    browser, make_user, client
):
    target = await make_org(client, legal_name="Commune de Palaiseau")
    dpo = await make_user("dpd@palaiseau.fr", (target["id"], "dpo"))
    http = await browser(dpo)
    form = await http.get("/exports/import")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text
    assert 'name="essai" value="on" checked' in form.text  # a dry run unless unticked
    token = csrf_of(form.text)
    assert f'action="/exports/import?csrf_token={token}"' in form.text

    wrong = workbook(
        HEADER,
        ["Fichier des usagers", "Brouillon", "Mission d'intérêt public", "31/12/2027"],
        ["Vidéoprotection", "Brouillon", "Bon vouloir du maire", "31/12/2027"],
    )
    answer = await upload(http, token, target["id"], wrong, dry_run=True)
    assert answer.status_code == 422
    assert "Rien n'a été importé" in answer.text
    assert '<td class="num">3</td>' in answer.text and "<td>C</td>" in answer.text
    assert "Base légale" in answer.text
    assert await names_of(client, target["id"]) == []
    # Without a dry run the same file is refused the same way.
    answer = await upload(http, token, target["id"], wrong, dry_run=False)
    assert answer.status_code == 422 and "<td>C</td>" in answer.text
    assert await names_of(client, target["id"]) == []

    clean = workbook(
        HEADER,
        ["Fichier des usagers", "Brouillon", "Mission d'intérêt public", "31/12/2027"],
        ["Vidéoprotection", "Brouillon", "Mission d'intérêt public", "31/12/2027"],
    )
    dry = await upload(http, token, target["id"], clean, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert "Aucun problème" in dry.text and "2 activités prêtes à être importées" in dry.text
    assert "n'est pas conservé" in dry.text
    assert 'name="essai" value="on" checked' not in dry.text  # next: for real
    assert await names_of(client, target["id"]) == []

    done = await upload(http, token, target["id"], clean, dry_run=False)
    assert done.status_code == 200, done.text
    assert "2 activités créées" in done.text
    assert await names_of(client, target["id"]) == ["Fichier des usagers", "Vidéoprotection"]
    assert 'href="/registre/' in done.text


async def test_an_import_form_refusal_is_beside_its_field(browser, make_user, client):
    target = await make_org(client, legal_name="Commune de Massy")
    dpo = await make_user("dpd@massy.fr", (target["id"], "dpo"))
    http = await browser(dpo)
    token = csrf_of((await http.get("/exports/import")).text)
    answer = await upload(http, token, target["id"], b"x", dry_run=True, name="registre.docx")
    assert answer.status_code == 422
    assert 'id="err-fichier"' in answer.text and "CSV, XLSX ou ODS" in answer.text
    answer = await upload(
        http, token, target["id"], b"PK\x03\x04 pas un classeur", dry_run=True, name="registre.ods"
    )
    assert answer.status_code == 422 and 'id="err-fichier"' in answer.text
    assert f'<option value="{target["id"]}" selected' in answer.text


async def test_the_import_is_refused_without_the_token_or_the_right(browser, make_user, client):
    world = await bodies(client)
    other = await make_org(client, legal_name="Commune de Sceaux")
    dpo = await make_user("dpd@sceaux.fr", (other["id"], "dpo"))
    http = await browser(dpo)
    token = csrf_of((await http.get("/exports/import")).text)
    data = workbook(HEADER, ["Annuaire", "Brouillon", "Mission d'intérêt public", ""])
    forged = await http.post(
        "/exports/import", data={"organisme": other["id"]}, files={"fichier": ("r.xlsx", data)}
    )
    assert forged.status_code == 403
    stranger = await upload(http, token, world["commune"]["id"], data, dry_run=False)
    assert stranger.status_code == 404
    assert await names_of(client, world["commune"]["id"]) == ["Inscriptions périscolaires"]

    auditor = await make_user("audit@sceaux.fr", (other["id"], "auditor"))
    assert (await (await browser(auditor)).get("/exports/import")).status_code == 403
