"""Who must act on an incident (breach.fanout.plan_breaches): pure, no database.

One plan per affected controller, each with its own path and clock (docs/regulatory.md §3.3, §6).
"""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from breach.enums import BreachPath
from breach.fanout import ActivityTouched, ConventionTerms, plan_breaches
from core.errors import ValidationFailed
from register.enums import PartyRole

PARIS = ZoneInfo("Europe/Paris")
H72 = timedelta(hours=72)
# Friday before the autumn change of time (Sunday 26 October 2025, 03:00 → 02:00).
DETECTED = datetime(2025, 10, 24, 10, 0, tzinfo=PARIS)
# Sums are made in UTC: adding hours to a zoned datetime adds wall-clock hours in Python.
DETECTED_UTC = DETECTED.astimezone(UTC)

EPT, COMMUNE, OTHER = uuid4(), uuid4(), uuid4()


def terms(roles: dict[UUID, PartyRole], hours: int | None = None) -> ConventionTerms:
    return ConventionTerms(uuid4(), roles, hours)


def touched(controller: UUID, *conventions: ConventionTerms) -> ActivityTouched:
    return ActivityTouched(uuid4(), controller, tuple(c.convention_id for c in conventions))


def plan(
    *,
    declaring: UUID = EPT,
    activities: list[ActivityTouched] = (),
    conventions: list[ConventionTerms] = (),
    named: list[ConventionTerms] = (),
    default_hours: int = 24,
    detected_at: datetime = DETECTED,
):
    return plan_breaches(
        declaring_id=declaring,
        detected_at=detected_at,
        activities=list(activities),
        conventions={c.convention_id: c for c in [*conventions, *named]},
        named_convention_ids=[c.convention_id for c in named],
        default_notice_hours=default_hours,
    )


def refusal(exc: pytest.ExceptionInfo[ValidationFailed]) -> tuple[tuple, str]:
    (problem,) = exc.value.problems
    return problem.loc, problem.msg


# The declaring body's own activities ----------------------------------------------------------


def test_own_activity_gives_own_system_breach_aware_at_detection():
    own = touched(EPT)

    (p,) = plan(activities=[own])

    assert p.controller_id == EPT
    assert p.path == BreachPath.OWN_SYSTEM
    assert p.convention_id is None
    assert p.aware_at == DETECTED
    assert p.cnil_due_at == datetime(2025, 10, 27, 8, 0, tzinfo=UTC)
    assert p.cnil_due_at - p.aware_at == H72  # real hours, across the change of time
    assert p.controller_notice_due_at is None
    assert p.activity_ids == [own.activity_id]


def test_own_activity_linked_to_a_convention_is_still_own_system():
    convention = terms({EPT: PartyRole.INDEPENDENT_CONTROLLER, COMMUNE: PartyRole.CONTROLLER})

    (p,) = plan(activities=[touched(EPT, convention)], conventions=[convention])

    assert (p.controller_id, p.path, p.convention_id) == (EPT, BreachPath.OWN_SYSTEM, None)


# Processor (art. 33(2)) -----------------------------------------------------------------------


def test_processor_owes_the_controller_a_notice_within_the_convention_delay():
    convention = terms({EPT: PartyRole.PROCESSOR, COMMUNE: PartyRole.CONTROLLER}, hours=72)
    hosted = touched(COMMUNE, convention)

    (p,) = plan(activities=[hosted], conventions=[convention])

    assert p.controller_id == COMMUNE
    assert p.path == BreachPath.PROCESSOR
    assert p.convention_id == convention.convention_id
    assert p.controller_notice_due_at == DETECTED_UTC + H72
    assert p.controller_notice_due_at == datetime(2025, 10, 27, 8, 0, tzinfo=UTC)
    # The controller's 72 h start only once it is informed.
    assert p.aware_at is None
    assert p.cnil_due_at is None
    assert p.activity_ids == [hosted.activity_id]


def test_processor_notice_falls_back_to_the_default_when_the_convention_is_silent():
    convention = terms({EPT: PartyRole.PROCESSOR, COMMUNE: PartyRole.CONTROLLER}, hours=None)

    (p,) = plan(
        activities=[touched(COMMUNE, convention)], conventions=[convention], default_hours=6
    )

    assert p.controller_notice_due_at == DETECTED_UTC + timedelta(hours=6)


