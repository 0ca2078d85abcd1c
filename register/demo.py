"""The demo register: the four seed conventions of `shared/seeds/`, loaded as they really are.

The facts are data, in `register/demo_data/`, each beside the clause of the seed it comes from:
- `bodies.toml`: the bodies and their DPOs (shared by the conventions), and the presets several
  activities take their fields from; its header says how the comments mark what is in the seed,
  what is inferred and what is illustrative;
- one file per seed convention (`001-003_gosb_juvisy.toml`, …, listed by `bodies.toml`): the
  convention with its parties and clauses, then its contacts, security measures, processing
  activities and sub-processor engagements. 001 and 003 are two documents of one convention.

This module only reads them and writes everything through the register's services and input
shapes, so the demo obeys the same validation as a person typing it (an unknown key is refused).
An administrator writes it, so each convention is in force at once. Loading is idempotent (the
first body marks the demo as loaded) and atomic.

References between records are keys of the data: a body (`org`, `controller`, `processor`,
`subprocessor`, a party's `org`), a DPO (`dpo`), a convention (`conventions`), a measure
(`measures`, as "<body key>:<measure key>"), an activity (`activities`, by its `ref`).
"""

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from core.errors import Conflict, ValidationFailed
from core.scope import Scope
from register.activities.models import ProcessingActivity
from register.activities.schemas import ActivityIn
from register.activities.service import create_activity
from register.conventions.ended import recording_existing_work
from register.conventions.models import Convention, ConventionParty
from register.conventions.schemas import ConventionIn, PartyIn
from register.conventions.service import create_convention
from register.measures.models import SecurityMeasure
from register.measures.schemas import MeasureIn
from register.measures.service import create_measure
from register.organisations.models import Contact, Organisation
from register.organisations.schemas import ContactIn, DpoIn, OrganisationIn
from register.organisations.service import create_contact, create_dpo, create_organisation
from register.subprocessors.models import SubprocessorEngagement
from register.subprocessors.schemas import EngagementIn
from register.subprocessors.service import create_engagement

DATA_DIR = Path(__file__).with_name("demo_data")
SHARED_FILE = "bodies.toml"

Spec = dict[str, Any]


@dataclass(frozen=True)
class DemoData:
    """The demo as read from its files, in creation order, references still as keys."""

    dpos: dict[str, Spec]
    organisations: dict[str, Spec]
    contacts: list[Spec]
    conventions: dict[str, Spec]
    measures: list[Spec]
    activities: list[Spec]
    engagements: list[Spec]

    @property
    def marker(self) -> str:
        """The legal name of the first body: present once the demo is loaded."""
        return next(iter(self.organisations.values()))["legal_name"]


def read_demo_data(folder: Path = DATA_DIR) -> DemoData:
    """The shared file, then the seed files it names, in its order."""
    shared = _read(folder / SHARED_FILE)
    seeds = [_read(folder / name) for name in shared["seeds"]]
    presets = shared.get("presets", {})

    def every(section: str) -> list[Spec]:
        return [spec for seed in seeds for spec in seed.get(section, [])]

    conventions = {}
    for seed in seeds:
        convention = dict(seed["convention"])
        conventions[convention.pop("key")] = convention
    return DemoData(
        dpos=shared["dpos"],
        organisations=shared["organisations"],
        contacts=every("contacts"),
        conventions=conventions,
        measures=every("measures"),
        activities=[_with_preset(spec, presets) for spec in every("activities")],
        engagements=every("engagements"),
    )


@cache
def demo_data() -> DemoData:
    return read_demo_data()


def _read(path: Path) -> Spec:
    with path.open("rb") as file:
        return tomllib.load(file)


def _with_preset(spec: Spec, presets: dict[str, Spec]) -> Spec:
    """An activity with `preset = "…"` takes the preset's fields; its own keys win."""
    if "preset" not in spec:
        return spec
    own = {k: v for k, v in spec.items() if k != "preset"}
    return presets[spec["preset"]] | own


@dataclass(frozen=True)
class DemoSummary:
    """What the demo holds: counts, and the ids of the bodies and conventions by short key."""

    created: bool  # False: the demo was already there, nothing was written
    organisations: int
    dpos: int
    contacts: int
    conventions: int
    measures: int
    activities: int
    engagements: int
    bodies: dict[str, UUID] = field(default_factory=dict)
    convention_ids: dict[str, UUID] = field(default_factory=dict)

    def __str__(self) -> str:
        state = "créée" if self.created else "déjà présente"
        return (
            f"démonstration {state} : {self.organisations} organismes, {self.dpos} DPO, "
            f"{self.contacts} contacts, {self.conventions} conventions, {self.measures} "
            f"mesures, {self.activities} traitements, {self.engagements} sous-traitants "
            "ultérieurs"
        )


async def load_demo(
    *, scope: Scope = Scope.everything(), data: DemoData | None = None
) -> DemoSummary:
    """Load the seed conventions' register once; later calls only report what is there."""
    if not scope.is_unrestricted:
        raise ValidationFailed.one(
            "scope", msg="le chargement de la démonstration est réservé à un administrateur"
        )
    data = data or demo_data()
    if await _already_loaded(data):
        return await _summary(data, created=False)
    try:
        async with in_transaction():  # all or nothing
            await _Loader(scope).create_everything(data)
    except Conflict:
        # Another loader won the race (GOSB's SIREN is unique): report its work.
        if not await _already_loaded(data):
            raise
        return await _summary(data, created=False)
    return await _summary(data, created=True)


