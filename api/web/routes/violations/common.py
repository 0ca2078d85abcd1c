"""What the incident and breach pages share: their labels and formatters, the name of each
field in a form's error summary, the refused form (`Failure`) and the error pages."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.web import breach_forms as forms
from api.web.forms import FormErrors, Values
from api.web.render import page
from breach.breaches.source_facts import FACT_LABELS
from breach.enums import BreachStatus, NotificationChannel, NotificationRecipient
from breach.register_cells import STEP_LABELS
from register.enums import catalogue, label

CONFLICT = (
    "Quelqu'un a modifié cette violation pendant que vous remplissiez le formulaire : la page "
    "montre maintenant sa dernière version. Vérifiez-la, puis validez de nouveau."
)

INCIDENT_CONFLICT = (
    "Quelqu'un a modifié cet incident pendant que vous remplissiez le formulaire : la page "
    "montre maintenant sa dernière version. Vérifiez-la, puis validez de nouveau."
)

EVENT_LABELS = STEP_LABELS  # the breach register's wording of each step, one table
STATUS_LABELS = {s.value: label(s) for s in BreachStatus}
PEOPLE_CHANNELS = [c for c in NotificationChannel if c not in (NotificationChannel.TELESERVICE,)]
DELTAS = ["-3", "-2", "-1", "1", "2", "3"]  # whole points (ENISA, Assessment Table 1)


# What each field is called in the error summary at the top of a form ("Titre : champ
# obligatoire manquant"); beside the field, its own label says it already.
FIELD_NAMES = {
    "organisation_id": "Organisme touché",
    "title": "Titre",
    "description": "Ce qui s'est passé",
    "system": "Système touché",
    "detected_at": "Détecté le",
    "started_at": "Début",
    "start_is_estimate": "Début estimé",
    "ongoing": "En cours",
    "ended_at": "Fin",
    "nature": "Nature de l'atteinte",
    "origin": "Origine",
    "cause": "Cause",
    "activity_ids": "Traitements concernés",
    "convention_ids": "Conventions concernées",
    "version": "Version de la page",
    "facts-data_categories": "Catégories de données",
    "facts-subject_categories": "Catégories de personnes",
    "facts-approx_subjects": "Nombre approximatif de personnes",
    "facts-approx_records": "Nombre approximatif d'enregistrements",
    "facts-consequences": "Conséquences probables",
    "facts-consequences_detail": "Précisions sur les conséquences",
    "facts-measures_taken": "Mesures prises",
    "facts-measures_planned": "Mesures envisagées",
    "notice-to_addrs": "Destinataires",
    "notice-late_reason": "Raisons du retard",
    "aware-aware_at": "Prise de connaissance le",
    "aware-rationale": "Pourquoi à ce moment",
    "assess-context": "Contexte du traitement",
    "assess-identification": "Facilité d'identification",
    "assess-confidentiality": "Perte de confidentialité",
    "assess-integrity": "Perte d'intégrité",
    "assess-availability": "Perte de disponibilité",
    "assess-integrity_possibly_misused": "Usage incorrect ou illicite des données modifiées",
    "assess-unintelligible": "Données inintelligibles",
    "assess-adjustments": "Ajustements du contexte",
    "facts-other_authorities": "Autres autorités informées",
    "facts-cross_border": "Traitement transfrontalier",
    "facts-other_member_states": "Autres États membres concernés",
    "decision-risk_level": "Niveau de risque",
    "decision-notify_cnil": "Notifier la CNIL",
    "decision-inform_people": "Information des personnes concernées",
    "decision-art34_exemption": "Exception à l'information des personnes",
    "decision-reasons": "Motifs de la décision",
    "decision-on_behalf_of": "Pour le compte de",
    "cnil-sent_at": "Notifiée le",
    "cnil-channel": "Canal",
    "cnil-external_ref": "Numéro de dossier CNIL",
    "cnil-late_reason": "Raisons du retard",
    "cnil-summary": "Résumé",
    "people-sent_at": "Communiquée le",
    "people-channel": "Canal",
    "people-addresses": "Adresses électroniques des personnes",
    "people-summary": "Résumé",
    "close-reasons": "Motifs de la clôture",
    "cnil-followup_due_at": "Complément promis pour le",
    "people-published_where": "Lieu de la communication publique",
    "close-incomplete_reasons": "Pourquoi clôturer malgré tout",
}
ADJUSTMENT_FIELD = re.compile(r"^assess-adjustments-(\d+)-(delta|justification|category)$")


def field_title(name: str) -> str:
    if name in FIELD_NAMES:
        return FIELD_NAMES[name]
    if found := ADJUSTMENT_FIELD.match(name):
        row = int(found.group(1)) + 1
        kind = {"delta": "Ajustement", "justification": "Justification"}
        return f"{kind.get(found.group(2), 'Catégorie ajustée')} {row}"
    if name.startswith("ref-") and name.endswith("-external_ref"):
        return "Numéro de dossier CNIL"
    if name.startswith("assess-adjustments"):
        return "Ajustements du contexte"
    return ""


# Small helpers ------------------------------------------------------------------------------


def french_number(value: Any) -> str:
    """'0.50' → '0,5', '-1' → '−1' (the assessment's numbers as stored, written in French)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    written = f"{abs(number).normalize():f}".replace(".", ",")
    return f"−{written}" if number < 0 else written


def signed(value: str) -> str:
    return ("+" if not value.startswith("-") else "") + french_number(value)


def choices(name: str) -> list[dict[str, str]]:
    return catalogue()[name]


def error_page(request: Request, code: int) -> HTMLResponse:
    return page(request, "error.html.j2", status=code, code=code)


def forbidden(request: Request) -> HTMLResponse:
    return error_page(request, 403)


def not_found(request: Request) -> HTMLResponse:
    return error_page(request, 404)


def event_note(event) -> str:
    """An event's note as a person reads it (the facts step notes the fields it changed)."""
    if event.action == "update_facts" and event.note:
        # "a, b ; conservés tels que le responsable les a établis : …" (source_facts)
        parts = event.note.split(" ; ")
        kept = [p for p in parts if p.startswith("conservés")]
        written = [p for p in parts if not p.startswith("conservés")]
        names = [FACT_LABELS.get(n.strip(), n.strip()) for w in written for n in w.split(",")]
        return " ; ".join(([f"Modifié : {', '.join(names)}"] if names else []) + kept)
    return event.note or ""


# What the breach page's template uses besides the breach: labels, choices, formatters.
BREACH_PAGE_CONSTANTS = {
    "num": french_number,
    "signed": signed,
    "choices": choices,
    "deltas": [{"value": d, "label": signed(d)} for d in DELTAS],
    "people_channels": [{"value": c.value, "label": label(c)} for c in PEOPLE_CHANNELS],
    "event_labels": EVENT_LABELS,
    "event_note": event_note,
    "status_labels": STATUS_LABELS,
    "adjustment_rows": range(forms.ADJUSTMENT_ROWS),
    "authority_rows": range(forms.AUTHORITY_ROWS),
    "cnil": NotificationRecipient.CNIL,
    "field_title": field_title,
}


@dataclass
class Failure:
    """The form that was refused, what was typed in it, and why."""

    form: str
    errors: FormErrors
    values: Values
