"""The isolation matrix: every API route, called by every role of another body on body A's
objects, answers 403 or 404, never A's data.

The routes come from app.routes, so a route added later fails here until it has an entry in
MATRIX. Kinds of entry:
- object: the path names one of A's objects: 403 (the caller's roles never allow the action)
  or 404 (outside the bodies where they do, as if absent);
- list: filters and searches aimed at A: 403, or 200 without a single row of A;
- create: a body naming A (or P) as owner: 403, 404 or 422 (« organisme inconnu », as for a
  body that does not exist), and nothing of A in the answer;
- own: the caller's own things (their account, their tokens): any answer without A's data;
- public: no account needed (tested elsewhere).
"""

from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts

from api.app import create_app
from tests.access.world import World, build_world
from tests.factories import ASSESS_FINANCIAL, DECIDE_HIGH, ago, iso

V1 = "/api/v1"
ROLES_OF_B = ("dpo", "security_officer", "auditor", "administrator")


@dataclass(frozen=True)
class Call:
    kind: str  # object, list, create, own, public
    path: str = ""  # with {key} filled from the world's ids
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None


def obj(path, body=None, **params) -> Call:
    return Call("object", path, params, body)


def lst(path, **params) -> Call:
    return Call("list", path, params)


def new(path, body) -> Call:
    return Call("create", path, {}, body)


def own(path, body=None) -> Call:
    return Call("own", path, {}, body)


def _now() -> str:
    return iso(ago(minutes=1))


