"""The JSON API for the browser tests: a token the CLI makes for a demo account, and the
workflow's steps (the same payloads as tests/factories.py, sent to the live server)."""

import re
from datetime import UTC, datetime, timedelta

import httpx

API = "/api/v1"


def iso(moment: datetime) -> str:
    return moment.isoformat()


def ago(**delta) -> datetime:
    return (datetime.now(UTC) - timedelta(**delta)).replace(microsecond=0)


def api(live_server, email: str) -> httpx.Client:
    """A JSON API client with a token the CLI made for `email`."""
    printed = live_server.cli("token", "create", email, "--name", "essai navigateur")
    token = re.search(r"rgpd_[A-Za-z0-9_-]+", printed)[0]
    return httpx.Client(
        base_url=live_server.base_url + API,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def body_ids(http: httpx.Client) -> dict[str, str]:
    items = ok(http.get("/organisations", params={"limit": 100}))["items"]
    return {o["legal_name"]: o["id"] for o in items}


def activity_of(http: httpx.Client, ref: str | None = None, controller: str | None = None) -> str:
    items = ok(http.get("/activities", params={"limit": 500}))["items"]
    found = [
        a
        for a in items
        if (ref is None or a["ref"] == ref)
        and (controller is None or a["controller_id"] == controller)
    ]
    assert found, (ref, controller)
    return found[0]["id"]


def declare(http: httpx.Client, org_id: str, activity_id: str, *, detected, **extra) -> list[str]:
    incident = {
        "organisation_id": org_id,
        "title": "Rançongiciel sur le serveur de fichiers",
        "description": "Chiffrement des partages réseau et copie de fichiers constatée.",
        "detected_at": iso(detected),
        "nature": ["confidentiality"],
        "origin": "hacking_malware_phishing",
        "cause": "external_malicious",
        "activity_ids": [activity_id],
        **extra,
    }
    return ok(http.post("/incidents", json=incident), 201)["breach_ids"]


def step(http: httpx.Client, breach: dict, action: str, **payload) -> dict:
    payload.setdefault("version", breach["version"])
    return ok(http.post(f"/breaches/{breach['id']}/{action}", json=payload))


def facts(http: httpx.Client, breach: dict, **fields) -> dict:
    return ok(
        http.patch(f"/breaches/{breach['id']}", json={"version": breach["version"], **fields})
    )
