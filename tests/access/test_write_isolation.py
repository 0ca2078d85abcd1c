"""The write isolation matrix: every write route, and the import, called by each role of body
A with references to body B's objects, changes nothing of B, queues no message for B, and
answers as it would for an id that does not exist.

A and B share nothing. B (a commune, the victim) has its own processor Q, and every kind of
object: its organisation, DPO, contacts, activity, measure, a convention with Q in force, Q's
sub-processor engagement, a breach Q reported to B (notice e-mailed: a message of B), B's own
breach notified to the CNIL, a B user's token, and a proposal from B to Q awaiting Q. A (the
caller's body) has its own DPO, contact, activity, measure, sub-processor engagement, a
convention with its processor P, an incident, and a proposal naming B (a convention proposed
to another body is allowed: it binds nobody until B accepts).

Each write route comes from app.routes: a route added later fails
`test_every_write_route_has_an_entry` until it has calls here. For each call and role:
1. B's data, read by the instance administrator before and after (organisations, DPOs,
   contacts, activities, conventions, engagements, measures, incidents, breaches, records art.
   30, breach register, messages, proposals, journal), is identical;
2. no outbox message is queued for B or Q, nor addressed to their people;
3. the same call with B's ids (or names) replaced by ones nobody bears answers the same status
   and the same `detail` (ids put back), and a success shows nothing of B it was not given.
A call that proposes a convention to B (`proposes`) may add a proposal to B's list and B's
journal, and a proposed convention, never a convention in force; its answer is not compared
with the unknown id's (naming a body in a proposal is allowed).
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.routing import iter_route_contexts

from api.app import create_app
from core.outbox.models import OutboxMessage
from tests.access.world import build_world
from tests.factories import (
    ASSESS_FINANCIAL,
    DECIDE_HIGH,
    SIREN_OTHER,
    ago,
    iso,
    make_contact,
    make_convention,
    make_dpo,
    make_measure,
    make_org,
    make_subprocessor,
)

V1 = "/api/v1"
ROLES_OF_A = ("dpo", "security_officer", "auditor", "administrator")
PUBLIC_PAGES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/healthz"}
WRITES = {"POST", "PATCH", "PUT", "DELETE"}
TRACE = False

# What the unknown-id variant puts instead of B's names (nobody bears them).
UNKNOWN_NAMES = {
    "B_name": "Commune de Nulle-Part",
    "B_siren": SIREN_OTHER,
    "B_conv_title": "Convention que personne n'a signée",
    "B_measure_title": "Mesure que personne n'a prise",
}


@dataclass(frozen=True)
class Call:
    path: str  # with {key} filled from the world's ids
    body: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    version_of: str | None = None  # GET path whose version goes in {version}
    file: str | None = None  # a CSV to upload (the import)
    form: dict[str, str] | None = None  # with `file`: a document to attach (multipart fields)
    hides: bool = True  # answers as for an unknown id
    proposes: bool = False  # may propose a convention to B
    label: str = ""


def call(path, body=None, *, version_of=None, label="", **params) -> Call:
    return Call(path, body, params, version_of, label=label)


def edit(path, body=None, *, label="", **params) -> Call:
    """A PATCH, DELETE or breach step on the object at `path`, at its current version."""
    if body is not None:
        body = {"version": "{version}", **body}
    else:
        params = {"version": "{version}", **params}
    return Call(path, body, params, version_of=path, label=label)


def edit_of(path, version_of, body, *, label="") -> Call:
    return Call(path, {"version": "{version}", **body}, {}, version_of=version_of, label=label)


def upload(org: str, csv: str, *, dry_run: bool, label: str) -> Call:
    params = {"format": "csv", "dry_run": "true" if dry_run else "false"}
    csv = csv.replace("Traitement importé", f"Traitement importé ({label})")
    return Call(f"/organisations/{org}/imports/activities", None, params, file=csv, label=label)


def attach(path: str) -> Call:
    """A PDF attached to the object at `path` (a convention's, an engagement's documents)."""
    form = {"kind": "other", "title": "Pièce de A"}
    return Call(path, None, {}, file="%PDF-1.4\n%%EOF\n", form=form)


def proposal(path, body, *, label="") -> Call:
    return Call(path, body, {}, None, hides=False, proposes=True, label=label)


def activity(**refs) -> dict:
    return {"controller_id": "{A}", "name": "Traitement de A", **refs}


def engagement(**refs) -> dict:
    return {
        "processor_id": "{A}",
        "name": "Hébergeur de A",
        "services": "Hébergement",
        "authorisation": "general",
        **refs,
    }


def incident(**refs) -> dict:
    return {
        "organisation_id": "{A}",
        "title": "Incident déclaré par A",
        "description": "Y",
        "detected_at": "{days_ago}",
        "nature": ["availability"],
        "origin": "hacking_malware_phishing",
        "cause": "external_malicious",
        **refs,
    }


def convention(*parties: tuple[str, str], **fields) -> dict:
    return {
        "title": "Convention proposée par A",
        "kind": "art28_contract",
        "start_date": "2024-01-01",
        "parties": [{"organisation_id": o, "role": r} for o, r in parties],
        **fields,
    }


CSV_HEADER = "Nom / sigle;Responsables conjoints;Conventions;Mesures de sécurité\n"


def csv(joint: str = "", conventions: str = "", measures: str = "") -> str:
    return CSV_HEADER + f"Traitement importé par A;{joint};{conventions};{measures}\n"


PIRATE = "pirate@commune-a.fr"
RECIPIENT_B = {"kind": "external_org", "name": "B", "organisation_id": "{B}"}

MATRIX: dict[tuple[str, str], list[Call]] = {
    ("POST", "/auth/login"): [],  # public: tests/access/test_authentication.py
    ("POST", "/auth/logout"): [Call("/auth/logout", hides=False)],
    ("POST", "/auth/tokens"): [Call("/auth/tokens", {"name": "essai"}, hides=False)],
    ("POST", "/auth/password"): [
        Call(
            "/auth/password",
            {"current_password": "pas le mot de passe", "new_password": "x" * 12},
            hides=False,
        )
    ],
    ("DELETE", "/auth/tokens/{token_id}"): [call("/auth/tokens/{B_token}")],
    # Register
    ("POST", "/organisations"): [
        call("/organisations", {"legal_name": "X", "kind": "commune", "dpo_id": "{B_dpo}"})
    ],
    ("PATCH", "/organisations/{organisation_id}"): [
        edit("/organisations/{B}", {"legal_rep_email": PIRATE}),
        edit("/organisations/{A}", {"dpo_id": "{B_dpo}"}, label="A's DPO := B's"),
    ],
    ("DELETE", "/organisations/{organisation_id}"): [edit("/organisations/{B}")],
    ("POST", "/dpos"): [
        Call("/dpos", {"mode": "internal", "name": "DPD", "email": PIRATE}, hides=False)
    ],
    ("PATCH", "/dpos/{dpo_id}"): [
        edit("/dpos/{B_dpo}", {"email": PIRATE}),
        edit("/dpos/{Q_dpo}", {"email": PIRATE}),
    ],
    ("DELETE", "/dpos/{dpo_id}"): [edit("/dpos/{B_dpo}")],
    ("POST", "/contacts"): [
        call("/contacts", {"organisation_id": "{B}", "name": "X", "roles": ["rssi"]})
    ],
    ("PATCH", "/contacts/{contact_id}"): [
        edit("/contacts/{B_contact}", {"email": PIRATE}),
        edit("/contacts/{A_contact}", {"organisation_id": "{B}"}, label="move A's contact to B"),
    ],
    ("DELETE", "/contacts/{contact_id}"): [edit("/contacts/{B_contact}")],
    ("POST", "/conventions"): [
        proposal(
            "/conventions",
            convention(("{A}", "controller"), ("{B}", "processor")),
            label="A proposes to B",
        ),
        call(
            "/conventions",
            convention(("{B}", "controller"), ("{Q}", "processor")),
            label="between B and Q only",
        ),
    ],
    ("PATCH", "/conventions/{convention_id}"): [
        edit("/conventions/{B_conv}", {"breach_notice_hours": 720, "audit_right": False}),
        Call(
            "/conventions/{A_conv}",
            {
                "version": "{version}",
                "parties": [
                    {"organisation_id": "{A}", "role": "controller"},
                    {"organisation_id": "{P}", "role": "processor"},
                    {"organisation_id": "{B}", "role": "sub_processor"},
                ],
            },
            version_of="/conventions/{A_conv}",
            hides=False,
            proposes=True,
            label="A proposes to add B",
        ),
    ],
    ("DELETE", "/conventions/{convention_id}"): [edit("/conventions/{B_conv}")],
    ("PATCH", "/conventions/{convention_id}/clauses"): [
        edit_of(
            "/conventions/{B_conv}/clauses",
            "/conventions/{B_conv}",
            {"clauses": {"audits": {"status": "absent", "note": "X"}}},
        )
    ],
    ("POST", "/conventions/{convention_id}/end-of-service"): [
        call(
            "/conventions/{B_conv}/end-of-service",
            {"step": "destroyed", "done_on": "2024-02-01", "done_by": "A"},
        ),
        call(
            "/conventions/{A_conv}/end-of-service",
            {"controller_id": "{B}", "step": "returned", "done_on": "2024-02-01", "how": "X"},
            label="B as a controller of A's convention",
        ),
    ],
    ("DELETE", "/conventions/{convention_id}/end-of-service/{record_id}"): [
        call("/conventions/{B_conv}/end-of-service/{B_end_of_service}", version=1)
    ],
    # Documents: attached to B's convention, to Q's engagement, or B's one removed.
    ("POST", "/conventions/{convention_id}/documents"): [attach("/conventions/{B_conv}/documents")],
    ("POST", "/subprocessors/{engagement_id}/documents"): [
        attach("/subprocessors/{Q_engagement}/documents")
    ],
    ("DELETE", "/documents/{document_id}"): [call("/documents/{B_document}", version=1)],
    ("POST", "/conventions/{convention_id}/notice"): [
        edit_of(
            "/conventions/{B_conv}/notice",
            "/conventions/{B_conv}",
            {"organisation_id": "{B}", "given_on": "2025-01-02"},
        ),
        edit_of(
            "/conventions/{A_conv}/notice",
            "/conventions/{A_conv}",
            {"organisation_id": "{B}", "given_on": "2025-01-02"},
            label="notice in B's name on A's convention",
        ),
    ],
    ("POST", "/conventions/{convention_id}/termination"): [
        edit_of(
            "/conventions/{B_conv}/termination",
            "/conventions/{B_conv}",
            {"terminated_on": "2025-01-02", "reason": "X"},
        )
    ],
    ("POST", "/conventions/{convention_id}/express-renewals"): [
        edit_of(
            "/conventions/{B_conv}/express-renewals",
            "/conventions/{B_conv}",
            {"decided_on": "2025-01-02", "reference": "X"},
        )
    ],
    ("POST", "/convention-proposals/{proposal_id}/accept"): [
        call("/convention-proposals/{B_proposal}/accept", {}),
        Call(
            "/convention-proposals/{A_proposal}/accept",
            {"organisation_id": "{B}"},
            hides=False,  # B is a party of A's proposal: A knows it
            label="on behalf of B",
        ),
    ],
    ("POST", "/convention-proposals/{proposal_id}/refuse"): [
        call("/convention-proposals/{B_proposal}/refuse", {"comment": "Non."}),
        Call(
            "/convention-proposals/{A_proposal}/refuse",
            {"organisation_id": "{B}", "comment": "Non."},
            hides=False,
            label="on behalf of B",
        ),
    ],
    ("POST", "/convention-proposals/{proposal_id}/withdraw"): [
        call("/convention-proposals/{B_proposal}/withdraw")
    ],
    ("POST", "/activities"): [
        call("/activities", {"controller_id": "{B}", "name": "X"}),
        call("/activities", activity(joint_controller_ids=["{B}"]), label="joint controller B"),
        call("/activities", activity(convention_ids=["{B_conv}"]), label="B's convention"),
        call("/activities", activity(security_measure_ids=["{B_measure}"]), label="B's measure"),
        call("/activities", activity(recipients=[RECIPIENT_B]), label="recipient B"),
    ],
    ("PATCH", "/activities/{activity_id}"): [
        edit("/activities/{B_activity}", {"name": "X"}),
        edit("/activities/{A_activity}", {"controller_id": "{B}"}, label="move to B"),
        edit("/activities/{A_activity}", {"joint_controller_ids": ["{B}"]}, label="joint B"),
        edit("/activities/{A_activity}", {"convention_ids": ["{B_conv}"]}, label="B's conv"),
        edit("/activities/{A_activity}", {"security_measure_ids": ["{B_measure}"]}, label="B's m."),
        edit("/activities/{A_activity}", {"recipients": [RECIPIENT_B]}, label="recipient B"),
    ],
    ("DELETE", "/activities/{activity_id}"): [edit("/activities/{B_activity}")],
    ("POST", "/subprocessors"): [
        call("/subprocessors", {**engagement(), "processor_id": "{Q}"}),
        call("/subprocessors", engagement(subprocessor_org_id="{B}"), label="sub-processor B"),
        call("/subprocessors", engagement(convention_ids=["{B_conv}"]), label="B's convention"),
        call("/subprocessors", engagement(activity_ids=["{B_activity}"]), label="B's activity"),
        call("/subprocessors", engagement(parent_id="{Q_engagement}"), label="Q's engagement"),
    ],
    ("PATCH", "/subprocessors/{engagement_id}"): [
        edit("/subprocessors/{Q_engagement}", {"name": "X"}),
        edit("/subprocessors/{A_engagement}", {"processor_id": "{Q}"}, label="move to Q"),
        edit("/subprocessors/{A_engagement}", {"subprocessor_org_id": "{B}"}, label="sub B"),
        edit("/subprocessors/{A_engagement}", {"convention_ids": ["{B_conv}"]}, label="B conv"),
        edit("/subprocessors/{A_engagement}", {"activity_ids": ["{B_activity}"]}, label="B act."),
        edit("/subprocessors/{A_engagement}", {"parent_id": "{Q_engagement}"}, label="Q's eng."),
    ],
    ("DELETE", "/subprocessors/{engagement_id}"): [edit("/subprocessors/{Q_engagement}")],
    ("POST", "/subprocessors/{engagement_id}/answers"): [
        call("/subprocessors/{Q_engagement}/answers", {"controller_id": "{B}", "answer": "object"}),
        call(
            "/subprocessors/{A_engagement}/answers",
            {"controller_id": "{B}", "answer": "object"},
            label="for B",
        ),
    ],
    ("POST", "/measures"): [call("/measures", {"organisation_id": "{B}", "title": "X"})],
    ("PATCH", "/measures/{measure_id}"): [
        edit("/measures/{B_measure}", {"owner": "Pirate"}),
        edit("/measures/{A_measure}", {"organisation_id": "{B}"}, label="move to B"),
    ],
    ("DELETE", "/measures/{measure_id}"): [edit("/measures/{B_measure}")],
    # Incidents and breaches
    ("POST", "/incidents"): [
        call("/incidents", incident(organisation_id="{B}", activity_ids=["{A_activity}"])),
        call("/incidents", incident(activity_ids=["{B_activity}"]), label="B's activity"),
        call("/incidents", incident(convention_ids=["{B_conv}"]), label="B's convention"),
        call(
            "/incidents",
            incident(organisation_id="{Q}", convention_ids=["{B_conv}"]),
            label="as Q",
        ),
    ],
    ("PATCH", "/incidents/{incident_id}"): [
        edit("/incidents/{B_incident}", {"title": "X"}),
        edit("/incidents/{B_incident_q}", {"title": "X"}),
    ],
    ("POST", "/incidents/{incident_id}/nis2/decision"): [
        call("/incidents/{B_incident}/nis2/decision", {"significant": True, "reasons": "X"}),
    ],
    ("POST", "/incidents/{incident_id}/nis2/awareness"): [
        edit_of(
            "/incidents/{B_incident}/nis2/awareness",
            "/incidents/{B_incident}",
            {"aware_at": "2026-01-01T00:00:00+00:00", "reasons": "X"},
        )
    ],
    ("PATCH", "/incidents/{incident_id}/nis2"): [
        edit_of("/incidents/{B_incident}/nis2", "/incidents/{B_incident}", {"malicious": True})
    ],
    ("POST", "/incidents/{incident_id}/nis2/sendings"): [
        edit_of(
            "/incidents/{B_incident}/nis2/sendings",
            "/incidents/{B_incident}",
            {"phase": "early_warning", "sent_at": "2026-01-01T00:00:00+00:00"},
        )
    ],
    ("POST", "/incidents/{incident_id}/nis2/intermediate-request"): [
        edit_of(
            "/incidents/{B_incident}/nis2/intermediate-request",
            "/incidents/{B_incident}",
            {"due_at": "2026-01-01T00:00:00+00:00"},
        )
    ],
    ("PATCH", "/breaches/{breach_id}"): [edit("/breaches/{B_breach}", {"approx_subjects": 3})],
    ("POST", "/breaches/{breach_id}/controller-informed"): [
        edit_of(
            "/breaches/{B_breach_q}/controller-informed",
            "/breaches/{B_breach_q}",
            {"informed_at": "{now}"},
        )
    ],
    ("POST", "/breaches/{breach_id}/awareness"): [
        edit_of(
            "/breaches/{B_breach_q}/awareness",
            "/breaches/{B_breach_q}",
            {"aware_at": "{now}", "rationale": "X"},
        )
    ],
    ("POST", "/breaches/{breach_id}/assessment"): [
        edit_of("/breaches/{B_breach_q}/assessment", "/breaches/{B_breach_q}", ASSESS_FINANCIAL)
    ],
    ("POST", "/breaches/{breach_id}/decision"): [
        edit_of("/breaches/{B_breach_q}/decision", "/breaches/{B_breach_q}", DECIDE_HIGH)
    ],
    ("POST", "/breaches/{breach_id}/notifications"): [
        edit_of(
            "/breaches/{B_breach}/notifications",
            "/breaches/{B_breach}",
            {"sent_at": "{now}", "phase": "complementary"},
        ),
        edit_of(
            "/breaches/{B_breach}/notifications",
            "/breaches/{B_breach}",
            {
                "sent_at": "{now}",
                "recipient": "data_subjects",
                "channel": "email",
                "addresses": [PIRATE],
            },
            label="people by e-mail",
        ),
    ],
    ("PATCH", "/breaches/{breach_id}/notifications/{notification_id}"): [
        edit_of(
            "/breaches/{B_breach}/notifications/{B_notification}",
            "/breaches/{B_breach}",
            {"external_ref": "X"},
        )
    ],
    ("POST", "/breaches/{breach_id}/controller-notice"): [
        edit_of(
            "/breaches/{B_breach_q}/controller-notice",
            "/breaches/{B_breach_q}",
            {"to_addrs": [PIRATE]},
        )
    ],
    ("POST", "/breaches/{breach_id}/close"): [
        edit_of("/breaches/{B_breach}/close", "/breaches/{B_breach}", {"reasons": "X"})
    ],
    # Messages
    ("POST", "/messages/{message_id}/retry"): [
        call("/messages/{B_message}/retry", {"to_addrs": [PIRATE]}),
        call("/messages/{B_message}/retry"),
    ],
    # Imports and evidence
    ("POST", "/organisations/{organisation_id}/imports/activities"): [
        upload("{B}", csv(), dry_run=True, label="into B, dry run"),
        upload("{B}", csv(), dry_run=False, label="into B"),
        upload("{A}", csv(joint="{B_name}"), dry_run=True, label="joint B by name, dry run"),
        upload("{A}", csv(joint="{B_name}"), dry_run=False, label="joint B by name"),
        upload("{A}", csv(joint="{B_siren}"), dry_run=True, label="joint B by SIREN, dry run"),
        upload("{A}", csv(joint="{B_siren}"), dry_run=False, label="joint B by SIREN"),
        upload("{A}", csv(joint="{B}"), dry_run=True, label="joint B by id, dry run"),
        upload("{A}", csv(joint="{B}"), dry_run=False, label="joint B by id"),
        upload("{A}", csv(conventions="{B_conv_title}"), dry_run=True, label="B conv, dry run"),
        upload("{A}", csv(conventions="{B_conv_title}"), dry_run=False, label="B conv"),
        upload("{A}", csv(conventions="{B_conv}"), dry_run=False, label="B conv by id"),
        upload("{A}", csv(measures="{B_measure_title}"), dry_run=True, label="B m., dry run"),
        upload("{A}", csv(measures="{B_measure_title}"), dry_run=False, label="B measure"),
    ],
    ("POST", "/bundles"): [call("/bundles", {"organisation_ids": ["{B}"]})],
}
LAST = ("POST", "/auth/logout")  # called after everything else


def write_routes() -> list[tuple[str, str]]:
    """Every write (method, path) the app serves under /api/v1, read from app.routes."""
    app = create_app(manage_database=False)
    found = []
    for route in iter_route_contexts(app.routes):
        if route.path in PUBLIC_PAGES or not getattr(route, "include_in_schema", False):
            continue
        assert route.path.startswith(V1), f"route outside {V1}: {route.path}"
        path = route.path.removeprefix(V1)
        found += [(m, path) for m in sorted(route.methods & WRITES)]
    return sorted(found, key=lambda key: key == LAST)


def test_every_write_route_has_an_entry():
    missing = [f"{m} {p}" for m, p in write_routes() if (m, p) not in MATRIX]
    assert not missing, f"write routes without isolation calls: {missing}"


# The world ---------------------------------------------------------------------------------


@dataclass
class Worlds:
    ids: dict[str, str]
    markers: set[str]  # what A's people must never read of B

    def victim_keys(self) -> list[str]:
        return [k for k in self.ids if k[0] in "BQ"]


async def build(client, make_user, client_as) -> Worlds:
    # B (the victim) and its processor Q: the read matrix's body A and its processor P.
    victim = await build_world(client)
    v = victim.ids
    ids = {
        "B": v["a"],
        "Q": v["p"],
        "B_dpo": v["a_dpo"],
        "Q_dpo": v["p_dpo"],
        "B_conv": v["convention"],
        "B_end_of_service": v["end_of_service"],
        "B_document": v["document"],
        "B_activity": v["activity"],
        "B_contact": v["contact"],
        "Q_contact": v["p_contact"],
        "B_measure": v["measure"],
        "Q_engagement": v["engagement"],
        "B_incident_q": v["incident_p"],
        "B_breach_q": v["breach_p"],
        "B_message": v["message"],
        "B_incident": v["incident_a"],
        "B_breach": v["breach_a"],
        "B_notification": v["notification"],
        "B_token": v["a_token"],
    }
    b = (await client.get(f"{V1}/organisations/{ids['B']}")).json()
    conv = (await client.get(f"{V1}/conventions/{ids['B_conv']}")).json()
    measure = (await client.get(f"{V1}/measures/{ids['B_measure']}")).json()
    ids.update(
        B_name=b["legal_name"],
        B_siren=b["siren"],
        B_conv_title=conv["title"],
        B_measure_title=measure["title"],
    )
    # B proposes a second convention to Q, awaiting Q's answer.
    b_dpo = await client_as(await make_user("dpd2@commune-b.fr", (ids["B"], "dpo")))
    proposed = await b_dpo.post(
        f"{V1}/conventions",
        json=convention(
            (ids["B"], "controller"), (ids["Q"], "processor"), title="Proposition de B à Q"
        ),
    )
    assert proposed.status_code == 201 and proposed.json()["status"] == "proposed", proposed.text
    ids["B_proposal"] = proposed.json()["pending_proposal_id"]

    # A (the caller's body) and its processor P, with their own objects.
    a_dpo = await make_dpo(client, name="DPD de A", email="dpd@commune-a.fr")
    a = await make_org(client, kind="commune", legal_name="Commune A", dpo_id=a_dpo["id"])
    p = await make_org(client, kind="ept", legal_name="EPT de A")
    a_conv = await make_convention(client, processor=p, controller=a, title="Convention A-P")
    a_activity = (
        await client.post(
            f"{V1}/activities",
            json={"controller_id": a["id"], "name": "Cantine", "convention_ids": [a_conv["id"]]},
        )
    ).json()
    ids.update(
        A=a["id"],
        P=p["id"],
        A_dpo=a_dpo["id"],
        A_conv=a_conv["id"],
        A_activity=a_activity["id"],
        A_contact=(await make_contact(client, organisation=a))["id"],
        A_measure=(await make_measure(client, organisation=a))["id"],
        A_engagement=(await make_subprocessor(client, processor=a))["id"],
    )
    # A proposes a convention to B, awaiting B's answer.
    proposer = await client_as(await make_user("dpd2@commune-a.fr", (ids["A"], "dpo")))
    proposed = await proposer.post(
        f"{V1}/conventions",
        json=convention((ids["A"], "controller"), (ids["B"], "processor"), title="A propose"),
    )
    assert proposed.status_code == 201 and proposed.json()["status"] == "proposed", proposed.text
    ids["A_proposal"] = proposed.json()["pending_proposal_id"]

    markers = {ids[k] for k in ids if k[0] in "BQ"} | {
        "Pierre Maire",  # B's representative
        "dpd@vitry-exemple.fr",
        "rssi@vitry-exemple.fr",
        "dpd@ept-exemple.fr",
        "rssi@ept-exemple.fr",
    }
    return Worlds(ids, markers)


# B's data, read by the instance administrator -----------------------------------------------

# Fields that move with the clock alone, not with any write.
VOLATILE = {
    "remaining_seconds",
    "display",
    "generated_at",
    "due_local",
    "overdue",
    "review_overdue",
}


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


async def snapshot(admin, ids: dict[str, str], *, proposals: bool = True) -> dict[str, Any]:
    b, q = ids["B"], ids["Q"]
    paths = [
        f"/organisations/{b}",
        f"/organisations/{q}",
        f"/dpos/{ids['B_dpo']}",
        f"/dpos/{ids['Q_dpo']}",
        f"/contacts?organisation_id={b}&limit=200",
        f"/contacts?organisation_id={q}&limit=200",
        f"/activities?controller_id={b}&limit=200",
        f"/activities?controller_id={q}&limit=200",
        f"/conventions?organisation_id={b}&limit=200",
        f"/conventions?organisation_id={q}&limit=200",
        f"/subprocessors?processor_id={b}&limit=200",
        f"/subprocessors?processor_id={q}&limit=200",
        f"/measures?organisation_id={b}&limit=200",
        f"/measures?organisation_id={q}&limit=200",
        f"/incidents?organisation_id={b}&limit=200",
        f"/incidents?organisation_id={q}&limit=200",
        f"/breaches?controller_id={b}&limit=200",
        f"/breaches?controller_id={q}&limit=200",
        f"/conventions/{ids['B_conv']}/documents",
        f"/subprocessors/{ids['Q_engagement']}/documents",
        f"/organisations/{b}/records/controller",
        f"/organisations/{q}/records/processor",
        f"/organisations/{b}/records/processor",
        f"/organisations/{b}/breach-register",
        f"/organisations/{q}/breach-register",
        f"/messages?organisation_id={b}&limit=200",
        f"/messages?organisation_id={q}&limit=200",
    ]
    if proposals:
        paths += [
            "/convention-proposals",
            f"/organisations/{b}/journal?limit=200",
            f"/organisations/{q}/journal?limit=200",
        ]
    seen: dict[str, Any] = {}
    for path in paths:
        response = await admin.get(V1 + path)
        seen[path] = (response.status_code, _stable(response.json()))
    if not proposals:  # a proposal may add a proposed convention, never one in force
        for path in (paths[8], paths[9]):
            _status, page = seen[path]
            page["items"] = [c for c in page["items"] if c["status"] == "in_force"]
            page["total"] = len(page["items"])
    return seen


def _diff(before: dict, after: dict) -> list[str]:
    changed = []
    for path, (status, data) in before.items():
        if after[path] != (status, data):
            changed.append(f"{path}: {_short(data)} -> {_short(after[path][1])}")
    return changed


def _short(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) < 400 else text[:400] + "…"


async def outbox_ids() -> set[UUID]:
    return set(await OutboxMessage.all().values_list("id", flat=True))


async def messages_for_victim(since: set[UUID], ids: dict[str, str], markers: set[str]):
    victims = {UUID(ids["B"]), UUID(ids["Q"])}
    found = []
    for message in await OutboxMessage.exclude(id__in=list(since)):
        addresses = " ".join([*message.to_addrs, *message.cc_addrs])
        if message.organisation_id in victims or any(m in addresses for m in markers):
            found.append(f"{message.kind} to {message.to_addrs} «{message.subject}»")
    return found


# Calling ------------------------------------------------------------------------------------


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        if re.fullmatch(r"\{version\}", value):
            return int(values["version"])
        return value.format(**values)
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


async def _version(admin, c: Call, values: dict[str, str]) -> str:
    if c.version_of is None:
        return "1"
    response = await admin.get(V1 + _fill(c.version_of, values))
    assert response.status_code == 200, (c.version_of, response.text)
    return str(response.json()["version"])


async def _request(http, method: str, c: Call, values: dict[str, str]):
    kwargs: dict[str, Any] = {"params": _fill(c.params, values)}
    if c.file is not None and c.form is not None:
        kwargs["files"] = {"file": ("piece.pdf", c.file.encode("utf-8"), "application/pdf")}
        kwargs["data"] = _fill(c.form, values)
    elif c.file is not None:
        kwargs["files"] = {"file": ("registre.csv", _fill(c.file, values).encode("utf-8"))}
    elif c.body is not None:
        kwargs["json"] = _fill(c.body, values)
    return await http.request(method, V1 + _fill(c.path, values), **kwargs)


def _normalised(response, values: dict[str, str], keys: list[str]) -> tuple[int, str]:
    """Status and what the answer says (`detail`, or the whole answer), B's ids put back."""
    try:
        said = response.json()
    except ValueError:
        said = response.text
    if isinstance(said, dict) and "detail" in said:
        said = said["detail"]
    text = json.dumps(said, ensure_ascii=False, sort_keys=True)
    for key in sorted(keys, key=lambda k: -len(values[k])):
        text = text.replace(values[key], "{" + key + "}")
    return response.status_code, text


