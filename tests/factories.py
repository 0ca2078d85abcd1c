"""Small builders that go through the API, as a DPO's client would, and return the JSON.

`await make_convention(client, processor=ept, controller=juvisy)` reads as the arrangement it
builds. Every builder asserts its own 201, so a test fails where the data was refused.

Breaches: `bodies()` makes a processor (EPT) running a commune's processing, each with its DPO
and RSSI; `declare_on()` declares an incident on it, `with_facts()` gives every art. 33(3) item,
`done()` runs a workflow step; ASSESS... and DECIDE... are the step payloads tests share.
"""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from core.outbox.models import OutboxMessage

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


# Documents: small files of each accepted type, recognised by their content.
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def odt_bytes(mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    """An OpenDocument file: a ZIP whose first entry `mimetype` names its type."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


async def attach_document(
    client: httpx.AsyncClient,
    *,
    convention: dict | None = None,
    engagement: dict | None = None,
    data: bytes = PDF_BYTES,
    file_name: str = "convention-signee.pdf",
    **fields: Any,
) -> httpx.Response:
    """POST a file to a convention's (or an engagement's) documents; the answer unchecked."""
    path = (
        f"{API}/conventions/{convention['id']}/documents"
        if convention is not None
        else f"{API}/subprocessors/{engagement['id']}/documents"
    )
    form = {"kind": "signed_convention", "title": "Convention signée", **fields}
    return await client.post(path, data=form, files={"file": (file_name, data, "text/plain")})


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


# Breaches -----------------------------------------------------------------------------------

BREACHES = f"{API}/breaches"

EPT_DPO = "dpd@ept-exemple.fr"
EPT_RSSI = "rssi@ept-exemple.fr"
COMMUNE_DPO = "dpd@vitry-exemple.fr"
COMMUNE_RSSI = "rssi@vitry-exemple.fr"

FACTS = {
    "data_categories": ["contact_details", "financial"],
    "subject_categories": ["users"],
    "approx_subjects": 1200,
    "subjects_is_estimate": True,
    "approx_records": 4800,
    "consequences": ["identity_theft", "fraud"],
    "consequences_detail": "Risque d'hameçonnage ciblé des usagers du périscolaire.",
    "measures_taken": "Serveur isolé du réseau, mots de passe réinitialisés, plainte déposée.",
    "measures_planned": "Restauration depuis la sauvegarde du 2 mars, audit de sécurité.",
}

# The workflow's step payloads. Assessments (POST /breaches/{id}/assessment), ENISA method:
# a limited exposure, and a severe one (bank details, unknown recipients, malicious).
ASSESS = {"context": "simple", "identification": "limited", "confidentiality": "known_recipients"}
ASSESS_FINANCIAL = {
    "context": "financial",
    "identification": "significant",
    "confidentiality": "unknown_recipients",
    "malicious": True,
}
# Decisions (POST /breaches/{id}/decision), from no notice to a high risk for the people.
DECIDE_UNLIKELY = {
    "risk_level": "unlikely",
    "notify_cnil": False,
    "inform_people": "no",
    "reasons": "Courriel envoyé à un agent habilité de la même collectivité, supprimé aussitôt.",
}
DECIDE_RISK = {
    "risk_level": "risk",
    "notify_cnil": True,
    "inform_people": "no",
    "reasons": "Données de contact exposées à des destinataires connus : risque, pas élevé.",
}
DECIDE_HIGH = {  # the people are told later (art. 34)
    "risk_level": "high",
    "notify_cnil": True,
    "inform_people": "later",
    "reasons": "Coordonnées bancaires d'usagers exfiltrées : risque élevé, informer les usagers.",
}
DECIDE_HIGH_INFORM = {**DECIDE_HIGH, "inform_people": "yes"}  # the people are told now
# An initial notification to the CNIL made while facts are unknown commits to a date for the
# complementary one (art. 33(4), breach.phases): a month after the run starts.
FOLLOWUP_DUE = (datetime.now(UTC) + timedelta(days=30)).isoformat()
# Closing while the incident is ongoing or facts are unknown needs the DPO's reasons.
INCOMPLETE = "Incident encore en cours à la clôture ; des faits restent inconnus."


def iso(moment: datetime) -> str:
    return moment.isoformat()


def ago(**delta) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


async def bodies(client: httpx.AsyncClient, **convention) -> dict:
    """An EPT (processor) and a commune (controller), each with a DPO and an RSSI, a convention
    between them and one of the commune's activities under it."""
    ept_dpo = await make_dpo(
        client,
        name="Délégué à la protection des données de l'EPT",
        email=EPT_DPO,
        phone="01 49 87 00 00",
    )
    ept = await make_org(
        client,
        kind="ept",
        legal_name="EPT Grand-Orly Seine Bièvre (essai)",
        dpo_id=ept_dpo["id"],
    )
    await make_contact(client, organisation=ept, name="Amélie Rssi", email=EPT_RSSI)
    commune_dpo = await make_dpo(
        client, name="Hélène Délégué", email=COMMUNE_DPO, phone="01 46 82 80 00"
    )
    commune = await make_org(
        client,
        kind="commune",
        legal_name="Commune de Vitry-sur-Seine",
        siren=SIREN_JUVISY,
        legal_rep_name="Pierre Maire",
        legal_rep_title="Maire",
        dpo_id=commune_dpo["id"],
    )
    await make_contact(
        client,
        organisation=commune,
        name="Noël Sécurité",
        email=COMMUNE_RSSI,
        phone="01 46 82 80 01",
    )
    convention = await make_convention(
        client,
        processor=ept,
        controller=commune,
        title="Convention de services informatiques partagés",
        breach_notice_hours=convention.pop("breach_notice_hours", 24),
        **convention,
    )
    activity = await make_activity(
        client,
        controller=commune,
        name="Inscriptions périscolaires",
        ref="VIT-07",
        convention_ids=[convention["id"]],
    )
    return {"ept": ept, "commune": commune, "convention": convention, "activity": activity}


