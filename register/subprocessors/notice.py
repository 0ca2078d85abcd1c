"""The processor's notice to its controllers of an added or replaced sub-processor, under a
general written authorisation (art. 28(2) GDPR), with the period to object."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from core.clock import to_local
from core.french import format_day
from core.outbox.service import Draft
from core.templating import render_message
from register.activities.models import ProcessingActivity
from register.conventions.models import Convention, ConventionParty
from register.enums import PartyRole, SubprocessorAuthorisation, TransferMechanism, label
from register.organisations.addresses import BodyAddresses, body_addresses
from register.organisations.models import Organisation
from register.subprocessors.models import SubprocessorEngagement

KIND = "subprocessor.change_notice"
PROCESSOR_ROLES = (PartyRole.PROCESSOR, PartyRole.SUB_PROCESSOR)
# The parties a processor answers to under the convention (art. 28(2): "the controller").
NOTIFIED_ROLES = (
    PartyRole.CONTROLLER,
    PartyRole.JOINT_CONTROLLER,
    PartyRole.SERVICE_COMMUN_MEMBER,
)

_COUNTRIES = {
    "FR": "France",
    "DE": "Allemagne",
    "BE": "Belgique",
    "ES": "Espagne",
    "IT": "Italie",
    "NL": "Pays-Bas",
    "LU": "Luxembourg",
    "IE": "Irlande",
    "PT": "Portugal",
    "AT": "Autriche",
    "PL": "Pologne",
    "SE": "Suède",
    "FI": "Finlande",
    "DK": "Danemark",
    "CH": "Suisse",
    "GB": "Royaume-Uni",
    "US": "États-Unis",
    "CA": "Canada",
}


def _country(code: str) -> str:
    name = _COUNTRIES.get(code)
    return f"{name} ({code})" if name else code


@dataclass
class ChangeNotices:
    drafts: list[Draft]
    objection_deadline: date | None  # the latest of the conventions' periods


async def _conventions(engagement: SubprocessorEngagement, convention_ids: list[UUID]):
    if not convention_ids:
        # No convention named: the engagement serves every one where the body is processor.
        convention_ids = (
            await ConventionParty.in_force()
            .filter(organisation_id=engagement.processor_id, role__in=PROCESSOR_ROLES)
            .values_list("convention_id", flat=True)
        )
    # Only a convention in force gives its controllers a right to be told (and a body that
    # has not accepted one is never e-mailed under it).
    return (
        await Convention.in_force()
        .filter(
            id__in=list(convention_ids),
            subprocessor_authorisation=SubprocessorAuthorisation.GENERAL,
        )
        .order_by("title", "id")
    )


def _sub_processor_facts(engagement: SubprocessorEngagement) -> dict:
    """What the notice says of the sub-processor, the same in every message."""
    return {
        "name": engagement.name,
        "siren": engagement.siren,
        "address": engagement.address,
        "services": engagement.services,
        "locations": [_country(c) for c in engagement.data_locations or []],
        "transfer": (
            label(TransferMechanism(engagement.transfer_mechanism))
            if engagement.transfer_mechanism
            else None
        ),
        "certifications": list(engagement.certifications or []),
        "contract_ref": engagement.contract_ref,
        "dpo_contact": engagement.dpo_contact,
    }


def _activities_by_controller(activities: list[ProcessingActivity]) -> dict[UUID, list[dict]]:
    """Each controller is told of its own activities only, in the order given."""
    grouped: dict[UUID, list[dict]] = defaultdict(list)
    for a in activities:
        grouped[a.controller_id].append({"ref": a.ref, "name": a.name})
    return grouped


def _objection_deadline(today: date, days: int | None) -> date | None:
    return today + timedelta(days=days) if days is not None else None


def _recipients(dpo: list[str], legal_rep_email: str | None) -> tuple[str, ...]:
    """The controller's DPOs, and its legal representative when not one of them."""
    recipients = list(dpo)
    if legal_rep_email and legal_rep_email not in recipients:
        recipients.append(legal_rep_email)
    return tuple(recipients)


def _draft(
    engagement: SubprocessorEngagement,
    processor: BodyAddresses,
    controller_id: UUID,
    to_addrs: tuple[str, ...],
    context: dict,
) -> Draft:
    """One controller's message; its answers go to the processor's DPO."""
    rendered = render_message("mail/subprocessor_change.txt.j2", context)
    return Draft(
        kind=KIND,
        to_addrs=to_addrs,
        subject=rendered.subject,
        body_text=rendered.body,
        organisation_id=controller_id,
        subject_type="subprocessor",
        subject_id=engagement.id,
        reply_to=processor.dpo[0] if processor.dpo else None,
    )


async def change_notices(
    engagement: SubprocessorEngagement,
    *,
    convention_ids: list[UUID],
    activity_ids: list[UUID],
    now: datetime,
    previous_name: str | None = None,
) -> ChangeNotices:
    """One message per controller party of each convention with a general authorisation."""
    conventions = await _conventions(engagement, convention_ids)
    if not conventions:
        return ChangeNotices([], None)
    parties = await ConventionParty.filter(
        convention_id__in=[c.id for c in conventions], role__in=NOTIFIED_ROLES
    ).exclude(organisation_id=engagement.processor_id)
    controller_ids = list(dict.fromkeys(p.organisation_id for p in parties))
    addresses = await body_addresses([*controller_ids, engagement.processor_id])
    legal_rep_emails = dict(
        await Organisation.filter(id__in=controller_ids).values_list("id", "legal_rep_email")
    )
    activities_of = _activities_by_controller(
        await ProcessingActivity.filter(id__in=activity_ids).order_by("ref", "name")
    )
    processor = addresses[engagement.processor_id]
    common = {
        "processor": processor.legal_name,
        "processor_dpo": ", ".join(processor.dpo),
        "replaced": previous_name is not None,
        "previous": previous_name or "",
        **_sub_processor_facts(engagement),
    }
    today = to_local(now).date()
    drafts, deadlines = [], []
    for convention in conventions:
        days = convention.subprocessor_notice_days
        deadline = _objection_deadline(today, days)
        if deadline:
            deadlines.append(deadline)
        about = {
            **common,
            "convention": convention.title,
            "deadline": format_day(deadline) if deadline else None,
            "days": days,
        }
        for party in (p for p in parties if p.convention_id == convention.id):
            controller_id = party.organisation_id
            controller = addresses[controller_id]
            context = {
                **about,
                "controller": controller.legal_name,
                "activities": activities_of.get(controller_id, []),
            }
            to_addrs = _recipients(controller.dpo, legal_rep_emails.get(controller_id))
            drafts.append(_draft(engagement, processor, controller_id, to_addrs, context))
    return ChangeNotices(drafts, max(deadlines) if deadlines else None)