V = {"version": 1}
MATRIX: dict[tuple[str, str], Call | list[Call]] = {
    ("POST", "/auth/login"): Call("public"),
    ("POST", "/auth/logout"): own("/auth/logout"),
    ("GET", "/auth/me"): own("/auth/me"),
    ("GET", "/auth/tokens"): own("/auth/tokens"),
    ("POST", "/auth/tokens"): own("/auth/tokens", {"name": "essai"}),
    ("DELETE", "/auth/tokens/{token_id}"): obj("/auth/tokens/{a_token}"),
    ("POST", "/auth/password"): own(
        "/auth/password", {"current_password": "pas le mot de passe", "new_password": "x" * 12}
    ),
    # Register
    ("GET", "/organisations"): [
        lst("/organisations"),
        lst("/organisations", q="Vitry"),
        lst("/organisations", kind="ept"),
    ],
    ("POST", "/organisations"): new("/organisations", {"legal_name": "X", "kind": "commune"}),
    ("GET", "/organisations/{organisation_id}"): [
        obj("/organisations/{a}"),
        obj("/organisations/{p}"),
    ],
    ("PATCH", "/organisations/{organisation_id}"): obj(
        "/organisations/{a}", {**V, "legal_name": "X"}
    ),
    ("DELETE", "/organisations/{organisation_id}"): obj("/organisations/{a}"),
    ("GET", "/organisations/{organisation_id}/records/controller"): obj(
        "/organisations/{a}/records/controller"
    ),
    ("GET", "/organisations/{organisation_id}/records/processor"): obj(
        "/organisations/{p}/records/processor"
    ),
    ("GET", "/organisations/{organisation_id}/breach-register"): obj(
        "/organisations/{a}/breach-register"
    ),
    ("GET", "/organisations/{organisation_id}/journal"): obj("/organisations/{a}/journal"),
    ("GET", "/dpos"): lst("/dpos"),
    ("POST", "/dpos"): own("/dpos", {"mode": "internal", "name": "DPD de B", "email": "dpd@b.fr"}),
    ("GET", "/dpos/{dpo_id}"): [obj("/dpos/{a_dpo}"), obj("/dpos/{p_dpo}")],
    ("PATCH", "/dpos/{dpo_id}"): obj("/dpos/{a_dpo}", {**V, "name": "X"}),
    ("DELETE", "/dpos/{dpo_id}"): obj("/dpos/{a_dpo}", version=1),
    ("GET", "/contacts"): [lst("/contacts"), lst("/contacts", organisation_id="{a}")],
    ("POST", "/contacts"): new(
        "/contacts", {"organisation_id": "{a}", "name": "X", "roles": ["rssi"]}
    ),
    ("GET", "/contacts/{contact_id}"): [obj("/contacts/{contact}"), obj("/contacts/{p_contact}")],
    ("PATCH", "/contacts/{contact_id}"): obj("/contacts/{contact}", {**V, "name": "X"}),
    ("DELETE", "/contacts/{contact_id}"): obj("/contacts/{contact}", version=1),
    ("GET", "/conventions"): [lst("/conventions"), lst("/conventions", organisation_id="{a}")],
    ("POST", "/conventions"): new(
        "/conventions",
        {
            "title": "X",
            "kind": "art28_contract",
            "start_date": "2024-01-01",
            "parties": [
                {"organisation_id": "{p}", "role": "processor"},
                {"organisation_id": "{a}", "role": "controller"},
            ],
        },
    ),
    ("GET", "/conventions/{convention_id}"): obj("/conventions/{convention}"),
    ("PATCH", "/conventions/{convention_id}"): obj(
        "/conventions/{convention}", {**V, "title": "X"}
    ),
    ("DELETE", "/conventions/{convention_id}"): obj("/conventions/{convention}", version=1),
    ("GET", "/conventions/{convention_id}/clauses"): obj("/conventions/{convention}/clauses"),
    ("PATCH", "/conventions/{convention_id}/clauses"): obj(
        "/conventions/{convention}/clauses", {**V, "clauses": {"audits": {"status": "present"}}}
    ),
    ("GET", "/conventions/{convention_id}/end-of-service"): obj(
        "/conventions/{convention}/end-of-service"
    ),
    ("POST", "/conventions/{convention_id}/end-of-service"): obj(
        "/conventions/{convention}/end-of-service",
        {"step": "returned", "done_on": "2024-02-01", "how": "X"},
    ),
    ("DELETE", "/conventions/{convention_id}/end-of-service/{record_id}"): obj(
        "/conventions/{convention}/end-of-service/{end_of_service}",
        version=1,
    ),
    ("POST", "/conventions/{convention_id}/notice"): obj(
        "/conventions/{convention}/notice",
        {**V, "organisation_id": "{a}", "given_on": "2025-01-02"},
    ),
    ("POST", "/conventions/{convention_id}/termination"): obj(
        "/conventions/{convention}/termination",
        {**V, "terminated_on": "2025-01-02", "reason": "X"},
    ),
    ("POST", "/conventions/{convention_id}/express-renewals"): obj(
        "/conventions/{convention}/express-renewals",
        {**V, "decided_on": "2025-01-02", "reference": "X"},
    ),
    ("GET", "/convention-proposals"): [
        lst("/convention-proposals"),
        lst("/convention-proposals", awaiting="true"),
        lst("/convention-proposals", convention_id="{proposed_convention}"),
        lst("/convention-proposals", convention_id="{convention}"),
    ],
    ("GET", "/convention-proposals/{proposal_id}"): obj("/convention-proposals/{proposal}"),
    ("POST", "/convention-proposals/{proposal_id}/accept"): [
        obj("/convention-proposals/{proposal}/accept", {}),
        obj("/convention-proposals/{proposal}/accept", {"organisation_id": "{p}"}),
    ],
    ("POST", "/convention-proposals/{proposal_id}/refuse"): obj(
        "/convention-proposals/{proposal}/refuse", {"comment": "Non."}
    ),
    ("POST", "/convention-proposals/{proposal_id}/withdraw"): obj(
        "/convention-proposals/{proposal}/withdraw"
    ),
    ("GET", "/activities"): [
        lst("/activities"),
        lst("/activities", controller_id="{a}"),
        lst("/activities", convention_id="{convention}"),
        lst("/activities", q="périscolaires"),
    ],
    ("POST", "/activities"): new("/activities", {"controller_id": "{a}", "name": "X"}),
    ("GET", "/activities/{activity_id}"): obj("/activities/{activity}"),
    ("PATCH", "/activities/{activity_id}"): obj("/activities/{activity}", {**V, "name": "X"}),
    ("DELETE", "/activities/{activity_id}"): obj("/activities/{activity}", version=1),
    ("GET", "/subprocessors"): [lst("/subprocessors"), lst("/subprocessors", processor_id="{p}")],
    ("POST", "/subprocessors"): new(
        "/subprocessors",
        {"processor_id": "{p}", "name": "X", "services": "Y", "authorisation": "general"},
    ),
    ("GET", "/subprocessors/{engagement_id}"): obj("/subprocessors/{engagement}"),
    ("PATCH", "/subprocessors/{engagement_id}"): obj(
        "/subprocessors/{engagement}", {**V, "name": "X"}
    ),
    ("DELETE", "/subprocessors/{engagement_id}"): obj("/subprocessors/{engagement}", version=1),
    # Documents: an upload without its file is refused (422) or never reaches the record.
    ("GET", "/conventions/{convention_id}/documents"): obj("/conventions/{convention}/documents"),
    ("POST", "/conventions/{convention_id}/documents"): new(
        "/conventions/{convention}/documents", {}
    ),
    ("GET", "/subprocessors/{engagement_id}/documents"): obj(
        "/subprocessors/{engagement}/documents"
    ),
    ("POST", "/subprocessors/{engagement_id}/documents"): new(
        "/subprocessors/{engagement}/documents", {}
    ),
    ("GET", "/documents/{document_id}"): obj("/documents/{document}"),
    ("GET", "/documents/{document_id}/content"): obj("/documents/{document}/content"),
    ("DELETE", "/documents/{document_id}"): obj("/documents/{document}", version=1),
    ("GET", "/subprocessors/{engagement_id}/answers"): obj("/subprocessors/{engagement}/answers"),
    ("POST", "/subprocessors/{engagement_id}/answers"): [
        obj("/subprocessors/{engagement}/answers", {"controller_id": "{a}", "answer": "object"}),
        obj("/subprocessors/{engagement}/answers", {"controller_id": "{b}", "answer": "object"}),
    ],
    ("GET", "/catalogue"): own("/catalogue"),
    ("GET", "/measures"): [lst("/measures"), lst("/measures", organisation_id="{a}")],
    ("POST", "/measures"): new("/measures", {"organisation_id": "{a}", "title": "X"}),
    ("GET", "/measures/{measure_id}"): obj("/measures/{measure}"),
    ("PATCH", "/measures/{measure_id}"): obj("/measures/{measure}", {**V, "title": "X"}),
    ("DELETE", "/measures/{measure_id}"): obj("/measures/{measure}", version=1),
    # Incidents and breaches
    ("POST", "/incidents"): [
        new(
            "/incidents",
            {
                "organisation_id": org,
                "title": "X",
                "description": "Y",
                "detected_at": "{now}",
                "nature": ["availability"],
                "origin": "hacking_malware_phishing",
                "cause": "external_malicious",
                "activity_ids": ["{activity}"],
            },
        )
        for org in ("{a}", "{p}")
    ],
    ("GET", "/incidents"): [lst("/incidents"), lst("/incidents", organisation_id="{p}")],
    ("GET", "/incidents/{incident_id}"): [
        obj("/incidents/{incident_p}"),
        obj("/incidents/{incident_a}"),
    ],
    ("PATCH", "/incidents/{incident_id}"): obj("/incidents/{incident_p}", {**V, "title": "X"}),
    ("GET", "/incidents/{incident_id}/nis2"): obj("/incidents/{incident_p}/nis2"),
    ("POST", "/incidents/{incident_id}/nis2/decision"): obj(
        "/incidents/{incident_p}/nis2/decision", {"significant": True, "reasons": "X"}
    ),
    ("POST", "/incidents/{incident_id}/nis2/awareness"): obj(
        "/incidents/{incident_p}/nis2/awareness", {**V, "aware_at": "{now}", "reasons": "X"}
    ),
    ("PATCH", "/incidents/{incident_id}/nis2"): obj("/incidents/{incident_p}/nis2", {**V}),
    ("POST", "/incidents/{incident_id}/nis2/sendings"): obj(
        "/incidents/{incident_p}/nis2/sendings", {**V, "phase": "early_warning", "sent_at": "{now}"}
    ),
    ("POST", "/incidents/{incident_id}/nis2/intermediate-request"): obj(
        "/incidents/{incident_p}/nis2/intermediate-request",
        {**V, "due_at": "{now}"},
    ),
    ("GET", "/incidents/{incident_id}/nis2/draft"): obj(
        "/incidents/{incident_p}/nis2/draft", phase="early_warning"
    ),
    ("GET", "/nis2/deadlines"): lst("/nis2/deadlines"),
    ("GET", "/breaches"): [
        lst("/breaches"),
        lst("/breaches", controller_id="{a}"),
        lst("/breaches", open_only="true"),
    ],
    ("GET", "/breaches/{breach_id}"): [obj("/breaches/{breach_p}"), obj("/breaches/{breach_a}")],
    ("GET", "/breaches/{breach_id}/deadlines"): obj("/breaches/{breach_p}/deadlines"),
    ("GET", "/deadlines"): [lst("/deadlines"), lst("/deadlines", controller_id="{a}")],
    ("PATCH", "/breaches/{breach_id}"): obj("/breaches/{breach_a}", {**V, "approx_subjects": 3}),
    ("POST", "/breaches/{breach_id}/controller-informed"): obj(
        "/breaches/{breach_p}/controller-informed", {**V, "informed_at": "{now}"}
    ),
    ("POST", "/breaches/{breach_id}/awareness"): obj(
        "/breaches/{breach_p}/awareness",
        {**V, "aware_at": "{now}", "rationale": "X", "later_reasons": "Y"},
    ),
    ("POST", "/breaches/{breach_id}/assessment"): obj(
        "/breaches/{breach_p}/assessment", {**V, **ASSESS_FINANCIAL}
    ),
    ("POST", "/breaches/{breach_id}/decision"): obj(
        "/breaches/{breach_p}/decision", {**V, **DECIDE_HIGH}
    ),
    ("POST", "/breaches/{breach_id}/notifications"): obj(
        "/breaches/{breach_a}/notifications", {**V, "sent_at": "{now}", "phase": "complementary"}
    ),
    ("PATCH", "/breaches/{breach_id}/notifications/{notification_id}"): obj(
        "/breaches/{breach_a}/notifications/{notification}", {**V, "external_ref": "X"}
    ),
    ("GET", "/breaches/{breach_id}/previews/controller-notice"): obj(
        "/breaches/{breach_p}/previews/controller-notice"
    ),
    ("GET", "/breaches/{breach_id}/previews/cnil"): obj("/breaches/{breach_a}/previews/cnil"),
    ("GET", "/breaches/{breach_id}/previews/people"): obj("/breaches/{breach_a}/previews/people"),
    ("POST", "/breaches/{breach_id}/controller-notice"): obj(
        "/breaches/{breach_p}/controller-notice", V
    ),
    ("POST", "/breaches/{breach_id}/close"): obj(
        "/breaches/{breach_a}/close", {**V, "reasons": "X"}
    ),
    # Messages and journal
    ("GET", "/messages"): [
        lst("/messages"),
        lst("/messages", organisation_id="{a}"),
        lst("/messages", subject_id="{breach_p}"),
    ],
    ("GET", "/messages/{message_id}"): obj("/messages/{message}"),
    ("POST", "/messages/{message_id}/retry"): obj("/messages/{message}/retry"),
    ("GET", "/journal/verify"): own("/journal/verify"),
    ("GET", "/journal/public-key"): own("/journal/public-key"),
    # Exports, imports, calendar, evidence
    ("GET", "/organisations/{organisation_id}/exports/{document}"): [
        obj("/organisations/{a}/exports/controller-record", format=fmt)
        for fmt in ("csv", "xlsx", "ods", "json", "pdf")
    ]
    + [
        obj("/organisations/{a}/exports/processor-record", format="json"),
        obj("/organisations/{a}/exports/breach-register", format="json"),
        obj("/organisations/{p}/exports/processor-record", format="json"),
    ],
    ("GET", "/exports/schemas/{document}"): own("/exports/schemas/controller-record"),
    ("POST", "/organisations/{organisation_id}/imports/activities"): new(
        "/organisations/{a}/imports/activities", {}
    ),
    ("GET", "/organisations/{organisation_id}/calendar.ics"): obj(
        "/organisations/{a}/calendar.ics"
    ),
    ("POST", "/bundles"): obj("/bundles", {"organisation_ids": ["{a}"]}),
}
PUBLIC_PAGES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/healthz"}
ALLOWED = {"object": {403, 404}, "create": {403, 404, 422}, "list": {200, 403}}


