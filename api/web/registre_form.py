"""The activity form of the Registre pages: the fields a browser posts, read back into the
input of `register.activities.service` (ActivityIn), and the French name of each field.

The form's values stay text as typed, so that a refused form comes back exactly as it was
sent; `activity_data` turns them into the service's input, leaving out what was left blank
(the shape then says what is missing). Repeating rows (retention, recipients, transfers) are
posted as `retention-0-value`, `retention-0-unit`, …; an entirely empty row is ignored and
the rows are numbered again without it, so that a refusal's place (`retention-1-value`)
names the row the page shows.
"""

import re
from typing import Any

from starlette.datastructures import FormData

from api.web.forms import chosen, lines
from register.activities.schemas import ActivityIn, ActivityOut
from register.enums import (
    ActivityStatus,
    LegalBasis,
)

MAX_ROWS = 100  # rows of one repeating group read from a form
BLANK_ROWS = 2  # empty rows offered under the filled ones

TEXT_FIELDS = (
    "controller_id",
    "ref",
    "name",
    "status",
    "description",
    "software",
    "collection_method",
    "representative",
    "legal_basis",
    "legal_basis_detail",
    "data_subject_details",
    "data_category_details",
    "art9_condition",
    "art10_basis",
    "dpia_ref",
    "next_review",
)
CHOICE_FIELDS = (
    "data_subject_categories",
    "data_categories",
    "special_categories",
    "dpia_criteria",
    "joint_controller_ids",
    "convention_ids",
    "security_measure_ids",
)
ROW_FIELDS = {
    "retention": (
        "data_category",
        "value",
        "unit",
        "start_event",
        "criteria",
        "final_disposition",
    ),
    "recipients": ("kind", "name", "organisation_id"),
    "transfers": ("country", "recipient", "mechanism", "safeguards_doc_url"),
}
# A row holding only these (kept from the stored record, not typed) is still empty.
ROW_HIDDEN = {"recipients": {"organisation_id"}}

FIELD_LABELS = {
    "controller_id": "Organisme responsable du traitement",
    "ref": "Référence",
    "name": "Nom du traitement",
    "status": "Statut de la fiche",
    "description": "Description",
    "software": "Logiciel ou application",
    "collection_method": "Mode de collecte",
    "representative": "Représentant du responsable",
    "purposes": "Finalités",
    "legal_basis": "Base légale",
    "legal_basis_detail": "Précision sur la base légale (texte applicable)",
    "performed_in_public_tasks": "Traitement effectué dans l'exécution des missions de service "
    "public",
    "data_subject_categories": "Catégories de personnes concernées",
    "data_subject_details": "Précisions sur les personnes concernées",
    "data_categories": "Catégories de données",
    "data_category_details": "Précisions sur les données",
    "special_categories": "Données sensibles",
    "art9_condition": "Exception de l'art. 9.2 qui autorise les données sensibles",
    "art10_basis": "Fondement des données d'infraction (art. 10)",
    "retention": "Durées de conservation",
    "recipients": "Destinataires",
    "transfers": "Transferts hors de l'Union européenne",
    "joint_controller_ids": "Co-responsables du traitement",
    "convention_ids": "Conventions",
    "security_measure_ids": "Mesures de sécurité",
    "dpia_criteria": "Critères d'analyse d'impact (AIPD)",
    "dpia_ref": "Référence de l'analyse d'impact",
    "next_review": "Prochaine revue",
    "created_at": "Créée le",
    "id": "Identifiant",
}

ROW_LABELS = {
    "retention": (
        "Durée n° {n}",
        {
            "data_category": "catégorie de données",
            "value": "durée (nombre)",
            "unit": "unité",
            "start_event": "point de départ",
            "criteria": "critères",
            "final_disposition": "sort final",
        },
    ),
    "recipients": (
        "Destinataire n° {n}",
        {"kind": "type de destinataire", "name": "nom", "organisation_id": "organisme"},
    ),
    "transfers": (
        "Transfert n° {n}",
        {
            "country": "pays",
            "recipient": "destinataire",
            "mechanism": "mécanisme",
            "safeguards_doc_url": "documentation des garanties",
        },
    ),
}

_ROW_KEY = re.compile(r"^(retention|recipients|transfers)-(\d{1,3})-([a-z_]+)$")


# Form values --------------------------------------------------------------------------------


