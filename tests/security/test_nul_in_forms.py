# ruff: noqa: F811 (the access fixtures, imported, are then named as arguments)
"""A NUL character (U+0000) in any text field of any form, url-encoded or multipart, pages and
API alike, is refused with a French answer naming the field before any handler runs: the API's
422, the pages' error page; never a 500 (PostgreSQL cannot store it). Files may hold NUL bytes.
Run on PostgreSQL too (RGPD_TEST_DB=postgres), where a NUL used to end in a 500."""

import inspect
import re
import uuid

from fastapi.routing import iter_route_contexts

from api.app import create_app
from register.documents.models import Document
from tests.access.conftest import make_user  # noqa: F401 (fixture)
from tests.factories import API, PDF_BYTES, attach_document, bodies, problem_at
from tests.web.conftest import browser, csrf_of  # noqa: F401 (fixture)

NUL = "caractère nul (U+0000) refusé"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PAGE_FIELD = re.compile(r'(?:text\(form, |form\.get\(|form\.getlist\()"([\w-]+)"')


def _fields(route) -> list[str]:
    """The form fields a route reads: declared (the API), else read in its handler (pages)."""
    declared = [p.alias for p in route.dependant.body_params] if hasattr(route, "dependant") else []
    if not declared:
        declared = PAGE_FIELD.findall(inspect.getsource(route.endpoint))
    return list(dict.fromkeys(declared)) or ["texte"]


def _write_routes() -> list[tuple[str, str, list[str]]]:
    app = create_app(manage_database=False)
    found = []
    for route in iter_route_contexts(app.routes):
        for method in sorted((getattr(route, "methods", None) or set()) & WRITES):
            found.append((method, route.path, _fields(route)))
    return found


def _path(template: str, ids: dict[str, str]) -> str:
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: ids.get(m.group(1), str(uuid.uuid4())), template)


async def _send(http, method: str, path: str, fields: dict, multipart: bool, headers: dict):
    if multipart:
        files = {name: (None, value) for name, value in fields.items()}
        return await http.request(method, path, files=files, headers=headers)
    return await http.request(method, path, data=fields, headers=headers)


async def test_every_form_route_refuses_a_nul_in_every_field(client, make_user, browser):
    w = await bodies(client)
    ids = {"convention_id": w["convention"]["id"], "organisation_id": w["commune"]["id"]}
    page_user = await browser(await make_user("dpd@vitry.fr", (w["commune"]["id"], "dpo")))
    token = csrf_of((await page_user.get(f"/conventions/{ids['convention_id']}")).text)
    routes = _write_routes()
    assert len(routes) > 60  # premise: the app's write routes, API and pages, were found
    assert any(p == "/conventions/{convention_id}/fin-de-service" for _, p, _ in routes)
    checked = 0
    for method, template, names in routes:
        is_api = template.startswith("/api/")
        http, headers = (client, {}) if is_api else (page_user, {"X-CSRF-Token": token})
        for multipart in (False, True):
            for name in names:
                fields = {n: "texte propre" for n in names} | {name: "a\x00b"}
                answer = await _send(http, method, _path(template, ids), fields, multipart, headers)
                where = (method, template, name, multipart, answer.text[:300])
                assert answer.status_code == 422, where
                if is_api:
                    assert NUL in problem_at(answer, ["body", name]), where
                else:
                    assert NUL in answer.text and f"« {name} »" in answer.text, where
                checked += 1
    assert checked > 150


async def test_the_reviewer_s_cases_write_nothing(client, make_user, browser):
    w = await bodies(client)
    convention = w["convention"]["id"]
    api = await attach_document(client, convention=w["convention"], title="a\x00b")
    assert NUL in problem_at(api, ["body", "title"])
    http = await browser(await make_user("dpd@vitry.fr", (w["commune"]["id"], "dpo")))
    page = await http.get(f"/conventions/{convention}/documents/nouveau")
    action = f"/conventions/{convention}/documents?csrf_token={csrf_of(page.text)}"
    sent = await http.post(
        action,
        data={"nature": "annex", "titre": "a\x00b"},
        files={"fichier": ("annexe.pdf", PDF_BYTES, "application/pdf")},
    )
    assert sent.status_code == 422 and NUL in sent.text and "« titre »" in sent.text
    end = await http.post(
        f"/conventions/{convention}/fin-de-service",
        data={"how": "a\x00b", "csrf_token": csrf_of(page.text)},
    )
    assert end.status_code == 422 and NUL in end.text
    assert await Document.filter(convention_id=convention).count() == 0


async def test_a_nul_in_a_file_or_a_query_is_not_a_500(client, make_user, browser):
    w = await bodies(client)
    # A file's bytes are not text: a PDF holding NUL bytes is attached.
    with_nul = PDF_BYTES + b"\x00\x01\x00"
    attached = await attach_document(client, convention=w["convention"], data=with_nul)
    assert attached.status_code == 201, attached.text
    # A query string: the API's 422, the pages' error page, both in French.
    api = await client.get(f"{API}/conventions", params={"q": "a\x00b"})
    assert NUL in problem_at(api, ["query", "q"])
    http = await browser(await make_user("dpd@vitry.fr", (w["commune"]["id"], "dpo")))
    page = await http.get("/conventions", params={"q": "a\x00b"})
    assert page.status_code == 422 and NUL in page.text and "« q »" in page.text
