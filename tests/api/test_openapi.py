"""The published /openapi.json is complete enough for a generated client to work unmodified:
how to authenticate (as the server really does), the error answers with their body, one title
per model, and nullability as the server enforces it."""

from collections import Counter
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.security.authentication import PUBLIC_PATHS, SESSION_COOKIE
from core.accounts.service import create_user
from tests.factories import (
    API,
    ASSESS,
    DECIDE_RISK,
    FOLLOWUP_DUE,
    ago,
    bodies,
    declare_on,
    done,
    iso,
    make_contact,
    make_measure,
    make_subprocessor,
    read,
)

REF = "#/components/schemas/"
PROBLEM = {"$ref": f"{REF}Problem"}
VALIDATION_PROBLEM = {"$ref": f"{REF}ValidationProblem"}
WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture
async def document(client) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict[str, Any]):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def json_body(response: dict[str, Any]) -> dict[str, Any]:
    return response["content"]["application/json"]["schema"]


def refs(node: Any):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def nullable(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or any(
        option.get("type") == "null" for option in schema.get("anyOf", [])
    )


async def test_no_two_different_schemas_share_a_title(document):
    schemas = document["components"]["schemas"]
    titles = Counter(schema.get("title", name) for name, schema in schemas.items())

    assert len(schemas) > 100
    assert [title for title, n in titles.items() if n > 1] == []
    # Both problem lists are published, each under its own name (a client keeps both).
    journal = schemas["VerificationOut"]["properties"]["problems"]["items"]["$ref"]
    assert schemas[journal.removeprefix(REF)]["title"] == "JournalProblemOut"


async def test_every_reference_resolves(document):
    schemas = document["components"]["schemas"]

    missing = {ref for ref in refs(document) if ref.removeprefix(REF) not in schemas}

    assert missing == set()
    assert "HTTPValidationError" not in schemas  # FastAPI's, replaced by the app's body


async def test_each_operation_lists_how_it_authenticates(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert (schemes["sessionCookie"]["in"], schemes["sessionCookie"]["name"]) == (
        "cookie",
        SESSION_COOKIE,
    )
    assert (schemes["csrfToken"]["in"], schemes["csrfToken"]["name"].lower()) == (
        "header",
        "x-csrf-token",
    )
    for path, method, operation in operations(document):
        if path in PUBLIC_PATHS:
            assert operation["security"] == [], path
        elif method in WRITES:
            assert operation["security"] == [
                {"bearerAuth": []},
                {"sessionCookie": [], "csrfToken": []},
            ], (method, path)
        else:
            assert operation["security"] == [{"bearerAuth": []}, {"sessionCookie": []}], path


async def test_each_operation_documents_its_error_answers_with_the_problem_body(document):
    for path, method, operation in operations(document):
        answers = operation["responses"]
        where = (method, path)
        if path not in PUBLIC_PATHS:
            assert json_body(answers["401"]) == PROBLEM, where
            assert "WWW-Authenticate" in answers["401"]["headers"], where
        if method in WRITES and path not in PUBLIC_PATHS:
            assert json_body(answers["403"]) == PROBLEM, where  # CSRF, roles
        if "{" in path:
            assert json_body(answers["404"]) == PROBLEM, where
        if method in WRITES and not path.startswith(f"{API}/auth/") and path != f"{API}/bundles":
            assert json_body(answers["409"]) == PROBLEM, where
        if operation.get("parameters") or "requestBody" in operation:
            own = path.endswith("/imports/activities")  # the import's report rides along
            assert json_body(answers["422"]) == (
                {"$ref": f"{REF}ImportRefused"} if own else VALIDATION_PROBLEM
            ), where
    upload = document["paths"][f"{API}/organisations/{{organisation_id}}/imports/activities"]
    assert json_body(upload["post"]["responses"]["413"]) == VALIDATION_PROBLEM  # too large
    login = document["paths"][f"{API}/auth/login"]["post"]["responses"]
    assert json_body(login["429"]) == PROBLEM
    assert "Retry-After" in login["429"]["headers"]


async def test_the_server_answers_as_documented_by_bearer_and_by_cookie(db, document):
    """Each scheme as documented: a bearer token alone; the cookie, plus the CSRF token on a
    write (403 without it); neither: 401. Every refusal in the documented problem body."""
    await create_user(
        email="openapi@registre-rgpd.test",
        name="Client généré",
        password="un mot de passe assez long",
        is_instance_admin=True,
    )
    transport = httpx.ASGITransport(app=create_app(manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        anonymous = await http.get(f"{API}/auth/me")
        login = await http.post(
            f"{API}/auth/login",
            json={"email": "openapi@registre-rgpd.test", "password": "un mot de passe assez long"},
        )
        assert login.status_code == 200, login.text
        assert http.cookies.get(SESSION_COOKIE)
        me = await http.get(f"{API}/auth/me")
        without_csrf = await http.post(f"{API}/auth/tokens", json={"name": "client"})
        with_csrf = await http.post(
            f"{API}/auth/tokens",
            json={"name": "client"},
            headers={"X-CSRF-Token": login.json()["csrf_token"]},
        )
        assert with_csrf.status_code == 201, with_csrf.text
        http.cookies.clear()
        bearer = await http.get(
            f"{API}/auth/me", headers={"Authorization": f"Bearer {with_csrf.json()['secret']}"}
        )

    assert (anonymous.status_code, anonymous.headers["WWW-Authenticate"]) == (401, "Bearer")
    assert isinstance(anonymous.json()["detail"], str)
    assert me.status_code == 200
    assert without_csrf.status_code == 403
    assert "CSRF" in without_csrf.json()["detail"]
    assert bearer.status_code == 200
    tokens = document["paths"][f"{API}/auth/tokens"]["post"]["responses"]
    assert {"201", "401", "403", "422"} <= set(tokens)


async def test_missing_stale_and_invalid_answer_in_the_documented_bodies(client, document):
    world = await bodies(client)
    activity = world["activity"]
    missing = await client.get(f"{API}/activities/{world['commune']['id']}")
    stale = await client.patch(
        f"{API}/activities/{activity['id']}", json={"version": activity["version"] + 1}
    )
    invalid = await client.patch(
        f"{API}/activities/{activity['id']}",
        json={"version": activity["version"], "legal_basis": None},
    )

    assert missing.status_code == 404 and isinstance(missing.json()["detail"], str)
    assert stale.status_code == 409 and isinstance(stale.json()["detail"], str)
    assert invalid.status_code == 422
    (problem,) = invalid.json()["detail"]
    assert set(problem) == {"loc", "msg", "type"}
    assert problem["loc"] == ["body", "legal_basis"]
    # The document says so beforehand: legal_basis may be left out of a PATCH, never null.
    patch = document["paths"][f"{API}/activities/{{activity_id}}"]["patch"]
    body = document["components"]["schemas"][
        json_body(patch["requestBody"]).get("$ref", "").removeprefix(REF)
    ]
    assert "legal_basis" in body["properties"]
    assert not nullable(body["properties"]["legal_basis"])


async def _patched_objects(client) -> dict[str, tuple[str, str]]:
    """For each PATCH path: the URL of a real record, and where its version is read."""
    world = await bodies(client)
    commune, ept = world["commune"], world["ept"]
    contact = await make_contact(client, organisation=commune, name="Agent d'accueil")
    engagement = await make_subprocessor(client, processor=ept)
    measure = await make_measure(client, organisation=commune)
    breach = await declare_on(client, commune, [world["activity"]["id"]], detected=ago(hours=5))
    breach = await done(client, breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_RISK)
    breach = await done(
        client,
        breach,
        "notifications",
        recipient="cnil",
        phase="initial",
        sent_at=iso(ago(seconds=1)),
        followup_due_at=FOLLOWUP_DUE,
    )
    (notification,) = breach["notifications"]
    breach_url = f"/breaches/{breach['id']}"
    # The incident's NIS 2 record: its body an essential entity, the incident significant.
    fresh = (await client.get(f"{API}/organisations/{commune['id']}")).json()
    nis2_entity = await client.patch(
        f"{API}/organisations/{commune['id']}",
        json={"version": fresh["version"], "nis2_status": "essential"},
    )
    assert nis2_entity.status_code == 200, nis2_entity.text
    nis2_url = f"/incidents/{breach['incident_id']}/nis2"
    decided = await client.post(
        f"{API}{nis2_url}/decision", json={"significant": True, "reasons": "Service arrêté."}
    )
    assert decided.status_code == 200, decided.text
    own = {
        "/organisations/{organisation_id}": f"/organisations/{commune['id']}",
        "/dpos/{dpo_id}": f"/dpos/{commune['dpo_id']}",
        "/contacts/{contact_id}": f"/contacts/{contact['id']}",
        "/conventions/{convention_id}": f"/conventions/{world['convention']['id']}",
        "/activities/{activity_id}": f"/activities/{world['activity']['id']}",
        "/subprocessors/{engagement_id}": f"/subprocessors/{engagement['id']}",
        "/measures/{measure_id}": f"/measures/{measure['id']}",
        "/incidents/{incident_id}": f"/incidents/{breach['incident_id']}",
        "/breaches/{breach_id}": breach_url,
    }
    own["/incidents/{incident_id}/nis2"] = nis2_url
    patched = {f"{API}{path}": (url, url) for path, url in own.items()}
    # The art. 28(3) checklist: patched under the convention, whose version it carries.
    convention_url = own["/conventions/{convention_id}"]
    patched[f"{API}/conventions/{{convention_id}}/clauses"] = (
        f"{convention_url}/clauses",
        convention_url,
    )
    notifications = f"{API}/breaches/{{breach_id}}/notifications/{{notification_id}}"
    patched[notifications] = (f"{breach_url}/notifications/{notification['id']}", breach_url)
    return patched


# What a PATCH must carry besides the version (the CNIL file number is the change itself).
REQUIRED = {
    f"{API}/breaches/{{breach_id}}/notifications/{{notification_id}}": {
        "external_ref": "CNIL-2026-0042"
    }
}


async def test_every_nullable_field_of_a_patch_body_accepts_null(client, document):
    schemas = document["components"]["schemas"]
    patched = await _patched_objects(client)
    patch_paths = {path for path, method, _ in operations(document) if method == "patch"}
    assert patch_paths == set(patched), "each PATCH operation has a record to patch here"
    tried = 0
    for path in sorted(patch_paths):
        body = json_body(document["paths"][path]["patch"]["requestBody"])
        properties = schemas[body["$ref"].removeprefix(REF)]["properties"]
        url, versioned = patched[path]
        for field in sorted(name for name, schema in properties.items() if nullable(schema)):
            version = (await read(client, versioned))["version"]
            payload = {**REQUIRED.get(path, {}), "version": version, field: None}
            answer = await client.patch(f"{API}{url}", json=payload)
            assert answer.status_code in (200, 202), (path, field, answer.text)
            tried += 1
    assert tried > 40, "the PATCH bodies have nullable fields to try"


def test_a_form_that_empties_a_required_field_is_told_once():
    """The PATCH body refuses null for `title` in its schema; the incident page's form, which
    reads an emptied field as null, still gets one message for it, in its own words."""
    from starlette.datastructures import FormData

    from api.web.breach_forms import incident_facts_patch
    from core.errors import ValidationFailed

    form = FormData(
        [
            ("version", "1"),
            ("title", ""),
            ("description", "Chiffrement des partages réseau."),
            ("detected_at", "2026-12-01T10:00"),
            ("nature", "confidentiality"),
        ]
    )
    with pytest.raises(ValidationFailed) as refused:
        incident_facts_patch(form)

    assert [(p.loc, p.msg) for p in refused.value.problems] == [
        (("body", "title"), "champ obligatoire manquant")
    ]