def api_routes() -> list[tuple[str, str]]:
    """Every (method, path) the app serves under /api/v1, read from app.routes."""
    app = create_app(manage_database=False)
    found = []
    for route in iter_route_contexts(app.routes):
        if route.path in PUBLIC_PAGES or not getattr(route, "include_in_schema", False):
            continue  # the web pages (tests/web) and static files are not the JSON API
        assert route.path.startswith(V1), f"route outside {V1}: {route.path}: add it to the matrix"
        found += [(m, route.path.removeprefix(V1)) for m in sorted(route.methods - {"HEAD"})]
    return found


def _fill(value: Any, w: World) -> Any:
    if isinstance(value, str):
        return value.format(now=_now(), **w.ids)
    if isinstance(value, list):
        return [_fill(v, w) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, w) for k, v in value.items()}
    return value


def calls_for(key: tuple[str, str]) -> list[Call]:
    entry = MATRIX[key]
    return entry if isinstance(entry, list) else [entry]


def test_every_route_has_an_entry_in_the_matrix():
    missing = [f"{m} {p}" for m, p in api_routes() if (m, p) not in MATRIX]
    assert not missing, f"routes without isolation expectations: {missing}"


async def _request(http, method: str, call: Call, w: World):
    kwargs: dict[str, Any] = {"params": _fill(call.params, w)}
    if call.body is not None:
        kwargs["json"] = _fill(call.body, w)
    return await http.request(method, V1 + _fill(call.path, w), **kwargs)


