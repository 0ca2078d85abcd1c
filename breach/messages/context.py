"""Template contexts built from the database: every value display-ready (French dates in the
configured zone, labels, numbers), so the templates hold wording and no law."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import phonenumbers

from breach.breaches.models import Breach, BreachNotification
from breach.breaches.names import shown_ref
from breach.deadlines import format_local
from breach.enums import (
    SENSITIVE_BREACH_DATA,
    Art34Exemption,
    BreachDataCategory,
    BreachNature,
    BreachSubjectCategory,
    Consequence,
    IncidentCause,
    IncidentOrigin,
    InformPeople,
    NotificationRecipient,
    RiskLevel,
)
from breach.incidents.models import Incident
from core.clock import today_local
from core.french import plural
from register.activities.models import ProcessingActivity
from register.conventions.life import convention_life, ended_words
from register.conventions.models import Convention
from register.enums import ContactRole, NoticeChannel, label
from register.organisations.models import Contact, Dpo, Organisation

UNKNOWN = "inconnu à ce stade"


def display_phone(number: str) -> str:
    """'+33357800657' → '03 57 80 06 57' (a French number as the French write it)."""
    try:
        parsed = phonenumbers.parse(number, "FR")
    except phonenumbers.NumberParseException:
        return number
    if parsed.country_code == 33:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def display_number(value: int) -> str:
    """12345 → '12 345' (French thousands separator, a plain space for plain-text mail)."""
    return f"{value:,}".replace(",", " ")


def _when(moment: datetime | None) -> str | None:
    return format_local(moment) if moment else None


def _labels(enum_cls, values: list[str]) -> list[str]:
    return [label(enum_cls(v)) for v in values]


@dataclass
class Person:
    name: str
    email: str | None = None
    phone: str | None = None
    title: str | None = None

    def line(self) -> str:
        parts = [self.name]
        if self.title:
            parts.append(self.title)
        if self.email:
            parts.append(f"courriel : {self.email}")
        if self.phone:
            parts.append(f"téléphone : {self.phone}")
        return ", ".join(parts)


@dataclass
class OrgCard:
    """A body as a letter names it: who it is, its legal representative, its DPO and RSSI."""

    id: UUID
    name: str
    siren: str | None
    address: str | None
    kind: str
    legal_rep: Person | None
    dpo: Person | None
    dpo_cnil_ref: str | None
    rssi: list[Person] = field(default_factory=list)
    short_code: str | None = None  # qualifies its breach references (breach.breaches.names)

    @property
    def dpo_emails(self) -> list[str]:
        return [self.dpo.email] if self.dpo and self.dpo.email else []

    @property
    def dpo_phones(self) -> list[str]:
        return [self.dpo.phone] if self.dpo and self.dpo.phone else []


def _person(name: str, email: str | None, phone: str | None, title: str | None = None) -> Person:
    return Person(name, email, display_phone(phone) if phone else None, title)


async def _dpo(org: Organisation, contacts: list[Contact]) -> Person | None:
    """The designated DPO, else the body's first DPO contact."""
    dpo_contacts = [c for c in contacts if ContactRole.DPO in c.roles]
    if org.dpo_id:
        row = await Dpo.get(id=org.dpo_id)
        dpo = _person(row.name, row.email, row.phone)
        if dpo.phone is None:
            # The designated DPO has no phone on file; a DPO contact of the body may have one.
            dpo.phone = next((display_phone(c.phone) for c in dpo_contacts if c.phone), None)
        return dpo
    if dpo_contacts:
        first = dpo_contacts[0]
        return _person(first.name, first.email, first.phone)
    return None


def _legal_rep(org: Organisation) -> Person | None:
    if not (org.legal_rep_name or org.legal_rep_title):
        return None
    return _person(
        org.legal_rep_name or "(nom non renseigné)",
        org.legal_rep_email,
        org.legal_rep_phone,
        org.legal_rep_title,
    )


async def org_card(org_id: UUID) -> OrgCard:
    org = await Organisation.get(id=org_id)
    contacts = await Contact.filter(organisation_id=org_id).order_by("name", "id")
    return OrgCard(
        id=org.id,
        name=org.legal_name,
        siren=org.siren,
        address=org.address,
        kind=label(org.kind),
        legal_rep=_legal_rep(org),
        dpo=await _dpo(org, contacts),
        dpo_cnil_ref=org.dpo_cnil_designation_ref,
        short_code=org.short_code,
        rssi=[
            _person(c.name, c.email, c.phone, c.job_title)
            for c in contacts
            if ContactRole.RSSI in c.roles
        ],
    )


def count_text(value: int | None, *, estimate: bool, unit: str) -> str:
    if value is None:
        return UNKNOWN
    text = f"{display_number(value)} {unit}"
    return f"environ {text} (estimation)" if estimate else text