def test_zero_hours_in_the_convention_means_at_once_not_the_default():
    convention = terms({EPT: PartyRole.PROCESSOR, COMMUNE: PartyRole.CONTROLLER}, hours=0)

    (p,) = plan(activities=[touched(COMMUNE, convention)], conventions=[convention])

    assert p.controller_notice_due_at == DETECTED


def test_sub_processor_follows_the_processor_path():
    convention = terms({EPT: PartyRole.SUB_PROCESSOR, COMMUNE: PartyRole.CONTROLLER}, hours=12)

    (p,) = plan(activities=[touched(COMMUNE, convention)], conventions=[convention])

    assert p.path == BreachPath.PROCESSOR
    assert p.controller_notice_due_at == DETECTED_UTC + timedelta(hours=12)


# Service commun and independent controllers ----------------------------------------------------


def test_service_commun_member_is_controller_told_at_once_clock_from_detection():
    convention = terms(
        {EPT: PartyRole.SERVICE_COMMUN_HOST, COMMUNE: PartyRole.SERVICE_COMMUN_MEMBER}, hours=48
    )

    (p,) = plan(activities=[touched(COMMUNE, convention)], conventions=[convention])

    assert (p.controller_id, p.path) == (COMMUNE, BreachPath.SERVICE_COMMUN)
    assert p.convention_id == convention.convention_id
    assert p.controller_notice_due_at == DETECTED  # not the 48 h of the convention
    assert p.aware_at == DETECTED
    assert p.cnil_due_at == DETECTED_UTC + H72


def test_independent_controller_is_told_at_once_and_its_72_h_wait_for_its_awareness():
    convention = terms(
        {EPT: PartyRole.INDEPENDENT_CONTROLLER, COMMUNE: PartyRole.INDEPENDENT_CONTROLLER}
    )

    (p,) = plan(activities=[touched(COMMUNE, convention)], conventions=[convention])

    assert (p.controller_id, p.path) == (COMMUNE, BreachPath.INDEPENDENT)
    assert p.convention_id == convention.convention_id
    assert p.controller_notice_due_at == DETECTED  # « sans délai », as a service commun
    assert (p.aware_at, p.cnil_due_at) == (None, None)


# One plan per controller ----------------------------------------------------------------------


def test_one_plan_per_controller_merging_its_activities():
    convention = terms({EPT: PartyRole.PROCESSOR, COMMUNE: PartyRole.CONTROLLER}, hours=72)
    own = touched(EPT)
    first, second = touched(COMMUNE, convention), touched(COMMUNE, convention)

    plans = plan(activities=[first, own, second], conventions=[convention])

    by_controller = {p.controller_id: p for p in plans}
    assert set(by_controller) == {EPT, COMMUNE}
    assert by_controller[COMMUNE].activity_ids == [first.activity_id, second.activity_id]
    assert by_controller[COMMUNE].path == BreachPath.PROCESSOR
    assert by_controller[EPT].activity_ids == [own.activity_id]
    assert by_controller[EPT].path == BreachPath.OWN_SYSTEM


def test_each_controller_gets_the_path_of_its_own_convention():
    processed = terms({EPT: PartyRole.PROCESSOR, COMMUNE: PartyRole.CONTROLLER}, hours=24)
    shared = terms(
        {EPT: PartyRole.SERVICE_COMMUN_HOST, OTHER: PartyRole.SERVICE_COMMUN_MEMBER}, hours=None
    )

    plans = plan(
        activities=[touched(COMMUNE, processed), touched(OTHER, shared)],
        conventions=[processed, shared],
    )

    paths = {p.controller_id: (p.path, p.convention_id) for p in plans}
    assert paths == {
        COMMUNE: (BreachPath.PROCESSOR, processed.convention_id),
        OTHER: (BreachPath.SERVICE_COMMUN, shared.convention_id),
    }


# Named conventions ----------------------------------------------------------------------------


def test_named_convention_between_independent_controllers_gives_each_its_breach():
    convention = terms(
        {EPT: PartyRole.INDEPENDENT_CONTROLLER, COMMUNE: PartyRole.INDEPENDENT_CONTROLLER}
    )

    plans = plan(named=[convention])

    by_controller = {p.controller_id: p for p in plans}
    assert set(by_controller) == {EPT, COMMUNE}
    assert by_controller[EPT].path == BreachPath.OWN_SYSTEM
    assert by_controller[EPT].cnil_due_at == DETECTED_UTC + H72
    assert by_controller[COMMUNE].path == BreachPath.INDEPENDENT
    assert by_controller[COMMUNE].cnil_due_at is None
    assert all(p.activity_ids == [] for p in plans)