async def _already_loaded(data: DemoData) -> bool:
    return await Organisation.exists(legal_name=data.marker)


def _without(spec: Spec, *keys: str) -> Spec:
    return {k: v for k, v in spec.items() if k not in keys}


class _Loader:
    """Writes the demo through the services, keeping the ids of what it created by key."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.orgs: dict[str, UUID] = {}
        self.conventions: dict[str, UUID] = {}
        self.measures: dict[str, UUID] = {}
        self.activities: dict[str, UUID] = {}

    async def create_everything(self, data: DemoData) -> None:
        dpos = {
            key: (await create_dpo(scope=self.scope, data=DpoIn.model_validate(spec))).id
            for key, spec in data.dpos.items()
        }
        for key, spec in data.organisations.items():
            values = _without(spec, "dpo") | (
                {"dpo_id": dpos[spec["dpo"]]} if "dpo" in spec else {}
            )
            org = await create_organisation(
                scope=self.scope, data=OrganisationIn.model_validate(values)
            )
            self.orgs[key] = org.id
        for spec in data.contacts:
            values = _without(spec, "org") | {"organisation_id": self.orgs[spec["org"]]}
            await create_contact(scope=self.scope, data=ContactIn.model_validate(values))
        for key, spec in data.conventions.items():
            await self.create_convention(key, spec)
        for spec in data.measures:
            values = _without(spec, "org", "key") | {"organisation_id": self.orgs[spec["org"]]}
            measure = await create_measure(scope=self.scope, data=MeasureIn.model_validate(values))
            self.measures[f"{spec['org']}:{spec['key']}"] = measure.id
        # The seeds' processing existed while their conventions were in force, some of which
        # have ended since (register.conventions.ended lists them on the dashboard).
        with recording_existing_work():
            for spec in data.activities:
                await self.create_activity(spec)
            for spec in data.engagements:
                await self.create_engagement(spec)

    async def create_convention(self, key: str, spec: Spec) -> None:
        values = _without(spec, "parties")
        values["parties"] = [
            PartyIn(organisation_id=self.orgs[party["org"]], role=party["role"])
            for party in spec["parties"]
        ]
        convention = await create_convention(
            scope=self.scope, data=ConventionIn.model_validate(values)
        )
        self.conventions[key] = convention.id

    async def create_activity(self, spec: Spec) -> None:
        values = _without(spec, "controller", "conventions", "measures", "recipients")
        values["controller_id"] = self.orgs[spec["controller"]]
        values["convention_ids"] = [self.conventions[c] for c in spec.get("conventions", [])]
        values["security_measure_ids"] = [self.measures[m] for m in spec.get("measures", [])]
        values["recipients"] = [
            _without(r, "org") | ({"organisation_id": self.orgs[r["org"]]} if "org" in r else {})
            for r in spec.get("recipients", [])
        ]
        activity = await create_activity(scope=self.scope, data=ActivityIn.model_validate(values))
        self.activities[spec["ref"]] = activity.id

    async def create_engagement(self, spec: Spec) -> None:
        values = _without(spec, "processor", "subprocessor", "conventions", "activities")
        values["processor_id"] = self.orgs[spec["processor"]]
        if "subprocessor" in spec:
            values["subprocessor_org_id"] = self.orgs[spec["subprocessor"]]
        values["convention_ids"] = [self.conventions[c] for c in spec.get("conventions", [])]
        values["activity_ids"] = [self.activities[a] for a in spec.get("activities", [])]
        # Engagements of the past, already known to the controllers: no art. 28(2) notice.
        await create_engagement(
            scope=self.scope, data=EngagementIn.model_validate(values), notify=False
        )


async def _summary(data: DemoData, *, created: bool) -> DemoSummary:
    """Counts and ids read back from the database, so a second call reports the same."""
    bodies: dict[str, UUID] = {}
    dpo_ids: set[UUID] = set()
    for key, spec in data.organisations.items():
        org = (
            await Organisation.filter(legal_name=spec["legal_name"]).order_by("created_at").first()
        )
        if org is not None:
            bodies[key] = org.id
            if org.dpo_id:
                dpo_ids.add(org.dpo_id)
    org_ids = list(bodies.values())

    convention_ids: dict[str, UUID] = {}
    for key, spec in data.conventions.items():
        first_party = spec["parties"][0]["org"]
        if first_party not in bodies:
            continue
        party_of = await ConventionParty.filter(organisation_id=bodies[first_party]).values_list(
            "convention_id", flat=True
        )
        convention = (
            await Convention.filter(title=spec["title"], id__in=list(party_of))
            .order_by("created_at")
            .first()
        )
        if convention is not None:
            convention_ids[key] = convention.id

    return DemoSummary(
        created=created,
        organisations=len(bodies),
        dpos=len(dpo_ids),
        contacts=await Contact.filter(organisation_id__in=org_ids).count(),
        conventions=len(convention_ids),
        measures=await SecurityMeasure.filter(organisation_id__in=org_ids).count(),
        activities=await ProcessingActivity.filter(controller_id__in=org_ids).count(),
        engagements=await SubprocessorEngagement.filter(processor_id__in=org_ids).count(),
        bodies=bodies,
        convention_ids=convention_ids,
    )
