"""Small builders that go through the API, as a DPO's client would, and return the JSON.

`await make_convention(client, processor=ept, controller=juvisy)` reads as the arrangement it
builds. Every builder asserts its own 201, so a test fails where the data was refused.
"""

import itertools
from typing import Any

import httpx

API = "/api/v1"

# SIRENs whose Luhn key was checked with core.validators.check_siren.
SIREN_GPSO = "200058014"
SIREN_JUVISY = "219100930"
SIREN_OTHER = "219200920"
SIRET_GPSO = "20005801400008"  # SIREN_GPSO + a valid establishment number

_sequence = itertools.count(1)


def _unique(prefix: str) -> str:
    return f"{prefix} {next(_sequence):04d}"


async def created(client: httpx.AsyncClient, path: str, payload: dict[str, Any]) -> dict:
    response = await client.post(f"{API}{path}", json=payload)
    assert response.status_code == 201, response.text
    return response.json()


async def read(client: httpx.AsyncClient, path: str) -> dict:
    response = await client.get(f"{API}{path}")
    assert response.status_code == 200, response.text
    return response.json()


async def make_org(client: httpx.AsyncClient, *, kind: str = "commune", **fields: Any) -> dict:
    payload = {"legal_name": _unique(f"Organisme {kind}"), "kind": kind, **fields}
    return await created(client, "/organisations", payload)


async def make_dpo(client: httpx.AsyncClient, **fields: Any) -> dict:
    payload = {
        "mode": "mutualised",
        "name": _unique("DPD"),
        "email": "dpd@example.fr",
        **fields,
    }
    return await created(client, "/dpos", payload)


async def make_contact(client: httpx.AsyncClient, *, organisation: dict, **fields: Any) -> dict:
    payload = {
        "organisation_id": organisation["id"],
        "name": _unique("Contact"),
        "roles": ["rssi"],
        **fields,
    }
    return await created(client, "/contacts", payload)


def party(org: dict, role: str) -> dict:
    return {"organisation_id": org["id"], "role": role}


async def make_convention(
    client: httpx.AsyncClient,
    *,
    processor: dict | None = None,
    controller: dict | None = None,
    parties: list[dict] | None = None,
    **fields: Any,
) -> dict:
    """A processor acting for a controller (art. 28), unless `parties` says otherwise."""
    if parties is None:
        assert processor and controller, "give processor and controller, or parties"
        parties = [party(processor, "processor"), party(controller, "controller")]
    payload = {
        "title": _unique("Convention"),
        "kind": "art28_contract",
        "start_date": "2024-01-01",
        "parties": parties,
        **fields,
    }
    return await created(client, "/conventions", payload)


async def make_activity(client: httpx.AsyncClient, *, controller: dict, **fields: Any) -> dict:
    payload = {"controller_id": controller["id"], "name": _unique("Traitement"), **fields}
    return await created(client, "/activities", payload)


def complete_record() -> dict[str, Any]:
    """Every art. 30(1) item a finished record must give."""
    return {
        "purposes": ["Tenue des registres d'état civil"],
        "legal_basis": "legal_obligation",
        "data_subject_categories": ["citizens"],
        "data_categories": ["civil_status"],
        "retention": [
            {
                "data_category": "civil_status",
                "value": 75,
                "unit": "year",
                "final_disposition": "versement",
            }
        ],
        "recipients": [{"kind": "internal", "name": "Service population"}],
    }


async def make_subprocessor(client: httpx.AsyncClient, *, processor: dict, **fields: Any) -> dict:
    payload = {
        "processor_id": processor["id"],
        "name": _unique("Hébergeur"),
        "services": "Hébergement des serveurs",
        "authorisation": "general",
        **fields,
    }
    return await created(client, "/subprocessors", payload)


async def make_measure(client: httpx.AsyncClient, *, organisation: dict, **fields: Any) -> dict:
    payload = {"organisation_id": organisation["id"], "title": _unique("Mesure"), **fields}
    return await created(client, "/measures", payload)


# Reading refusals ---------------------------------------------------------------------------


def problem_at(response: httpx.Response, loc: list) -> str:
    """The message of the 422 problem blamed on `loc`; fails if there is none."""
    assert response.status_code == 422, response.text
    problems = response.json()["detail"]
    for problem in problems:
        if problem["loc"] == loc:
            return problem["msg"]
    raise AssertionError(f"no problem at {loc}; got {problems}")


def assert_refused(response: httpx.Response, loc: list, says: str) -> None:
    """422, blamed on exactly `loc`, with a message containing `says`."""
    message = problem_at(response, loc)
    assert says in message, f"{message!r} does not say {says!r}"