async def declare_on(
    client: httpx.AsyncClient, org: dict, activity_ids: list[str], *, detected: datetime
) -> dict:
    response = await client.post(
        f"{API}/incidents",
        json={
            "organisation_id": org["id"],
            "title": "Rançongiciel sur le serveur de fichiers",
            "description": "Chiffrement des partages réseau et copie de fichiers constatée.",
            "detected_at": iso(detected),
            "started_at": iso(detected - timedelta(hours=3)),
            "start_is_estimate": True,
            "nature": ["confidentiality", "availability"],
            "origin": "hacking_malware_phishing",
            "cause": "external_malicious",
            "activity_ids": activity_ids,
        },
    )
    assert response.status_code == 201, response.text
    (breach_id,) = response.json()["breach_ids"]
    return await read(client, f"/breaches/{breach_id}")


async def with_facts(client: httpx.AsyncClient, breach: dict, **facts) -> dict:
    response = await client.patch(
        f"{BREACHES}/{breach['id']}", json={"version": breach["version"], **(facts or FACTS)}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def post(client: httpx.AsyncClient, breach: dict, action: str, **payload):
    payload.setdefault("version", breach["version"])
    return await client.post(f"{BREACHES}/{breach['id']}/{action}", json=payload)


async def done(client: httpx.AsyncClient, breach: dict, action: str, **payload) -> dict:
    response = await post(client, breach, action, **payload)
    assert response.status_code == 200, response.text
    return response.json()


async def outbox(**filters) -> list[OutboxMessage]:
    return list(await OutboxMessage.filter(**filters).order_by("kind", "created_at"))


# End of service -----------------------------------------------------------------------------

GOSB_DPO = "DPO@grandorlyseinebievre.fr"
JUVISY_DPO = "exemple.dpd@juvisy.fr"


async def gosb_juvisy(client: httpx.AsyncClient) -> dict:
    """Seed 001/003: the EPT Grand-Orly Seine Bièvre processes for Juvisy-sur-Orge from
    1 February 2021 for six months (ended 31 July 2021, no express renewal); annex §IV:
    return, then destruction with a written proof. Each body has its DPO."""
    gosb_dpo = await make_dpo(client, name="DPO de l'EPT", email=GOSB_DPO)
    gosb = await make_org(
        client, kind="ept", legal_name="EPT Grand-Orly Seine Bièvre", dpo_id=gosb_dpo["id"]
    )
    juvisy_dpo = await make_dpo(client, name="DPD de Juvisy", email=JUVISY_DPO)
    juvisy = await make_org(
        client, legal_name="Commune de Juvisy-sur-Orge", dpo_id=juvisy_dpo["id"]
    )
    convention = await make_convention(
        client,
        processor=gosb,
        controller=juvisy,
        title="Convention relative mutualisation temporaire des services informatiques",
        kind="prestation_de_services",
        start_date="2021-02-01",
        duration_months=6,
        end_of_service="return_then_delete",
        end_of_service_proof=True,
    )
    return {"gosb": gosb, "juvisy": juvisy, "convention": convention}
