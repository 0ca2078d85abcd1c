"""The import resolves names only among what the caller may name (issue 13): another body's
name, SIREN, convention title or measure title answers exactly as one nobody bears, in the dry
run and in the import; a partner under a convention in force may be named."""

from uuid import uuid4

from core.tabular.document import ExportFormat
from register.conventions.models import Convention, ConventionParty
from register.enums import ConventionStatus
from tests.access.conftest import client_as, make_user
from tests.factories import (
    API,
    SIREN_JUVISY,
    SIREN_OTHER,
    make_convention,
    make_measure,
    make_org,
    read,
)
from tests.imports.helpers import table, write

__all__ = ["client_as", "make_user"]  # the fixtures, shared with the access tests


async def _file(**row) -> bytes:
    return await write(
        table(["name", *row], [{"name": "Paie des agents", **row}]), ExportFormat.CSV
    )


async def _upload(http, org_id: str, data: bytes, **params):
    return await http.post(
        f"{API}/organisations/{org_id}/imports/activities",
        params=params,
        files={"file": ("registre.csv", data)},
    )


def _said(response, name: str) -> list[dict]:
    """The problems of an import, the name typed in the file blanked out."""
    body = response.json()
    problems = body["report"]["problems"] if "report" in body else body["problems"]
    return [{**p, "message": p["message"].replace(name, "…")} for p in problems]


async def _world(client, make_user, client_as):
    a = await make_org(client, legal_name="Commune Alpha", siren=SIREN_JUVISY)
    b = await make_org(client, legal_name="Commune Beta", siren=SIREN_OTHER)
    p = await make_org(client, kind="ept", legal_name="EPT Partenaire")
    convention = await make_convention(client, processor=p, controller=a, title="Convention AP")
    b_convention = await make_convention(
        client, processor=p, controller=b, title="Convention de Beta"
    )
    b_measure = await make_measure(client, organisation=b, title="Sauvegardes de Beta")
    user = await make_user("dpd@alpha.fr", (a["id"], "dpo"))
    return a, b, p, convention, b_convention, b_measure, await client_as(user)


async def test_another_body_named_in_an_import_answers_as_a_body_nobody_is(
    client, make_user, client_as
):
    a, b, _, _, b_convention, b_measure, dpo = await _world(client, make_user, client_as)
    before = await read(client, f"/organisations/{b['id']}/records/controller")
    cases = [
        ("joint_controllers", "Commune Beta", "Commune Inexistante"),
        ("joint_controllers", SIREN_OTHER, "219300910"),
        ("joint_controllers", b["id"], str(uuid4())),
        ("conventions", b_convention["title"], "Convention Inexistante"),
        ("conventions", b_convention["id"], str(uuid4())),
        ("security_measures", b_measure["title"], "Mesure Inexistante"),
        ("security_measures", b_measure["id"], str(uuid4())),
    ]
    for column, theirs, nobody in cases:
        for dry_run in (True, False):
            answers = []
            for name in (theirs, nobody):
                response = await _upload(
                    dpo, a["id"], await _file(**{column: name}), dry_run=dry_run
                )
                assert response.status_code == (200 if dry_run else 422), response.text
                answers.append(_said(response, name))
            assert answers[0] == answers[1], (column, theirs, dry_run)
            assert answers[0], (column, theirs)
    activities = await read(client, f"/activities?controller_id={a['id']}")
    assert activities["total"] == 0
    assert await read(client, f"/organisations/{b['id']}/records/controller") == before
    assert (await read(client, f"/messages?organisation_id={b['id']}"))["total"] == 0


async def test_a_partner_under_a_convention_in_force_may_be_named(client, make_user, client_as):
    a, _, p, convention, _, _, dpo = await _world(client, make_user, client_as)
    data = await _file(joint_controllers="EPT Partenaire", conventions="Convention AP")
    response = await _upload(dpo, a["id"], data)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1
    activity = await read(client, f"/activities/{response.json()['created_ids'][0]}")
    assert activity["joint_controller_ids"] == [p["id"]]
    assert activity["convention_ids"] == [convention["id"]]


async def test_a_convention_only_proposed_gives_no_partner(client, make_user, client_as):
    a, _, p, _, _, _, dpo = await _world(client, make_user, client_as)
    with_p = await ConventionParty.filter(organisation_id=p["id"]).values_list(
        "convention_id", flat=True
    )
    await Convention.filter(id__in=list(with_p)).update(status=ConventionStatus.PROPOSED)
    answers = []
    for name in ("EPT Partenaire", "EPT Inexistant"):
        response = await _upload(dpo, a["id"], await _file(joint_controllers=name), dry_run=True)
        answers.append(_said(response, name))
    assert answers[0] == answers[1] and answers[0]
    response = await _upload(dpo, a["id"], await _file(conventions="Convention AP"), dry_run=True)
    assert "n'est pas en vigueur" in response.json()["problems"][0]["message"]