@dataclass
class BreachView:
    """One breach with everything a message about it may say."""

    breach: Breach
    incident: Incident
    controller: OrgCard
    source: OrgCard | None
    convention: Convention | None
    activities: list[dict[str, str | None]]
    cnil_ref: str | None  # the CNIL's file number, once an initial notification got one

    @property
    def convention_ended(self) -> str | None:
        """« convention échue le … » once the convention has ended: a breach on the data
        it still covers fans out all the same (register.conventions.ended)."""
        if self.convention is None:
            return None
        return ended_words(convention_life(self.convention, today_local()))

    @property
    def phone_required(self) -> bool:
        channels = self.convention.breach_notice_channels if self.convention else []
        return NoticeChannel.PHONE in (channels or [])

    def facts(self) -> dict[str, Any]:
        b, i = self.breach, self.incident
        assessment = b.assessment or {}
        return {
            "ref": shown_ref(b.ref, self.controller.short_code),
            "title": i.title,
            "description": i.description,
            "system": i.system,
            "activities": self.activities,
            "nature": _labels(BreachNature, i.nature),
            "nature_values": list(i.nature),
            "origin": label(IncidentOrigin(i.origin)) if i.origin else UNKNOWN,
            "cause": label(IncidentCause(i.cause)) if i.cause else UNKNOWN,
            "started": _when(i.started_at),
            "start_is_estimate": i.start_is_estimate,
            "detected": format_local(i.detected_at),
            "aware": _when(b.aware_at),
            "aware_rationale": b.aware_rationale,
            "ongoing": i.ongoing,
            "ended": _when(i.ended_at),
            "data_categories": _labels(BreachDataCategory, b.data_categories),
            "sensitive": [
                label(BreachDataCategory(v))
                for v in b.data_categories
                if v in SENSITIVE_BREACH_DATA
            ],
            "data_category_values": list(b.data_categories),
            "subject_categories": _labels(BreachSubjectCategory, b.subject_categories),
            "subjects": count_text(
                b.approx_subjects, estimate=b.subjects_is_estimate, unit="personnes"
            ),
            # Art. 33(3)(a) asks for an approximate number of records: always an estimate.
            "records": count_text(b.approx_records, estimate=True, unit="enregistrements"),
            "consequences": _labels(Consequence, b.consequences),
            "consequences_detail": b.consequences_detail,
            "severity": (
                f"{assessment.get('band_label', '')} (méthode ENISA, SE = {assessment['se']})"
                if assessment.get("se")
                else None
            ),
            "measures_taken": b.measures_taken,
            "measures_planned": b.measures_planned,
            "risk_level": label(RiskLevel(b.risk_level)) if b.risk_level else None,
            "inform_people": label(InformPeople(b.inform_people)) if b.inform_people else None,
            "art34_exemption": (
                label(Art34Exemption(b.art34_exemption)) if b.art34_exemption else None
            ),
            "decision_reasons": b.decision_reasons,
            "cnil_due": _when(b.cnil_due_at),
        }

    def convention_facts(self) -> dict[str, Any] | None:
        c = self.convention
        if c is None:
            return None
        hours = c.breach_notice_hours
        return {
            "title": c.title,
            "legal_basis": c.legal_basis,
            "deliberations": list(c.deliberation_refs or []),
            "delay": (
                plural(hours, "heure")
                if hours
                else "sans délai"
                if hours == 0
                else "sans retard indu"
            ),
            "channels": [label(NoticeChannel(ch)) for ch in c.breach_notice_channels or []],
            "phased": c.breach_phased_information,
            "ended": self.convention_ended,
        }


async def breach_view(breach: Breach) -> BreachView:
    incident = await Incident.get(id=breach.incident_id)
    activity_rows = await ProcessingActivity.filter(breaches__id=breach.id).order_by("ref", "name")
    cnil_ref = (
        await BreachNotification.filter(
            breach_id=breach.id, recipient=NotificationRecipient.CNIL, external_ref__isnull=False
        )
        .order_by("sent_at")
        .values_list("external_ref", flat=True)
    )
    return BreachView(
        breach=breach,
        incident=incident,
        controller=await org_card(breach.controller_id),
        source=await org_card(breach.source_org_id) if breach.source_org_id else None,
        convention=(
            # Only a convention in force binds: one withdrawn since gives no delay or channel.
            await Convention.in_force().get_or_none(id=breach.convention_id)
            if breach.convention_id
            else None
        ),
        activities=[{"name": a.name, "ref": a.ref} for a in activity_rows],
        cnil_ref=cnil_ref[0] if cnil_ref else None,
    )
