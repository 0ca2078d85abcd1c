"""A text starting with `enc:v<digit>:` is what the store reads back as an encrypted value:
refused (422, naming the field) wherever it comes in, through one rule (core.validators):
every JSON body and query of the API (api.input_guard), the pages' forms, every import cell,
the command line's JSON files. It used to end in a 500."""

import json

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from api.app import create_app
from core.tabular.document import ExportFormat
from register.activities.models import ProcessingActivity
from tests.access.conftest import make_user  # noqa: F401  (the fixture)
from tests.cli import rgpd
from tests.factories import API, assert_refused, make_activity, make_org
from tests.imports.helpers import EVERYTHING, table, write
from tests.web.conftest import browser, csrf_of  # noqa: F401  (the fixture)

RESERVED = ["enc:v1:abc", "enc:v2:k:xyz", "enc:v9:", " enc:v1:x", "ENC:V1:x", "enc:v12:x"]
ALLOWED = ["enc:v:x", "encv1:x", "Le mot enc:v1: au milieu", "enc:vx:", "enc:v1"]


def _write_routes() -> list[tuple[str, str]]:
    app = create_app(manage_database=False)
    routes = []
    for context in iter_route_contexts(app.routes):
        route = context.route
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in sorted(route.methods & {"POST", "PUT", "PATCH"}):
                routes.append((method, context.path))
    return routes


def test_the_premise_write_routes_are_found():
    routes = _write_routes()
    assert ("POST", f"{API}/activities") in routes and (
        "PATCH",
        f"{API}/incidents/{{incident_id}}",
    ) in routes
    assert len(routes) >= 20


@pytest.mark.parametrize(("method", "path"), _write_routes())
async def test_every_json_body_refuses_a_reserved_text(client, method, path):
    url = path.replace("{", "").replace("}", "")  # the guard answers before any id is read
    body = {"version": 1, "name": "Cantine", "notes": ["ok", {"detail": "enc:v1:abc"}]}
    response = await client.request(method, url, json=body)
    assert_refused(response, ["body", "notes", 1, "detail"], "enc:v")


@pytest.mark.parametrize("text", RESERVED)
async def test_an_activity_named_so_is_refused_and_nothing_written(client, text):
    org = await make_org(client)
    response = await client.post(
        f"{API}/activities",
        json={"controller_id": org["id"], "name": text, "purposes": ["Paie"]},
    )
    assert_refused(response, ["body", "name"], "réservé aux valeurs chiffrées")
    assert await ProcessingActivity.filter(controller_id=org["id"]).count() == 0


@pytest.mark.parametrize("text", ALLOWED)
async def test_texts_that_only_look_alike_are_kept(client, text):
    org = await make_org(client)
    activity = await make_activity(client, controller=org, name=text)
    read = await client.get(f"{API}/activities/{activity['id']}")
    assert read.status_code == 200 and read.json()["name"] == text


async def test_an_encrypted_field_refuses_it_as_well(client):
    org = await make_org(client)
    activity = await make_activity(client, controller=org)
    response = await client.patch(
        f"{API}/activities/{activity['id']}",
        json={"version": activity["version"], "purposes": ["Paie", "enc:v2:x:y"]},
    )
    assert_refused(response, ["body", "purposes", 1], "enc:v")


async def test_a_query_parameter_refuses_it(client):
    response = await client.get(f"{API}/activities", params={"q": "enc:v1:abc"})
    assert_refused(response, ["query", "q"], "enc:v")


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
async def test_a_page_form_refuses_it_with_the_error_page(client, browser, make_user, encoding):  # noqa: F811
    org = await make_org(client)
    dpo = await make_user("dpd@exemple.fr", (org["id"], "dpo"))
    http = await browser(dpo)
    form = await http.get("/registre/nouvelle")
    assert form.status_code == 200
    fields = {"csrf_token": csrf_of(form.text), "controller_id": org["id"], "name": "enc:v1:x"}

    # A page's form may be sent either way: the browser's default, or multipart (as a form
    # with a file input is), which the pages read alike.
    if encoding == "urlencoded":
        answer = await http.post("/registre/nouvelle", data=fields)
    else:
        parts = {key: (None, value) for key, value in fields.items()}
        headers = {"X-CSRF-Token": fields["csrf_token"]}  # read from the header then
        answer = await http.post("/registre/nouvelle", files=parts, headers=headers)

    assert answer.status_code == 422
    assert "Texte refusé" in answer.text and "« name »" in answer.text
    assert await ProcessingActivity.filter(controller_id=org["id"]).count() == 0


@pytest.mark.parametrize("fmt", [ExportFormat.CSV, ExportFormat.XLSX, ExportFormat.ODS])
async def test_an_import_cell_refuses_it_naming_the_cell(client, fmt):
    from register.imports.service import import_activities

    org = await make_org(client)
    data = await write(
        table(
            ["name", "purposes"],
            [{"name": "Cantine", "purposes": "Repas"}, {"name": "enc:v1:abc", "purposes": "Paie"}],
        ),
        fmt,
    )

    report = await import_activities(
        scope=EVERYTHING, organisation_id=org["id"], data=data, fmt=fmt, dry_run=False
    )

    (problem,) = report.problems
    assert problem.row == 3 and problem.column == "A" and problem.field == "name"
    assert "réservé aux valeurs chiffrées" in problem.message
    assert await ProcessingActivity.filter(controller_id=org["id"]).count() == 0


@pytest.mark.engine
def test_the_command_line_refuses_it_in_a_json_file(tmp_path):
    database = f"sqlite://{tmp_path / 'rgpd.sqlite3'}"
    rgpd("migrate", database=database, check=True)
    payload = {"legal_name": "enc:v1:Commune", "kind": "commune"}

    result = rgpd("create", "organisation", "-f", "-", database=database, input=json.dumps(payload))

    assert result.returncode == 2, result.stderr
    assert "legal_name" in result.stderr and "réservé aux valeurs chiffrées" in result.stderr
    assert "Traceback" not in result.stderr


async def test_escapes_do_not_hide_it(client):
    org = await make_org(client)
    escaped = (
        '{"controller_id": "' + org["id"] + '", "name": "\\u0065nc:v1:x", "purposes": ["Paie"]}'
    )
    response = await client.post(
        f"{API}/activities", content=escaped, headers={"content-type": "application/json"}
    )
    assert_refused(response, ["body", "name"], "enc:v")
    query = await client.get(f"{API}/activities?q=%65nc%3Av1%3Ax")
    assert_refused(query, ["query", "q"], "enc:v")