def test_named_convention_of_a_service_commun_gives_the_host_no_breach():
    convention = terms(
        {
            EPT: PartyRole.SERVICE_COMMUN_HOST,
            COMMUNE: PartyRole.SERVICE_COMMUN_MEMBER,
            OTHER: PartyRole.SERVICE_COMMUN_MEMBER,
        }
    )

    plans = plan(named=[convention])

    assert {p.controller_id for p in plans} == {COMMUNE, OTHER}
    assert {p.path for p in plans} == {BreachPath.SERVICE_COMMUN}


def test_named_convention_of_a_processor_gives_the_controller_a_processor_breach():
    convention = terms({EPT: PartyRole.PROCESSOR, COMMUNE: PartyRole.CONTROLLER}, hours=72)

    (p,) = plan(named=[convention])

    assert (p.controller_id, p.path) == (COMMUNE, BreachPath.PROCESSOR)
    assert p.controller_notice_due_at == DETECTED_UTC + H72


# Refusals -------------------------------------------------------------------------------------


def test_activity_of_another_body_without_a_shared_convention_is_refused_at_its_index():
    foreign = terms({OTHER: PartyRole.PROCESSOR, COMMUNE: PartyRole.CONTROLLER}, hours=72)

    with pytest.raises(ValidationFailed) as exc:
        plan(activities=[touched(EPT), touched(COMMUNE, foreign)], conventions=[foreign])

    loc, msg = refusal(exc)
    assert loc == ("body", "activity_ids", 1)
    assert "ni tenu par l'organisme déclarant" in msg


def test_activity_of_another_body_with_no_convention_at_all_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        plan(activities=[touched(COMMUNE)])

    assert refusal(exc)[0] == ("body", "activity_ids", 0)


def test_named_convention_the_declaring_body_is_not_party_to_is_refused():
    foreign = terms({OTHER: PartyRole.PROCESSOR, COMMUNE: PartyRole.CONTROLLER}, hours=72)
    mine = terms({EPT: PartyRole.PROCESSOR, COMMUNE: PartyRole.CONTROLLER}, hours=72)

    with pytest.raises(ValidationFailed) as exc:
        plan(named=[mine, foreign])

    loc, msg = refusal(exc)
    assert loc == ("body", "convention_ids", 1)
    assert "n'est pas partie à cette convention" in msg


def test_nothing_touched_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        plan()

    loc, msg = refusal(exc)
    assert loc == ("body", "activity_ids")
    assert "indiquez les traitements ou les conventions" in msg


def test_naive_detection_time_is_refused():
    with pytest.raises(ValueError, match="sans fuseau horaire"):
        plan(activities=[touched(EPT)], detected_at=datetime(2025, 10, 24, 10, 0))


# Change of time -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("detected", "cnil_due"),
    [
        # autumn: the wall clock shows 71 h, 72 real hours have passed
        (datetime(2025, 10, 24, 10, 0, tzinfo=PARIS), datetime(2025, 10, 27, 8, 0, tzinfo=UTC)),
        # spring: the wall clock shows 73 h
        (datetime(2025, 3, 28, 10, 0, tzinfo=PARIS), datetime(2025, 3, 31, 9, 0, tzinfo=UTC)),
    ],
)
def test_clocks_are_real_hours_across_a_change_of_time(detected, cnil_due):
    convention = terms(
        {EPT: PartyRole.SERVICE_COMMUN_HOST, COMMUNE: PartyRole.SERVICE_COMMUN_MEMBER}
    )

    plans = plan(
        activities=[touched(EPT), touched(COMMUNE, convention)],
        conventions=[convention],
        detected_at=detected,
    )

    for p in plans:
        assert p.cnil_due_at == cnil_due
        assert p.cnil_due_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 0, 2)])
def test_under_several_conventions_the_strictest_notice_delay_wins_whatever_the_order(order):
    roles = {EPT: PartyRole.PROCESSOR, COMMUNE: PartyRole.CONTROLLER}
    candidates = [terms(roles, hours=48), terms(roles, hours=4), terms(roles, hours=None)]
    ordered = [candidates[i] for i in order]
    hosted = touched(COMMUNE, *ordered)

    (p,) = plan(activities=[hosted], conventions=ordered, default_hours=24)

    assert p.convention_id == candidates[1].convention_id
    assert p.controller_notice_due_at == DETECTED_UTC + timedelta(hours=4)