def leaks(text: str, w: World) -> list[str]:
    return sorted(m for m in w.markers if m in text)


@pytest.fixture
async def world(client) -> World:
    return await build_world(client)


@pytest.mark.parametrize("role", ROLES_OF_B)
async def test_a_member_of_another_body_gets_nothing_of_a(role, world, make_user, client_as):
    http = await client_as(await make_user(f"{role}@commune-b.fr", (world["b"], role)))
    failures = []
    for method, path in api_routes():
        for call in calls_for((method, path)):
            if call.kind == "public":
                continue
            response = await _request(http, method, call, world)
            where = f"{role}: {method} {_fill(call.path, world)} {call.params or ''}"
            allowed = ALLOWED.get(call.kind)
            if allowed is not None and response.status_code not in allowed:
                failures.append(f"{where} -> {response.status_code} {response.text[:200]}")
            elif response.is_success and leaks(response.text, world):
                failures.append(
                    f"{where} -> {response.status_code} shows {leaks(response.text, world)}"
                )
    assert not failures, "\n".join(failures)


# P is no NIS 2 entity: its incident's NIS 2 draft answers A 409 (NIS 2 does not apply), B 404.
NOT_APPLICABLE_TO_P = {"/incidents/{incident_p}/nis2/draft"}


async def test_the_matrix_ids_are_real_a_reads_them(world, make_user, client_as):
    """The control: an auditor of A and P reads every object B was refused, so each 404
    above is isolation, not a wrong id."""
    user = await make_user("audit@commune-a.fr", (world["a"], "auditor"), (world["p"], "auditor"))
    http = await client_as(user)
    read = 0
    for method, path in api_routes():
        for call in calls_for((method, path)):
            if method != "GET" or call.kind != "object":
                continue
            response = await _request(http, method, call, world)
            if call.path in NOT_APPLICABLE_TO_P:  # found, and refused for what P is
                assert response.status_code == 409, (call.path, response.text)
                continue
            assert response.status_code == 200, (call.path, response.text)
            read += 1
    assert read >= 20


