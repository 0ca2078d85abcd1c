"""The art. 28(3) checklist of a processor convention: which of the minimum clauses its text
carries, and where (docs/regulatory.md §2).

The checklist is part of the convention's agreed text (`ConventionIn.clauses`): it says
what the signed text contains, which every party relies on (the controller's records, the
processor's duties), so a change by a party that does not act for the others is proposed to
them (register.conventions.consent) like any other change of the text. A clause not listed
is « non vérifiée ».

The older yes/no fields (`documented_instructions`, …, `audit_right`) are derived from it:
written from the checklist in the same write, `true` only for a clause marked present. Sent
by an older client they still work as a shorthand: true marks the clause present, false
takes a present clause back to « non vérifiée » (the migration's reading of the old flags).

Art. 28(10): a processor that determines the purposes and means of a processing is its
controller. `beyond_role_warnings` says when the register shows that (one function, for the
convention's page and the activity's page).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import Field, model_validator

from core import articles
from core.errors import FieldError
from register.enums import PROCESSOR_ROLES, ConventionKind, PartyRole, label, labelled
from register.schemas_common import LongText, Shape, Text


@labelled(
    {
        "instructions": "Traitement sur instruction documentée du responsable, "
        "y compris pour les transferts hors de l'Union",
        "confidentiality": "Confidentialité des personnes autorisées à traiter les données",
        "security": "Mesures de sécurité de l'article 32",
        "subprocessing": "Conditions du recours à un sous-traitant ultérieur (art. 28.2 et 28.4)",
        "data_subject_rights": "Aide au responsable pour les demandes d'exercice des droits",
        "compliance_assistance": "Aide pour la sécurité, les violations, l'AIPD et la "
        "consultation préalable (art. 32 à 36)",
        "end_of_service": "Suppression ou restitution des données au terme de la prestation",
        "audits": "Informations pour démontrer le respect des obligations, audits et inspections",
        "unlawful_instruction": "Information du responsable d'une instruction qui paraît illicite",
    }
)
class ClauseCode(StrEnum):
    INSTRUCTIONS = "instructions"
    CONFIDENTIALITY = "confidentiality"
    SECURITY = "security"
    SUBPROCESSING = "subprocessing"
    DATA_SUBJECT_RIGHTS = "data_subject_rights"
    COMPLIANCE_ASSISTANCE = "compliance_assistance"
    END_OF_SERVICE = "end_of_service"
    AUDITS = "audits"
    UNLAWFUL_INSTRUCTION = "unlawful_instruction"


@labelled(
    {
        "present": "Présente",
        "absent": "Absente",
        "not_applicable": "Sans objet",
        "not_checked": "Non vérifiée",
    }
)
class ClauseStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    NOT_APPLICABLE = "not_applicable"
    NOT_CHECKED = "not_checked"


# The regulation's article of each clause, in the checklist's order.
LAW = {
    ClauseCode.INSTRUCTIONS: "art. 28.3 a",
    ClauseCode.CONFIDENTIALITY: "art. 28.3 b",
    ClauseCode.SECURITY: "art. 28.3 c",
    ClauseCode.SUBPROCESSING: "art. 28.3 d",
    ClauseCode.DATA_SUBJECT_RIGHTS: "art. 28.3 e",
    ClauseCode.COMPLIANCE_ASSISTANCE: "art. 28.3 f",
    ClauseCode.END_OF_SERVICE: "art. 28.3 g",
    ClauseCode.AUDITS: "art. 28.3 h",
    ClauseCode.UNLAWFUL_INSTRUCTION: "art. 28.3, dernier alinéa",
}

# The older yes/no fields of a convention, each the clause it now reads from.
FLAG_CLAUSES = {
    "documented_instructions": ClauseCode.INSTRUCTIONS,
    "staff_confidentiality": ClauseCode.CONFIDENTIALITY,
    "assists_data_subject_rights": ClauseCode.DATA_SUBJECT_RIGHTS,
    "assists_security_obligations": ClauseCode.COMPLIANCE_ASSISTANCE,
    "informs_unlawful_instruction": ClauseCode.UNLAWFUL_INSTRUCTION,
    "audit_right": ClauseCode.AUDITS,
}


class ClauseIn(Shape):
    status: ClauseStatus
    article: Text | None = Field(
        default=None,
        description="Where the convention carries it, e.g. « annexe 1, §II.6 »",
        examples=["annexe 1, §II.6"],
    )
    note: LongText | None = None

    @model_validator(mode="after")
    def _explained(self) -> "ClauseIn":
        if self.status == ClauseStatus.NOT_APPLICABLE and not self.note:
            raise FieldError("note", "dites pourquoi la clause est sans objet")
        return self


Clauses = dict[ClauseCode, ClauseIn]


def status_of(clauses: Mapping[ClauseCode, ClauseIn], code: ClauseCode) -> ClauseStatus:
    entry = clauses.get(code)
    return entry.status if entry else ClauseStatus.NOT_CHECKED


def with_flags(clauses: Clauses, flags: Mapping[str, bool | None]) -> Clauses:
    """The checklist after the older yes/no fields an older client sent (None: not sent)."""
    result = dict(clauses)
    for name, value in flags.items():
        code = FLAG_CLAUSES[name]
        entry = result.get(code)
        present = entry is not None and entry.status == ClauseStatus.PRESENT
        if value is True and not present:
            result[code] = ClauseIn(status=ClauseStatus.PRESENT, article=entry and entry.article)
        elif value is False and present:
            result[code] = entry.model_copy(update={"status": ClauseStatus.NOT_CHECKED})
    return result


def flag_columns(clauses: Mapping[ClauseCode, ClauseIn]) -> dict[str, bool]:
    """The older yes/no columns, written from the checklist in the same write."""
    return {
        name: status_of(clauses, code) == ClauseStatus.PRESENT
        for name, code in FLAG_CLAUSES.items()
    }


def clause_problem(
    clauses: Mapping[ClauseCode, ClauseIn], *, end_of_service: Any, subprocessing: Any
) -> str | None:
    """A checklist that contradicts the convention's own fields (one truth per fact)."""
    gone = {ClauseStatus.ABSENT, ClauseStatus.NOT_APPLICABLE}
    if end_of_service is not None and status_of(clauses, ClauseCode.END_OF_SERVICE) in gone:
        return (
            "la clause (g) ne peut être absente ou sans objet : la convention fixe le sort des "
            "données en fin de prestation"
        )
    regime = getattr(subprocessing, "value", subprocessing)
    if regime in ("general", "specific") and status_of(clauses, ClauseCode.SUBPROCESSING) in gone:
        return (
            "la clause (d) ne peut être absente ou sans objet : la convention fixe une "
            "autorisation de sous-traitance ultérieure"
        )
    return None


