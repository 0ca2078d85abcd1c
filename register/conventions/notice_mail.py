"""The message telling a convention's other parties that one of them gave notice.

A notice is one party's act under the clause (register.conventions.life): recorded alone, it
must reach the others, whose register it changes. Only a convention its parties all accepted
takes a notice (life_events), so every recipient agreed to be bound by that clause.
"""

from core.articles import capitalised, of, subject
from core.clock import utcnow
from core.french import format_day
from core.links import Page, page_url
from core.outbox.service import Draft, enqueue
from core.templating import render_message
from register.conventions.models import Convention, ConventionParty
from register.organisations.addresses import body_addresses

KIND = "convention_notice"
TEMPLATE = "mail/convention_notice.txt.j2"


def dedup_key(convention: Convention) -> str:
    return (
        f"convention:{convention.id}:notice:{convention.notice_party}:{convention.notice_given_on}"
    )


async def tell_other_parties(convention: Convention) -> None:
    """Queue the message to the DPOs of every party but the one that gave notice (once)."""
    party_ids = (
        await ConventionParty.filter(convention_id=convention.id)
        .order_by("id")
        .values_list("organisation_id", flat=True)
    )
    addresses = await body_addresses(party_ids)
    others = [p for p in party_ids if p != convention.notice_party]
    to = list(dict.fromkeys(a for org_id in others for a in addresses[org_id].dpo))
    name = addresses[convention.notice_party].legal_name
    rendered = render_message(
        TEMPLATE,
        {
            "title": convention.title,
            "party_of": of(name),
            "party_subject": capitalised(subject(name)),
            "given_day": format_day(convention.notice_given_on),
            "effective_day": format_day(convention.notice_effective_on),
            "notice_months": convention.notice_months,
            "parties": [addresses[org_id].legal_name for org_id in party_ids],
            "recorded_by": convention.notice_recorded_by,
            "link": page_url(Page.CONVENTION, convention.id),
        },
    )
    draft = Draft(
        kind=KIND,
        to_addrs=tuple(to),
        subject=rendered.subject,
        body_text=rendered.body,
        organisation_id=convention.notice_party,
        subject_type="convention",
        subject_id=convention.id,
    )
    await enqueue(draft, now=utcnow(), dedup_key=dedup_key(convention))
