"""A body's card: its name and contact details and those of its DPO, as art. 30 asks of
each party named in a record (register.records) or in a processor's chain."""

from uuid import UUID

from pydantic import BaseModel

from register.organisations.models import Dpo, Organisation


class PartyCard(BaseModel):
    """Name and contact details of a body and of its DPO, as art. 30 asks."""

    organisation_id: UUID
    legal_name: str
    kind: str
    siren: str | None
    address: str | None
    legal_rep_name: str | None
    legal_rep_email: str | None
    dpo_name: str | None
    dpo_email: str | None
    dpo_phone: str | None
    dpo_cnil_designation_ref: str | None


async def party_card(org: Organisation) -> PartyCard:
    dpo = await Dpo.filter(id=org.dpo_id).first() if org.dpo_id else None
    return PartyCard(
        organisation_id=org.id,
        legal_name=org.legal_name,
        kind=org.kind.value,
        siren=org.siren,
        address=org.address,
        legal_rep_name=org.legal_rep_name,
        legal_rep_email=org.legal_rep_email,
        dpo_name=dpo.name if dpo else None,
        dpo_email=dpo.email if dpo else None,
        dpo_phone=dpo.phone if dpo else None,
        dpo_cnil_designation_ref=org.dpo_cnil_designation_ref,
    )