# Why a convention without processor needs no checklist.
NOT_NEEDED = {
    PartyRole.SERVICE_COMMUN_HOST: "Service commun (CGCT L5211-4-2) : le service agit sous "
    "l'autorité de chaque adhérent, qui reste responsable de ses traitements ; il n'est pas "
    "sous-traitant, l'article 28 ne s'applique pas.",
    PartyRole.JOINT_CONTROLLER: "Responsables conjoints : leurs obligations sont réparties "
    "par l'accord de l'article 26, non par un contrat de sous-traitance.",
    PartyRole.INDEPENDENT_CONTROLLER: "Responsables de traitement distincts : aucun ne traite "
    "de données pour le compte d'un autre ; pas de contrat de sous-traitance (art. 28).",
}
NO_PROCESSOR = "Aucune partie n'est sous-traitante : l'article 28.3 ne s'applique pas."


def not_needed_reason(roles: Iterable[PartyRole]) -> str | None:
    """Why a convention needs no art. 28(3) checklist; None when a party is a processor."""
    roles = set(roles)
    if roles & PROCESSOR_ROLES:
        return None
    return next((why for role, why in NOT_NEEDED.items() if role in roles), NO_PROCESSOR)


@dataclass(frozen=True)
class ClauseRow:
    code: ClauseCode
    law: str
    status: ClauseStatus
    article: str | None
    note: str | None


