"""The import, the calendar feed and the evidence bundle through the API, and `rgpd export` /
`rgpd import` as an administrator runs them."""

import io
import stat
import zipfile

import icalendar
import openpyxl
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from core.audit.signing import generate_signing_key_pem
from core.evidence import verify_bundle
from tests.cli import rgpd
from tests.exports.test_export_api import read_csv, read_xlsx
from tests.factories import (
    API,
    ago,
    bodies,
    complete_record,
    declare_on,
    make_activity,
    make_org,
    read,
)
from tests.test_cli_and_migrations import database_url

__all__ = ["database_url"]  # the fixture, shared with the CLI tests


async def upload(client, org_id: str, name: str, data: bytes, **params):
    return await client.post(
        f"{API}/organisations/{org_id}/imports/activities",
        params=params,
        files={"file": (name, data)},
    )


async def exported(client, org_id: str, fmt: str) -> bytes:
    response = await client.get(
        f"{API}/organisations/{org_id}/exports/controller-record", params={"format": fmt}
    )
    assert response.status_code == 200, response.text
    return response.content


async def names_of(client, org_id: str) -> list[str]:
    items = (await read(client, f"/activities?controller_id={org_id}&limit=200"))["items"]
    return sorted(a["name"] for a in items)


async def test_an_upload_imports_after_a_dry_run_that_writes_nothing(client):
    source = await make_org(client, legal_name="Commune d'Évry (source)")
    for name in ("Élections", "Cantine scolaire", "Aides sociales à l'enfance"):
        await make_activity(
            client, controller=source, name=name, status="finished", **complete_record()
        )
    data = await exported(client, source["id"], "xlsx")
    target = await make_org(client, legal_name="Commune d'Orsay (cible)")

    dry = await upload(client, target["id"], "registre.xlsx", data, dry_run="true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["problems"] == [] and dry.json()["rows_read"] == 3
    assert await names_of(client, target["id"]) == []

    done = await upload(client, target["id"], "registre.xlsx", data)
    assert done.status_code == 200, done.text
    assert done.json()["created"] == 3
    assert await names_of(client, target["id"]) == await names_of(client, source["id"])


async def test_a_file_with_mistakes_imports_nothing_and_says_where_each_is(client):
    target = await make_org(client, legal_name="Commune de Palaiseau")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Nom / sigle", "Statut de la fiche", "Base légale", "Prochaine revue"])
    sheet.append(["Fichier des usagers", "Brouillon", "Mission d'intérêt public", "31/12/2027"])
    sheet.append(["Vidéoprotection", "Brouillon", "Bon vouloir du maire", "31/12/2027"])
    sheet.append(["Paie", "Brouillon", "Obligation légale", "le 31 décembre"])
    buffer = io.BytesIO()
    book.save(buffer)

    response = await upload(client, target["id"], "registre.xlsx", buffer.getvalue())
    assert response.status_code == 422, response.text
    problems = {(p["row"], p["column"], p["field"]) for p in response.json()["report"]["problems"]}
    assert problems == {(3, "C", "legal_basis"), (4, "D", "next_review")}
    assert [p["loc"] for p in response.json()["detail"]] == [
        ["body", "file", "Sheet", 3, "C"],
        ["body", "file", "Sheet", 4, "D"],
    ]
    assert await names_of(client, target["id"]) == []


async def test_an_upload_that_is_not_a_spreadsheet_is_refused_naming_the_file(client):
    target = await make_org(client, legal_name="Commune de Massy")
    response = await upload(client, target["id"], "registre.ods", b"PK\x03\x04 pas un classeur")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "file"
    response = await upload(client, target["id"], "registre.docx", b"x")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "format"


async def test_a_member_of_another_body_cannot_import_into_it(client, make_user, client_as):
    target = await make_org(client, legal_name="Commune de Vanves")
    other = await make_org(client, legal_name="Commune de Malakoff")
    source = await make_org(client, legal_name="Commune source")
    await make_activity(client, controller=source, name="Cimetière")
    data = await exported(client, source["id"], "csv")
    http = await client_as(await make_user("dpd@malakoff.fr", (other["id"], "dpo")))
    response = await upload(http, target["id"], "registre.csv", data)
    assert response.status_code == 404
    assert await names_of(client, target["id"]) == []


async def test_the_calendar_feed_holds_the_cnil_deadline(client):
    world = await bodies(client)
    commune = world["commune"]
    breach = await declare_on(client, commune, [world["activity"]["id"]], detected=ago(hours=2))
    response = await client.get(f"{API}/organisations/{commune['id']}/calendar.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    starts = {str(e["UID"]): e.decoded("DTSTART") for e in calendar.walk("VEVENT") if "UID" in e}
    deadlines = await read(client, f"/breaches/{breach['id']}/deadlines")
    (cnil,) = [d for d in deadlines if d["kind"] == "cnil"]
    start = starts[f"breach-{breach['id']}-cnil@registre-rgpd"]
    assert start.isoformat().startswith(cnil["due_at"][:19])


async def test_the_bundle_route_gives_a_zip_that_verifies_with_the_published_key(
    client, settings_env, tmp_path
):
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(generate_signing_key_pem())
    settings_env(signing_key_file=key_file)
    world = await bodies(client)
    response = await client.post(
        f"{API}/bundles", json={"organisation_ids": [world["commune"]["id"]]}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    pem = (await read(client, "/journal/public-key"))["public_key_pem"]
    check = verify_bundle(response.content, load_pem_public_key(pem.encode()))
    assert check.intact, check.problems
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert any(n.endswith("registre-responsable.pdf") for n in names)


async def test_the_bundle_of_a_body_out_of_scope_is_not_found(client, make_user, client_as):
    world = await bodies(client)
    other = await make_org(client, legal_name="Commune de Sceaux")
    http = await client_as(await make_user("audit@sceaux.fr", (other["id"], "auditor")))
    response = await http.post(
        f"{API}/bundles", json={"organisation_ids": [world["commune"]["id"]]}
    )
    assert response.status_code == 404


def test_export_and_import_from_the_command_line(database_url, tmp_path):
    assert rgpd("migrate", database=database_url).returncode == 0
    assert rgpd("demo", database=database_url).returncode == 0
    xlsx = tmp_path / "juvisy.xlsx"
    done = rgpd(
        "export",
        "controller-record",
        "Juvisy",
        "-f",
        "xlsx",
        "-o",
        str(xlsx),
        database=database_url,
    )
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(xlsx.stat().st_mode) == 0o600  # personal data: its owner only
    rows = read_xlsx(xlsx.read_bytes())["Activités de traitement"]
    assert "Gestion des ressources humaines et paie" in {r["Nom / sigle"] for r in rows}

    csv_out = rgpd("export", "breach-register", "Juvisy", "-f", "csv", database=database_url)
    assert csv_out.returncode == 0, csv_out.stderr
    (breach,) = read_csv(csv_out.stdout.encode(), ",")
    assert breach["Incident"] == "Rançongiciel sur un serveur de fichiers mutualisé"

    ics = rgpd("export", "calendar", "Juvisy", database=database_url)
    assert ics.returncode == 0 and "BEGIN:VCALENDAR" in ics.stdout

    # Juvisy's register names Juvisy's conventions and measures: refused for SIIM94.
    refused = rgpd("import", str(xlsx), "SIIM94", database=database_url)
    assert refused.returncode == 1
    assert "rien n'a été importé" in refused.stderr and "convention inconnue" in refused.stderr

    plain = tmp_path / "siim94.csv"
    plain.write_text(
        "Nom / sigle;Finalités (objectifs poursuivis);Base légale\n"
        "Annuaire des agents;Publier l'annuaire interne;Mission d'intérêt public (art. 6.1.e)\n"
        "Supervision du réseau;Détecter les incidents;Mission d'intérêt public (art. 6.1.e)\n",
        encoding="utf-8",
    )
    dry = rgpd("import", str(plain), "SIIM94", "--dry-run", database=database_url)
    assert dry.returncode == 0, dry.stderr
    assert "2 activités prêtes à importer" in dry.stdout and "rien n'est écrit" in dry.stdout
    assert "Annuaire" not in rgpd("activities", "--q", "annuaire", database=database_url).stdout
    done = rgpd("import", str(plain), "SIIM94", database=database_url)
    assert done.returncode == 0, done.stderr
    assert "2 activités importées" in done.stdout
    again = rgpd("import", str(plain), "SIIM94", database=database_url)
    assert again.returncode == 1, "the same file twice must not double the register"
    assert "ligne 2" in again.stderr and "déjà une activité « Annuaire des agents »" in again.stderr

    bad = rgpd("export", "registre-inconnu", "Juvisy", database=database_url)
    assert bad.returncode == 2 and "document inconnu" in bad.stderr