def blank_values(*, controller_id: str = "") -> dict[str, Any]:
    values: dict[str, Any] = {name: "" for name in TEXT_FIELDS}
    values |= {name: [] for name in CHOICE_FIELDS}
    values |= {
        "controller_id": controller_id,
        "status": ActivityStatus.DRAFT.value,
        "legal_basis": LegalBasis.TO_BE_DETERMINED.value,
        "purposes": "",
        "performed_in_public_tasks": True,
        "version": "",
    }
    for group in ROW_FIELDS:
        values[group] = []
    return values


def values_of(activity: ActivityOut) -> dict[str, Any]:
    """The form of a stored activity, every value as the page shows it."""
    data = activity.model_dump(mode="json")
    values = blank_values()
    for name in TEXT_FIELDS:
        values[name] = "" if data.get(name) is None else str(data[name])
    for name in CHOICE_FIELDS:
        values[name] = [str(v) for v in data.get(name) or []]
    values["purposes"] = "\n".join(data.get("purposes") or [])
    values["performed_in_public_tasks"] = bool(data.get("performed_in_public_tasks"))
    values["version"] = str(activity.version)
    for group, names in ROW_FIELDS.items():
        values[group] = [
            {n: "" if row.get(n) is None else str(row[n]) for n in names}
            for row in data.get(group) or []
        ]
    return values


def _rows(form: FormData, group: str) -> list[dict[str, str]]:
    by_index: dict[int, dict[str, str]] = {}
    names = ROW_FIELDS[group]
    for key in form:
        match = _ROW_KEY.match(key)
        if not match or match.group(1) != group or match.group(3) not in names:
            continue
        index = int(match.group(2))
        if index >= MAX_ROWS:
            continue
        by_index.setdefault(index, {n: "" for n in names})[match.group(3)] = str(
            form.get(key) or ""
        ).strip()
    hidden = ROW_HIDDEN.get(group, set())
    return [
        row
        for _, row in sorted(by_index.items())
        if any(value for name, value in row.items() if name not in hidden)
    ]


def values_from(form: FormData) -> dict[str, Any]:
    """The values a browser posted, as typed (trimmed), empty rows dropped."""
    values = blank_values()
    for name in TEXT_FIELDS:
        values[name] = str(form.get(name) or "").strip()
    for name in CHOICE_FIELDS:
        values[name] = chosen(form, name)
    values["purposes"] = "\n".join(lines(form, "purposes"))
    values["performed_in_public_tasks"] = form.get("performed_in_public_tasks") in ("on", "oui")
    values["version"] = str(form.get("version") or "").strip()
    for group in ROW_FIELDS:
        values[group] = _rows(form, group)
    return values


def activity_data(values: dict[str, Any]) -> dict[str, Any]:
    """The service's input (ActivityIn) from the form's values; blanks are left out."""
    data: dict[str, Any] = {
        name: values[name] for name in TEXT_FIELDS if values.get(name) not in ("", None)
    }
    data |= {name: list(values.get(name) or []) for name in CHOICE_FIELDS}
    data["purposes"] = [p for p in str(values.get("purposes") or "").splitlines() if p.strip()]
    data["performed_in_public_tasks"] = bool(values.get("performed_in_public_tasks"))
    for group in ROW_FIELDS:
        data[group] = [
            {name: value for name, value in row.items() if value != ""}
            for row in values.get(group) or []
        ]
    return data


def with_blank_rows(values: dict[str, Any]) -> dict[str, Any]:
    """The values with the empty rows the page offers under each group's filled ones."""
    shown = dict(values)
    for group, names in ROW_FIELDS.items():
        shown[group] = list(values.get(group) or []) + [
            {n: "" for n in names} for _ in range(BLANK_ROWS)
        ]
    return shown


def version_of(values: dict[str, Any]) -> int:
    """The version the page was read at; 0 (never current) when absent or garbled."""
    try:
        version = int(values.get("version") or 0)
    except ValueError:
        return 0
    return version if 0 < version < 2**31 else 0


def patch_of(data: ActivityIn) -> dict[str, Any]:
    """The update the edit page sends: every field it shows (all of ActivityIn)."""
    return data.model_dump(mode="json")


def error_labels(names) -> dict[str, str]:
    """The field each refusal is about, in words, for the summary at the top of the form:
    "retention-1-unit" → "Durée n° 2, unité"."""
    found = {}
    for name in names:
        match = re.match(r"^(retention|recipients|transfers)-(\d+)-([a-z_]+)$", name)
        if match:
            row, fields = ROW_LABELS[match.group(1)]
            found[name] = (
                f"{row.format(n=int(match.group(2)) + 1)}, "
                f"{fields.get(match.group(3), match.group(3))}"
            )
        else:
            found[name] = FIELD_LABELS.get(name, name)
    return found
