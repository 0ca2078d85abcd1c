"""Who to write to in a body: its DPO (the designated DPD, or contacts with the DPO role) and
its security officers (contacts with the RSSI role)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from register.enums import ContactRole
from register.organisations.models import Contact, Dpo, Organisation


@dataclass
class BodyAddresses:
    organisation_id: UUID
    legal_name: str
    dpo: list[str] = field(default_factory=list)
    rssi: list[str] = field(default_factory=list)
    dpo_phones: list[str] = field(default_factory=list)
    rssi_phones: list[str] = field(default_factory=list)
    short_code: str | None = None  # qualifies its breach references (breach.breaches.names)

    def for_roles(self, *roles: ContactRole) -> list[str]:
        chosen: list[str] = []
        for role in roles:
            chosen += self.dpo if role == ContactRole.DPO else []
            chosen += self.rssi if role == ContactRole.RSSI else []
        return list(dict.fromkeys(chosen))  # each address once, first role first


async def body_addresses(organisation_ids: Iterable[UUID]) -> dict[UUID, BodyAddresses]:
    """Addresses of several bodies in three queries, every body present even without any."""
    ids = list(dict.fromkeys(organisation_ids))
    result: dict[UUID, BodyAddresses] = {}
    dpo_of: dict[UUID, UUID] = {}
    for org_id, name, dpo_id, code in await Organisation.filter(id__in=ids).values_list(
        "id", "legal_name", "dpo_id", "short_code"
    ):
        result[org_id] = BodyAddresses(org_id, name, short_code=code)
        if dpo_id:
            dpo_of[org_id] = dpo_id
    dpos = {d.id: d for d in await Dpo.filter(id__in=list(set(dpo_of.values())))}
    for org_id, dpo_id in dpo_of.items():
        dpo = dpos[dpo_id]
        result[org_id].dpo.append(dpo.email)
        if dpo.phone:
            result[org_id].dpo_phones.append(dpo.phone)
    contacts: dict[UUID, list[Contact]] = defaultdict(list)
    for contact in await Contact.filter(organisation_id__in=ids).order_by("name", "id"):
        contacts[contact.organisation_id].append(contact)
    for org_id, rows in contacts.items():
        for contact in rows:
            if ContactRole.DPO in contact.roles:
                _add(result[org_id].dpo, result[org_id].dpo_phones, contact)
            if ContactRole.RSSI in contact.roles:
                _add(result[org_id].rssi, result[org_id].rssi_phones, contact)
    return result


def _add(emails: list[str], phones: list[str], contact: Contact) -> None:
    if contact.email and contact.email not in emails:
        emails.append(contact.email)
    if contact.phone and contact.phone not in phones:
        phones.append(contact.phone)