@dataclass(frozen=True)
class Checklist:
    """What the convention's page and the API show of the checklist."""

    needed: bool
    reason: str | None  # why none is needed
    rows: list[ClauseRow]

    @property
    def absent(self) -> list[ClauseCode]:
        return [r.code for r in self.rows if r.status == ClauseStatus.ABSENT]

    @property
    def not_checked(self) -> list[ClauseCode]:
        return [r.code for r in self.rows if r.status == ClauseStatus.NOT_CHECKED]

    @property
    def flagged(self) -> bool:
        """A processor convention that lacks some clause of the art. 28(3) minimum."""
        return self.needed and bool(self.absent)


def checklist(clauses: Mapping[ClauseCode, ClauseIn], roles: Iterable[PartyRole]) -> Checklist:
    reason = not_needed_reason(roles)
    rows = [
        ClauseRow(
            code=code,
            law=LAW[code],
            status=status_of(clauses, code),
            article=clauses[code].article if code in clauses else None,
            note=clauses[code].note if code in clauses else None,
        )
        for code in ClauseCode
    ]
    return Checklist(needed=reason is None, reason=reason, rows=rows)


def stored_clauses(value: Mapping[str, Any] | None) -> Clauses:
    """The checklist as stored in the convention's JSON column."""
    return {
        ClauseCode(code): ClauseIn.model_validate(entry) for code, entry in (value or {}).items()
    }


def clauses_text(value: Mapping[str, Any] | None) -> str:
    """A stored checklist in words (a proposal's page): « (art. 28.3 a) présente, annexe 1,
    §II.2 ; … »; the clauses left out are not checked."""
    entries = stored_clauses(value)
    if not entries:
        return "aucune clause vérifiée"
    return " ; ".join(
        f"{LAW[code]} : {label(entry.status).lower()}"
        + (f", {entry.article}" if entry.article else "")
        for code, entry in sorted(entries.items(), key=lambda item: list(LAW).index(item[0]))
    )


# Art. 28(10) --------------------------------------------------------------------------------

BEYOND_ROLE = "art. 28.10"


def beyond_role_warnings(
    *,
    roles: Mapping[UUID, PartyRole],
    names: Mapping[UUID, str],
    activities: Iterable[tuple[str, UUID]] = (),
    kind: ConventionKind | None = None,
    text: str = "",
    under: str = "cette convention",
) -> list[str]:
    """When a processor of this convention acts beyond its role (art. 28.10 of the GDPR).

    `activities`: (name, controller id) of the activities linked to the convention: a processor
    recording one as its controller determines its purposes and means. `kind` and `text` (the
    convention's subject and notes): a text that calls the processor's service a « service
    commun » (under the authority of its host) while the parties make it a processor leaves
    the same question open.
    """
    processors = [org for org, role in roles.items() if role in PROCESSOR_ROLES]
    warnings = [
        f"{articles.capitalised(articles.subject(names.get(controller, '?')))} est "
        f"sous-traitant au titre de {under} mais se déclare responsable du traitement "
        f"« {name} » qui s'y rattache : un sous-traitant qui détermine les finalités et les "
        f"moyens d'un traitement en est considéré comme responsable ({BEYOND_ROLE} du RGPD) ; "
        "vérifiez qui en est le responsable"
        for name, controller in activities
        if roles.get(controller) in PROCESSOR_ROLES
    ]
    said_common = kind == ConventionKind.SERVICE_COMMUN or "service commun" in text.lower()
    if processors and said_common:
        who = " et ".join(articles.of(names.get(org, "?")) for org in processors)
        what = "un sous-traitant" if len(processors) == 1 else "des sous-traitants"
        warnings.append(
            f"Le texte de la convention parle d'un « service commun » alors que les parties font "
            f"{who} {what} : un service commun agit sous l'autorité de son "
            "porteur ; si celui-ci détermine les finalités et les moyens des traitements, il en "
            f"est responsable ({BEYOND_ROLE} du RGPD), sinon la qualification de sous-traitant "
            "suppose qu'il n'agisse que sur instruction : qualification à instruire"
        )
    return warnings