async def test_an_auditor_cannot_write_anything(world, make_user, client_as):
    http = await client_as(await make_user("audit@commune-a.fr", (world["a"], "auditor")))
    for method, path in api_routes():
        if method == "GET":
            continue
        for call in calls_for((method, path)):
            if call.kind in ("public", "own"):
                continue
            response = await _request(http, method, call, world)
            assert response.status_code in (403, 404), (method, call.path, response.text)


async def test_the_processors_security_officer_sees_what_it_reports_not_the_register(
    world, make_user, client_as
):
    rssi = await client_as(await make_user("rssi@ept.fr", (world["p"], "security_officer")))
    dpo = await client_as(await make_user("dpd@ept.fr", (world["p"], "dpo")))
    for http in (rssi, dpo):
        # The breach P must report to A: seen, with its clock and the notice's preview.
        listed = (await http.get(f"{V1}/breaches")).json()
        assert [b["id"] for b in listed["items"]] == [world["breach_p"]]
        assert (await http.get(f"{V1}/breaches/{world['breach_p']}")).status_code == 200
        deadlines = (await http.get(f"{V1}/deadlines")).json()
        assert {d["breach_id"] for d in deadlines} <= {world["breach_p"]}
        preview = f"{V1}/breaches/{world['breach_p']}/previews/controller-notice"
        assert (await http.get(preview)).status_code == 200
        # The convention it is party to.
        assert (await http.get(f"{V1}/conventions/{world['convention']}")).status_code == 200
        # Never A's own breach, activities, records, breach register, contacts, messages.
        assert (await http.get(f"{V1}/breaches/{world['breach_a']}")).status_code == 404
        assert (await http.get(f"{V1}/activities/{world['activity']}")).status_code == 404
        activities = (await http.get(f"{V1}/activities")).text
        assert world["activity"] not in activities
        for path in (
            f"/organisations/{world['a']}",
            f"/organisations/{world['a']}/records/controller",
            f"/organisations/{world['a']}/breach-register",
            f"/contacts/{world['contact']}",
            f"/messages/{world['message']}",
        ):
            assert (await http.get(V1 + path)).status_code in (403, 404), path
        # A's decisions stay A's: 403 for the RSSI (no such role), 404 for P's DPO.
        decision = await http.post(
            f"{V1}/breaches/{world['breach_p']}/decision", json={**V, **DECIDE_HIGH}
        )
        assert decision.status_code in (403, 404)
    # Telling the controller is the processor's act: allowed (409 here: already informed).
    informed = await rssi.post(
        f"{V1}/breaches/{world['breach_p']}/controller-informed",
        json={**V, "informed_at": _now()},
    )
    assert informed.status_code not in (401, 403, 404), informed.text


async def test_a_shared_dpo_sees_both_bodies_and_nothing_else(world, make_user, client_as):
    user = await make_user("dpd@mutualise.fr", (world["a"], "dpo"), (world["b"], "dpo"))
    http = await client_as(user)
    orgs = {o["id"] for o in (await http.get(f"{V1}/organisations")).json()["items"]}
    assert orgs == {world["a"], world["b"]}
    assert (await http.get(f"{V1}/activities/{world['activity']}")).status_code == 200
    assert (await http.get(f"{V1}/organisations/{world['p']}")).status_code == 404
    me = (await http.get(f"{V1}/auth/me")).json()
    assert {m["organisation_id"] for m in me["memberships"]} == {world["a"], world["b"]}
