"""Every page number, page size, offset and limit is bounded: the API answers 422 in French
beyond, the pages show the last page; never a 500 (an offset past a database integer used to
overflow: `/journal?page=10**30`)."""

import uuid

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from api.app import create_app
from tests.access.conftest import make_user  # noqa: F401  (the fixture)
from tests.factories import API, make_activity, make_org
from tests.web.conftest import browser  # noqa: F401  (the fixture)

PAGING_NAMES = {"limit", "offset", "page", "page_size", "size"}
HUGE = str(10**30)


def _query_names(dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _paged_api_routes() -> list[tuple[str, set[str]]]:
    found = []
    for context in iter_route_contexts(create_app(manage_database=False).routes):
        route = context.route
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        names = _query_names(route.dependant)
        if names & PAGING_NAMES:
            found.append((context.path, names & PAGING_NAMES))
    return found


def _concrete(path: str, org_id: str) -> str:
    # Path parameters: the body made for the test (a valid value whatever its name).
    return path.replace("{organisation_id}", org_id).replace("{document}", "breach-register")


def _web_pages() -> list[str]:
    app = create_app(manage_database=False)
    return [
        c.path
        for c in iter_route_contexts(app.routes)
        if isinstance(c.route, APIRoute)
        and "GET" in c.route.methods
        and not c.route.include_in_schema
        and "{" not in c.path
    ]


def test_the_premise_the_api_lists_are_found():
    paths = [p for p, _ in _paged_api_routes()]
    assert (
        f"{API}/activities" in paths and f"{API}/organisations/{{organisation_id}}/journal" in paths
    )
    assert len(paths) >= 8


@pytest.mark.parametrize(("path", "names"), _paged_api_routes())
@pytest.mark.parametrize("value", [HUGE, str(2**31), "-1", "0", "abc", "1.5", ""])
async def test_every_api_paging_parameter_is_bounded(client, path, names, value):
    org = await make_org(client)
    for name in sorted(names):
        if value == "0" and name == "offset":
            continue  # a first page
        response = await client.get(_concrete(path, org["id"]), params={name: value})
        if value == "":
            assert response.status_code in (200, 422), (path, name, response.text)
            continue
        assert response.status_code == 422, (path, name, value, response.text)
        problem = response.json()["detail"][0]
        assert problem["loc"] == ["query", name]
        assert problem["msg"].startswith(("doit", "identifiant")), problem  # French


async def test_a_large_page_size_is_brought_down_to_the_maximum(client, settings_env):
    settings_env(max_page_size=3)
    org = await make_org(client)
    for _ in range(4):
        await make_activity(client, controller=org)
    page = (await client.get(f"{API}/activities", params={"limit": 2**31 - 1})).json()
    assert page["limit"] == 3 and len(page["items"]) == 3


@pytest.mark.parametrize("value", [HUGE, "9" * 5000, "-5", "0", "abc", str(2**63)])
async def test_no_page_answers_a_500_to_a_huge_page_number(
    client,
    browser,  # noqa: F811
    make_user,  # noqa: F811
    value,
):
    org = await make_org(client)
    await make_activity(client, controller=org)
    admin = await make_user(
        f"admin-{uuid.uuid4().hex[:8]}@exemple.fr", (org["id"], "dpo"), instance_admin=True
    )
    http = await browser(admin)
    pages = _web_pages()
    assert "/journal" in pages and "/registre" in pages and "/conventions" in pages
    for path in pages:
        params = {"page": value, "limit": value, "offset": value, "organisme": org["id"]}
        answer = await http.get(path, params=params)
        assert answer.status_code < 500, (path, answer.status_code, answer.text[-2000:])


async def test_the_journal_page_past_the_end_shows_the_last_page(client, browser, make_user):  # noqa: F811
    org = await make_org(client)
    await make_activity(client, controller=org, name="Cantine scolaire")
    auditor = await make_user("audit@exemple.fr", (org["id"], "auditor"))
    http = await browser(auditor)

    page = await http.get("/journal", params={"organisme": org["id"], "page": HUGE})

    assert page.status_code == 200
    assert "Cantine scolaire" in page.text
