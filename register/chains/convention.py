"""The chain of one convention, as a tree to draw or to read aloud.

Level 0: the controllers (controller, joint or independent controller, member of a service
commun); level 1: who acts for them (processor, host of a service commun); level 2 and
below: the sub-processors, those named as parties and those the processors hire
(`register.chains.subprocessors`), each under the body that hires it, at any depth.

The caller passes a convention it obtained through `service.get_convention` (scoped): the
names of the other parties and the sub-processors serving this convention are then shown to
every party, as the controller's record (art. 30(1)) already does.
"""

from dataclasses import dataclass, field
from uuid import UUID

from register.chains.subprocessors import SubprocessorLink, engaged_org_ids, subprocessor_chain
from register.conventions.models import Convention, ConventionParty
from register.enums import CONTROLLER_ROLES, PROCESSOR_ROLES, PartyRole, label
from register.organisations.models import Organisation

PROVIDER_ROLES = frozenset({PartyRole.PROCESSOR, PartyRole.SERVICE_COMMUN_HOST})


@dataclass(frozen=True)
class Party:
    organisation_id: UUID
    name: str
    role: PartyRole

    @property
    def role_label(self) -> str:
        return label(self.role)


@dataclass
class ChainNode:
    name: str
    role_label: str
    level: int
    party: Party | None = None  # a party to the convention
    engagement: SubprocessorLink | None = None  # a sub-processor engagement
    children: list["ChainNode"] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class ConventionChain:
    parties: list[Party]
    controllers: list[ChainNode]  # level 0
    providers: list[ChainNode]  # level 1, each with the sub-processors under it
    engagements: list[SubprocessorLink]  # every engagement drawn, depth first

    @property
    def nodes(self) -> list[ChainNode]:
        return [*self.controllers, *(n for p in self.providers for n in p.walk())]

    @property
    def depth(self) -> int:
        return max((n.level for n in self.nodes), default=0)

    @property
    def is_service_commun(self) -> bool:
        return any(
            p.party and p.party.role == PartyRole.SERVICE_COMMUN_HOST for p in self.providers
        )


async def party_names(organisation_ids) -> dict[UUID, str]:
    """The legal names of the parties of conventions the caller may already see."""
    ids = list(set(organisation_ids))
    if not ids:
        return {}
    rows = await Organisation.filter(id__in=ids).values_list("id", "legal_name")
    return dict(rows)


async def convention_parties(convention: Convention) -> list[Party]:
    rows = (
        await ConventionParty.filter(convention_id=convention.id)
        .order_by("id")
        .prefetch_related("organisation")
    )
    return [Party(p.organisation_id, p.organisation.legal_name, p.role) for p in rows]


def _engagement_role(link: SubprocessorLink) -> str:
    base = label(PartyRole.SUB_PROCESSOR)
    return base if link.depth == 1 else f"{base} de rang {link.depth}"


def _grow(root: ChainNode, links: list[SubprocessorLink]) -> None:
    """Hang a depth-first list of links (depth 1 under `root`) as a tree."""
    stack = [root]
    for link in links:
        node = ChainNode(
            name=link.name,
            role_label=_engagement_role(link),
            level=root.level + link.depth,
            engagement=link,
        )
        del stack[link.depth :]
        stack[-1].children.append(node)
        stack.append(node)


async def convention_chain(convention: Convention) -> ConventionChain:
    parties = await convention_parties(convention)
    controllers = [
        ChainNode(p.name, p.role_label, 0, party=p) for p in parties if p.role in CONTROLLER_ROLES
    ]
    providers = [
        ChainNode(p.name, p.role_label, 1, party=p) for p in parties if p.role in PROVIDER_ROLES
    ]
    engagements: list[SubprocessorLink] = []
    for node in providers:
        if node.party.role not in PROCESSOR_ROLES:
            continue  # a service commun's host is the members' own service, not a processor
        links = await subprocessor_chain(
            processor_id=node.party.organisation_id,
            convention_id=convention.id,
            hired_by=node.name,
        )
        _grow(node, links)
        engagements.extend(links)
    drawn_orgs = await engaged_org_ids([e.engagement_id for e in engagements])
    # Sub-processors named as parties, unless an engagement already draws them: under the
    # processor that hires them (the first one when the convention names several).
    hirer = next((n for n in providers if n.party.role == PartyRole.PROCESSOR), None)
    for party in parties:
        if party.role != PartyRole.SUB_PROCESSOR or party.organisation_id in drawn_orgs:
            continue
        node = ChainNode(party.name, party.role_label, 2, party=party)
        if hirer is None:
            providers.append(node)
            node.level = 1
        else:
            hirer.children.append(node)
        links = await subprocessor_chain(
            processor_id=party.organisation_id, convention_id=convention.id, hired_by=party.name
        )
        _grow(node, links)
        engagements.extend(links)
    return ConventionChain(parties, controllers, providers, engagements)
