"""An import is bounded: the activities (data rows) a file may hold (RGPD_IMPORT_MAX_ROWS,
default 10,000: its header rows are not counted), read as the file streams and refused soon
after the limit (each sheet may hold its titles and header row over it); the time
reading and checking may take (RGPD_IMPORT_TIMEOUT_SECONDS); the file's size. The parsing runs
off the event loop: the server goes on answering while a large file is read. A 2.9 MB CSV of
300,000 rows used to be read whole, in 46 s, /healthz stalled meanwhile."""

import asyncio

import httpx
import pytest

from core.errors import ValidationFailed
from core.tabular.document import ExportFormat
from core.tabular.readers import ReadBudget, read_workbook
from tests.conftest import USE_POSTGRES
from tests.factories import API, make_org
from tests.imports.helpers import HEADER
from tests.ops.serving import Served, admin_token
from tests.scheduler.processes import fresh_database, orm, scheduler_env
from tests.smtp_server import free_port


def register_csv(rows: int, *, titles: int = 0) -> bytes:
    lines = [f"Registre des traitements (partie {n + 1})" for n in range(titles)]
    lines += [f"{HEADER['name']};{HEADER['purposes']}"]
    lines += [f"Traitement {n};Gestion {n}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


async def test_300_000_rows_are_refused_naming_the_limit(client):
    org = await make_org(client)
    data = register_csv(300_000)
    assert 2_500_000 < len(data) < 20 * 1024 * 1024  # the finding's file: under the size bound

    response = await client.post(
        f"{API}/organisations/{org['id']}/imports/activities",
        params={"dry_run": "true"},
        files={"file": ("registre.csv", data, "text/csv")},
    )

    assert response.status_code == 422, response.text[:500]
    (problem,) = response.json()["detail"]
    assert "plus de 10\u00a0000 lignes de données" in problem["msg"]
    assert "RGPD_IMPORT_MAX_ROWS, en-têtes non comptés" in problem["msg"]


def test_reading_stops_at_the_first_row_past_the_limit():
    budget = ReadBudget(max_rows=1_000)
    with pytest.raises(ValidationFailed) as refused:
        read_workbook(register_csv(300_000), ExportFormat.CSV, budget)
    assert "1\u00a0000 lignes remplies" in refused.value.problems[0].msg
    assert budget.filled == 1_001  # not one row more was read


def test_reading_allows_each_sheet_its_header_rows_and_stops_right_after():
    budget = ReadBudget(max_rows=1_000, header_rows=10)
    with pytest.raises(ValidationFailed) as refused:
        read_workbook(register_csv(300_000), ExportFormat.CSV, budget)
    assert "plus de 1\u00a0000 lignes de données" in refused.value.problems[0].msg
    assert budget.filled == 1_011  # 10 rows for the sheet's header and titles, then one more


@pytest.mark.parametrize("fmt", [ExportFormat.XLSX, ExportFormat.ODS])
async def test_every_format_counts_its_rows(db, fmt):
    from tests.imports.helpers import table, write

    doc = table(["name", "purposes"], [{"name": f"T{n}", "purposes": "P"} for n in range(30)])
    data = await write(doc, fmt)
    with pytest.raises(ValidationFailed) as refused:
        read_workbook(data, fmt, ReadBudget(max_rows=20))
    assert "20 lignes remplies" in refused.value.problems[0].msg
    sheets = read_workbook(data, fmt, ReadBudget(max_rows=40))
    assert sum(len(sheet.rows) for sheet in sheets) >= 31


async def test_the_limit_is_a_setting_and_rows_within_it_are_read(client, settings_env):
    settings_env(import_max_rows=50)
    org = await make_org(client)
    url = f"{API}/organisations/{org['id']}/imports/activities"

    async def dry_run(data: bytes) -> httpx.Response:
        return await client.post(
            url, params={"dry_run": "true"}, files={"file": ("r.csv", data, "text/csv")}
        )

    # Exactly the limit: 50 activities, under their header row, or two title lines too.
    for within in (register_csv(50), register_csv(50, titles=2)):
        answer = await dry_run(within)
        assert answer.status_code == 200, answer.text
        assert answer.json()["rows_read"] == 50 and answer.json()["problems"] == []
    beyond = await dry_run(register_csv(51))
    assert beyond.status_code == 422, beyond.text
    (problem,) = beyond.json()["detail"]
    assert problem["loc"][-1] == "file"
    assert problem["msg"] == (
        "le fichier décrit 51 activités : un import en accepte au plus 50 (réglage "
        "RGPD_IMPORT_MAX_ROWS) ; découpez-le en plusieurs fichiers"
    )
    # Far beyond: refused while reading, the limit named in data rows.
    far = await dry_run(register_csv(5_000))
    assert far.status_code == 422 and "plus de 50 lignes de données" in far.text


@pytest.mark.parametrize("fmt", [ExportFormat.XLSX, ExportFormat.ODS])
async def test_a_spreadsheet_of_exactly_the_limit_is_imported(client, settings_env, fmt):
    from tests.imports.helpers import table, write

    settings_env(import_max_rows=30)
    org = await make_org(client)
    url = f"{API}/organisations/{org['id']}/imports/activities"

    def register(rows: int):
        return table(
            ["name", "purposes"], [{"name": f"T{n}", "purposes": "P"} for n in range(rows)]
        )

    name = f"registre.{fmt.value}"
    within = await client.post(url, files={"file": (name, await write(register(30), fmt))})
    assert within.status_code == 200, within.text
    assert within.json()["problems"] == [] and within.json()["rows_read"] == 30
    assert len((await client.get(f"{API}/activities", params={"limit": 100})).json()["items"]) == 30
    beyond = await client.post(url, files={"file": (name, await write(register(31), fmt))})
    assert beyond.status_code == 422, beyond.text
    assert "le fichier décrit 31 activités" in beyond.text and "au plus 30" in beyond.text


async def test_an_import_over_its_time_is_refused_in_french(client, settings_env):
    settings_env(import_timeout_seconds=0.001)
    org = await make_org(client)

    response = await client.post(
        f"{API}/organisations/{org['id']}/imports/activities",
        params={"dry_run": "true"},
        files={"file": ("r.csv", register_csv(9_000), "text/csv")},
    )

    assert response.status_code == 422
    assert "a dépassé" in response.text and "RGPD_IMPORT_TIMEOUT_SECONDS" in response.text


async def test_an_upload_announced_over_the_size_bound_is_refused_before_it_is_read(
    client, settings_env
):
    settings_env(import_max_bytes=1024)
    org = await make_org(client)
    response = await client.post(
        f"{API}/organisations/{org['id']}/imports/activities",
        files={"file": ("r.csv", b"x" * (2 * 1024 * 1024), "text/csv")},
    )
    assert response.status_code == 413
    assert "fichier trop volumineux" in response.json()["detail"][0]["msg"]


@pytest.mark.engine
async def test_the_server_answers_while_a_large_import_is_parsed(tmp_path):
    """A real server, concurrent requests: /healthz answers before the import is over."""
    async with fresh_database(tmp_path, "postgres" if USE_POSTGRES else "sqlite") as url:
        async with orm(url):
            token = await admin_token("exploitation@exemple.fr")
        env = scheduler_env(url, free_port(), import_max_rows="1048576")
        web = Served(env, tmp_path, "--no-scheduler")
        try:
            await web.wait_until_up()
            bearer = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=web.base_url, timeout=600) as http:
                org = await http.post(
                    f"{API}/organisations",
                    json={"legal_name": "Commune d'essai", "kind": "commune"},
                    headers=bearer,
                )
                assert org.status_code == 201, org.text
                imported = asyncio.create_task(
                    http.post(
                        f"{API}/organisations/{org.json()['id']}/imports/activities",
                        params={"dry_run": "true"},
                        files={"file": ("r.csv", register_csv(60_000), "text/csv")},
                        headers=bearer,
                    )
                )
                answered_meanwhile = 0
                while not imported.done():
                    health = await http.get("/healthz", timeout=600)
                    assert health.status_code == 200
                    if not imported.done():
                        answered_meanwhile += 1
                    await asyncio.sleep(0.05)
                report = (await imported).json()
        finally:
            web.stop()
    assert report["rows_read"] == 60_000 and report["problems"] == []
    assert answered_meanwhile >= 1