def _unknown(w: Worlds) -> dict[str, str]:
    """B's ids and names replaced by ones nobody bears."""
    return {k: UNKNOWN_NAMES.get(k, str(uuid4())) for k in w.victim_keys()}


def _where(role: str, method: str, c: Call) -> str:
    label = f" [{c.label}]" if c.label else ""
    return f"{role}: {method} {c.path}{label}"


def _values(w: Worlds) -> dict[str, str]:
    return {**w.ids, "now": iso(ago(minutes=1)), "days_ago": iso(ago(days=6))}


def _calls(*, deletes_last: bool = False) -> list[tuple[str, Call]]:
    calls = [(method, c) for method, path in write_routes() for c in MATRIX[(method, path)]]
    if deletes_last:
        calls.sort(key=lambda mc: mc[0] == "DELETE")
    return calls


@pytest.mark.parametrize("role", ROLES_OF_A)
async def test_a_member_of_a_changes_nothing_of_b(role, client, make_user, client_as):
    w = await build(client, make_user, client_as)
    http = await client_as(await make_user(f"{role}@commune-a.fr", (w.ids["A"], role)))
    victim_keys = w.victim_keys()
    failures: list[str] = []
    before = await snapshot(client, w.ids)
    refused: list[str] = []  # 403 before anything is read: B read once after a run of them

    async def compare_after(calls: list[str], response) -> None:
        nonlocal before
        after = await snapshot(client, w.ids)
        changed = _diff(before, after)
        if changed:
            failures.append(
                f"{' / '.join(calls)} -> {response.status_code} changed B:\n    "
                + "\n    ".join(changed)
            )
        before = after

    response = None
    for method, c in _calls():
        real = _values(w)
        real["version"] = await _version(client, c, real)
        fake = {**real, **_unknown(w)}
        where = _where(role, method, c)
        if c.hides:  # the unknown ids first: they must change nothing either way
            unknown = await _request(http, method, c, fake)
        if c.proposes:
            if refused:
                await compare_after(refused, response)
                refused = []
            start = await snapshot(client, w.ids, proposals=False)
        sent = await outbox_ids()
        response = await _request(http, method, c, real)
        if c.proposes:
            changed = _diff(start, await snapshot(client, w.ids, proposals=False))
            if changed:
                failures.append(
                    f"{where} -> {response.status_code} changed B:\n    " + "\n    ".join(changed)
                )
            before = await snapshot(client, w.ids)  # with the proposal, which is allowed
        elif response.status_code == 403:
            refused.append(where)
        else:
            await compare_after([*refused, where], response)
            refused = []
        queued = await messages_for_victim(sent, w.ids, w.markers)
        if queued:
            failures.append(f"{where} -> {response.status_code} queued for B: {queued}")
        if c.hides:
            said = _normalised(response, real, victim_keys)
            said_unknown = _normalised(unknown, fake, victim_keys)
            if said != said_unknown:
                failures.append(
                    f"{where} reveals existence: {said[0]} {said[1][:300]} "
                    f"vs unknown id {said_unknown[0]} {said_unknown[1][:300]}"
                )
        request_text = json.dumps(
            _fill([c.path, c.body, c.params, c.file], real), ensure_ascii=False
        )
        shown = sorted(m for m in w.markers if m in response.text and m not in request_text)
        if response.is_success and shown:
            failures.append(f"{where} -> {response.status_code} shows B's {shown}")
        if TRACE:
            print(f"{where} -> {response.status_code} {response.text[:160]}")
    if refused:
        await compare_after(refused, response)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


