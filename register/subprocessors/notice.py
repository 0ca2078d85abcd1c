"""The processor's notice to its controllers of an added or replaced sub-processor, under a
general written authorisation (art. 28(2) GDPR), with the period to object."""

from collections import defaultdict
from uuid import UUID

from core.french import format_day
from core.outbox.service import Draft
from core.templating import render_message
from register.activities.models import ProcessingActivity
from register.conventions.models import Convention, ConventionParty
from register.enums import DataCategory, SubprocessorAuthorisation, TransferMechanism, label
from register.organisations.addresses import BodyAddresses, body_addresses
from register.organisations.models import Organisation
from register.subprocessors.models import SubprocessorEngagement
from register.subprocessors.regime import DEFAULT_OBJECTION_DAYS, Deadline
from register.subprocessors.states import CONTROLLER_ROLES

KIND = "subprocessor.change_notice"

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
        # GOSB–Juvisy annex 1 §II.6: « les dates du contrat de sous-traitance ».
        "contract_start": format_day(engagement.contract_start)
        if engagement.contract_start
        else None,
        "contract_end": format_day(engagement.contract_end) if engagement.contract_end else None,
        "dpo_contact": engagement.dpo_contact,
    }


def _categories(codes: list[str]) -> list[str]:
    known = {m.value for m in DataCategory}
    return [label(DataCategory(c)) if c in known else c for c in codes or []]


def _activities_by_controller(activities: list[ProcessingActivity]) -> dict[UUID, list[dict]]:
    """Each controller is told of its own activities only, in the order given."""
    grouped: dict[UUID, list[dict]] = defaultdict(list)
    for a in activities:
        grouped[a.controller_id].append(
            {"ref": a.ref, "name": a.name, "data": _categories(a.data_categories)}
        )
    return grouped


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
    conventions: list[Convention],
    deadlines: dict[UUID, Deadline],
    asking: list[Convention],
    activity_ids: list[UUID],
    previous_name: str | None = None,
) -> list[tuple[Draft, str]]:
    """One message per controller party of each convention: under a general authorisation,
    sent before the change with its deadline to object (register.subprocessors.regime); under
    a specific one (or a regime not stated), the request for its written authorisation. Each
    with its key, so the same change never writes twice to a controller."""
    conventions = [*conventions, *asking]
    if not conventions:
        return []
    parties = await ConventionParty.filter(
        convention_id__in=[c.id for c in conventions], role__in=CONTROLLER_ROLES
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
        "default_days": DEFAULT_OBJECTION_DAYS,
        **_sub_processor_facts(engagement),
    }
    drafts = []
    for convention in conventions:
        deadline = deadlines.get(convention.id)
        about = {
            **common,
            "convention": convention.title,
            "request": deadline is None,
            "unstated": convention.subprocessor_authorisation == SubprocessorAuthorisation.UNKNOWN,
            "deadline": format_day(deadline.day) if deadline else None,
            "days": deadline.days if deadline else None,
            "deadline_source": deadline.source if deadline else None,
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
            key = f"{KIND}:{engagement.id}:{engagement.version}:{convention.id}:{controller_id}"
            drafts.append((_draft(engagement, processor, controller_id, to_addrs, context), key))
    return drafts