# Calls refused even to whoever acts for A, B, Q and P, by rules that are not isolation.
NOT_FOR_ANYBODY = {
    "dpo of all: POST /organisations",  # an instance administrator's act
    "dpo of all: DELETE /organisations/{B}",
    "dpo of all: DELETE /auth/tokens/{B_token}",  # one revokes only one's own tokens
    "dpo of all: POST /auth/tokens",  # a token creates no token (a session does)
    "dpo of all: POST /bundles",  # no signing key in the tests: 404 after B's scope check
    # An incident reaches the declaring body's activities and conventions, and those of
    # conventions in force it is party to (issue 13): B's are never A's.
    "dpo of all: POST /incidents [B's activity]",
    "dpo of all: POST /incidents [B's convention]",
    # An import names the conventions in force the controller is party to.
    "dpo of all: POST /organisations/{A}/imports/activities [B conv]",
    "dpo of all: POST /organisations/{A}/imports/activities [B conv by id]",
}


async def test_the_calls_are_real_whoever_acts_for_b_does_them(client, make_user, client_as):
    """The control: a DPO of A, B, Q and P makes the same calls and they go through (or stop
    at the workflow's own rules), so each refusal above is isolation, not a malformed call."""
    w = await build(client, make_user, client_as)
    everyone = [(w.ids[k], "dpo") for k in ("A", "B", "Q", "P")]
    http = await client_as(await make_user("dpd@mutualise.fr", *everyone))
    answers = {}
    for method, c in _calls(deletes_last=True):
        values = _values(w)
        values["version"] = await _version(client, c, values)
        response = await _request(http, method, c, values)
        answers[_where("dpo of all", method, c)] = (response.status_code, response.text[:200])
    not_done = {
        k: v
        for k, v in answers.items()
        if not (v[0] in (200, 201, 202, 204, 409) or (v[0] == 422 and "inconnu" not in v[1]))
    }
    assert sorted(not_done) == sorted(NOT_FOR_ANYBODY), "\n".join(
        f"{k} -> {v}" for k, v in not_done.items()
    )
