"""The breach clocks (docs/regulatory.md §3.3, §6, §7): 72 real hours, weekends, holidays and
changes of time included (Reg. 1182/71 art. 3(3)), and how a deadline is shown."""

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from breach.deadlines import (
    CNIL,
    CNIL_FOLLOWUP,
    CONTROLLER_NOTICE,
    PEOPLE,
    Countdown,
    ReminderStage,
    cnil_deadline,
    countdown,
    format_local,
    format_remaining,
    nis2_deadlines,
    nis2_final_due,
    processor_notice_deadline,
    remaining,
    reminder_stages,
    running_clocks,
    service_commun_deadline,
)
from breach.enums import Art34Exemption, BreachStatus, InformPeople
from register.enums import label

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# The CNIL's 72 hours (art. 33(1)) ----------------------------------------------------------


def test_the_cnil_is_due_exactly_72_hours_after_awareness():
    assert cnil_deadline(utc(2025, 6, 2, 9, 30)) == utc(2025, 6, 5, 9, 30)


def test_the_deadline_is_given_in_utc():
    assert cnil_deadline(paris(2025, 6, 2, 9, 30)).tzinfo is UTC


def test_72_real_hours_across_the_autumn_change_of_time_end_an_hour_earlier_on_the_wall():
    # Clocks go back on Sunday 26 October 2025: Friday 10:00 CEST + 72 h = Monday 09:00 CET.
    deadline = cnil_deadline(paris(2025, 10, 24, 10, 0))
    assert deadline == utc(2025, 10, 27, 8, 0)
    assert deadline.astimezone(PARIS) == paris(2025, 10, 27, 9, 0)
    assert deadline - paris(2025, 10, 24, 10, 0) == timedelta(hours=72)


def test_72_real_hours_across_the_spring_change_of_time_end_an_hour_later_on_the_wall():
    # Clocks go forward on Sunday 29 March 2026: Friday 10:00 CET + 72 h = Monday 11:00 CEST.
    deadline = cnil_deadline(paris(2026, 3, 27, 10, 0))
    assert deadline == utc(2026, 3, 30, 9, 0)
    assert deadline.astimezone(PARIS) == paris(2026, 3, 30, 11, 0)


def test_a_weekend_counts_like_any_other_day():
    # Aware on Friday 18:00: due on Monday 18:00, not on Wednesday.
    assert cnil_deadline(paris(2025, 11, 14, 18, 0)) == paris(2025, 11, 17, 18, 0)


@pytest.mark.parametrize(
    ("aware", "due"),
    [
        (paris(2025, 7, 13, 8, 0), paris(2025, 7, 16, 8, 0)),  # 14 July
        (paris(2025, 12, 24, 17, 0), paris(2025, 12, 27, 17, 0)),  # Christmas
        (paris(2025, 12, 31, 23, 0), paris(2026, 1, 3, 23, 0)),  # New Year's Day
    ],
)
def test_a_public_holiday_does_not_extend_the_period(aware, due):
    assert cnil_deadline(aware) == due


def test_an_aware_time_in_another_offset_gives_the_same_instant():
    aware = datetime(2025, 10, 24, 3, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert cnil_deadline(aware) == paris(2025, 10, 27, 9, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: cnil_deadline(t),
        lambda t: processor_notice_deadline(t, convention_hours=None, default_hours=24),
        lambda t: service_commun_deadline(t),
        lambda t: nis2_deadlines(t),
        lambda t: nis2_final_due(t),
        lambda t: remaining(t, utc(2025, 1, 1)),
        lambda t: remaining(utc(2025, 1, 1), t),
        lambda t: countdown(t, utc(2025, 1, 1)),
        lambda t: reminder_stages(utc(2025, 1, 1), t),
    ],
)
def test_a_time_without_a_zone_is_refused(call):
    with pytest.raises(ValueError, match="sans fuseau horaire"):
        call(datetime(2025, 10, 24, 10, 0))


def test_a_date_without_a_time_is_refused():
    with pytest.raises(TypeError, match="date et heure est attendue"):
        cnil_deadline(datetime(2025, 10, 24).date())


# The processor's notice (art. 33(2)) and the service commun (§6) ---------------------------


def test_the_processor_notice_follows_the_convention_when_it_sets_hours():
    due = processor_notice_deadline(utc(2025, 3, 3, 9), convention_hours=48, default_hours=24)
    assert due == utc(2025, 3, 5, 9)


def test_without_a_figure_in_the_convention_the_configured_default_applies():
    due = processor_notice_deadline(utc(2025, 3, 3, 9), convention_hours=None, default_hours=24)
    assert due == utc(2025, 3, 4, 9)


def test_a_convention_saying_zero_hours_means_immediately_not_unset():
    due = processor_notice_deadline(utc(2025, 3, 3, 9), convention_hours=0, default_hours=24)
    assert due == utc(2025, 3, 3, 9)


def test_the_processor_notice_counts_real_hours_across_a_change_of_time():
    due = processor_notice_deadline(paris(2025, 10, 25, 12), convention_hours=24, default_hours=1)
    assert due == paris(2025, 10, 26, 11)


@pytest.mark.parametrize(("convention", "default"), [(-1, 24), (None, -1)])
def test_a_negative_notice_period_is_refused(convention, default):
    with pytest.raises(ValueError, match="ne peut pas être négatif"):
        processor_notice_deadline(
            utc(2025, 3, 3), convention_hours=convention, default_hours=default
        )


def test_the_service_commun_host_tells_the_member_at_once():
    assert service_commun_deadline(paris(2025, 12, 25, 3, 10)) == utc(2025, 12, 25, 2, 10)


# NIS2 (art. 23) ----------------------------------------------------------------------------


def test_nis2_early_warning_in_24_hours_and_incident_notification_in_72():
    due = nis2_deadlines(paris(2025, 10, 25, 10, 0))
    assert due.early_warning == paris(2025, 10, 26, 9, 0)  # 24 real hours, clocks went back
    assert due.incident_notification == paris(2025, 10, 28, 9, 0)


@pytest.mark.parametrize(
    ("notified", "due"),
    [
        (paris(2025, 5, 12, 16, 0), paris(2025, 6, 12, 16, 0)),
        (paris(2025, 1, 31, 10, 0), paris(2025, 2, 28, 10, 0)),  # clamped to the month's end
        (paris(2024, 1, 31, 10, 0), paris(2024, 2, 29, 10, 0)),  # leap year
        (paris(2025, 12, 15, 9, 0), paris(2026, 1, 15, 9, 0)),  # across the year
        (paris(2025, 3, 15, 10, 0), paris(2025, 4, 15, 10, 0)),  # same wall time after DST
    ],
)
def test_the_nis2_final_report_is_due_one_calendar_month_after_the_notification(notified, due):
    assert nis2_final_due(notified) == due


def test_the_calendar_month_is_counted_on_the_french_calendar_not_utc():
    # 31 January 23:30 UTC is already 1 February in Paris: due 1 March, not 28 February.
    assert nis2_final_due(utc(2025, 1, 31, 23, 30)) == paris(2025, 3, 1, 0, 30)


def test_a_local_time_occurring_twice_takes_the_first():
    # 25 October 2026: 02:30 happens in summer time, then again in winter time.
    assert nis2_final_due(paris(2026, 9, 25, 2, 30)) == utc(2026, 10, 25, 0, 30)


def test_a_local_time_that_does_not_exist_takes_the_earlier_instant():
    # 28 March 2027: 02:00–03:00 does not exist in Paris; 02:30 becomes 01:30 CET.
    assert nis2_final_due(paris(2027, 2, 28, 2, 30)) == paris(2027, 3, 28, 1, 30)


# Countdown ---------------------------------------------------------------------------------


def test_remaining_is_real_time_even_when_both_moments_share_a_zone():
    # Python would subtract wall times (24 h) for two datetimes in the same zone.
    assert remaining(paris(2025, 10, 26, 12), paris(2025, 10, 25, 12)) == timedelta(hours=25)


def test_remaining_is_negative_once_the_deadline_has_passed():
    assert remaining(utc(2025, 1, 1, 10), utc(2025, 1, 1, 12, 5)) == -timedelta(hours=2, minutes=5)


def test_a_countdown_before_the_deadline():
    deadline = cnil_deadline(paris(2025, 10, 24, 10, 0))
    shown = countdown(deadline, paris(2025, 10, 26, 8, 45))  # CET by then
    assert shown == Countdown(
        deadline_utc=utc(2025, 10, 27, 8, 0),
        deadline_local=paris(2025, 10, 27, 9, 0),
        remaining=timedelta(hours=24, minutes=15),
        overdue=False,
        display="reste 24 h 15 min",
        deadline_display="lundi 27 octobre 2025 à 09:00 (heure de Paris)",
    )
    assert shown.deadline_local.utcoffset() == timedelta(hours=1)


def test_a_countdown_once_overdue():
    shown = countdown(utc(2025, 10, 27, 8, 0), utc(2025, 10, 27, 10, 5))
    assert shown.overdue
    assert shown.remaining == -timedelta(hours=2, minutes=5)
    assert shown.display == "dépassé de 2 h 05 min"


def test_the_deadline_instant_itself_is_still_on_time():
    shown = countdown(utc(2025, 10, 27, 8, 0), utc(2025, 10, 27, 8, 0))
    assert not shown.overdue
    assert shown.display == "reste 0 min"


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(hours=23, minutes=15), "reste 23 h 15 min"),
        (timedelta(hours=71, minutes=59, seconds=59), "reste 71 h 59 min"),  # rounded down
        (timedelta(minutes=45, seconds=30), "reste 45 min"),
        (timedelta(seconds=59), "reste 0 min"),
        (-timedelta(hours=2, minutes=5), "dépassé de 2 h 05 min"),
        (-timedelta(seconds=1), "dépassé de 1 min"),  # rounded up
        (-timedelta(hours=1, minutes=59, seconds=1), "dépassé de 2 h 00 min"),
        (timedelta(days=30, hours=4, minutes=50), "reste 30 j 4 h"),  # a NIS2 final report
        (timedelta(hours=95, minutes=59), "reste 95 h 59 min"),
        (-timedelta(days=5, minutes=1), "dépassé de 5 j 1 h"),
    ],
)
def test_the_time_left_reads_in_french_and_never_overstates_it(left, text):
    assert format_remaining(left) == text


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (utc(2025, 10, 27, 8, 0), "lundi 27 octobre 2025 à 09:00 (heure de Paris)"),
        (utc(2026, 3, 30, 9, 0), "lundi 30 mars 2026 à 11:00 (heure de Paris)"),
        (utc(2025, 7, 14, 6, 5), "lundi 14 juillet 2025 à 08:05 (heure de Paris)"),
        (utc(2025, 12, 25, 23, 30), "vendredi 26 décembre 2025 à 00:30 (heure de Paris)"),
        (utc(2025, 8, 1, 7, 0), "vendredi 1er août 2025 à 09:00 (heure de Paris)"),
        (utc(2026, 2, 1, 12, 0), "dimanche 1er février 2026 à 13:00 (heure de Paris)"),
    ],
)
def test_the_deadline_reads_in_french_without_the_system_locale(moment, text):
    assert format_local(moment) == text


def test_a_local_time_that_occurs_twice_says_which():
    # 26 October 2025 02:30 happens twice in Paris.
    assert format_local(utc(2025, 10, 26, 0, 30)) == (
        "dimanche 26 octobre 2025 à 02:30 (heure de Paris, heure d'été)"
    )
    assert format_local(utc(2025, 10, 26, 1, 30)) == (
        "dimanche 26 octobre 2025 à 02:30 (heure de Paris, heure d'hiver)"
    )


# Reminders ---------------------------------------------------------------------------------

DEADLINE = utc(2025, 10, 27, 8, 0)


@pytest.mark.parametrize(
    ("now", "stages"),
    [
        (DEADLINE - timedelta(hours=72), []),
        (DEADLINE - timedelta(hours=48, seconds=1), []),
        (DEADLINE - timedelta(hours=48), ["h48"]),
        (DEADLINE - timedelta(hours=24), ["h48", "h24"]),
        (DEADLINE - timedelta(hours=5), ["h48", "h24", "h6"]),
        (DEADLINE - timedelta(minutes=59), ["h48", "h24", "h6", "h1"]),
        (DEADLINE, ["h48", "h24", "h6", "h1"]),
        (DEADLINE + timedelta(seconds=1), ["h48", "h24", "h6", "h1", "overdue"]),
    ],
)
def test_reminder_stages_reached_at_a_moment(now, stages):
    assert reminder_stages(DEADLINE, now) == stages


def test_reminder_stages_count_real_hours_across_a_change_of_time():
    # 48 real hours before Monday 27 October 09:00 CET is Saturday 25 October 10:00 CEST.
    assert reminder_stages(DEADLINE, paris(2025, 10, 25, 9, 59)) == []
    assert reminder_stages(DEADLINE, paris(2025, 10, 25, 10, 0)) == [ReminderStage.H48]


def test_reminder_stages_have_french_labels():
    assert label(ReminderStage.OVERDUE) == "Échéance dépassée"
    assert label(ReminderStage.H48) == "48 heures avant l'échéance"


# Which clocks run (running_clocks): one line per start and stop condition ----------------------

DUE = datetime(2026, 3, 3, 12, tzinfo=UTC)


def _breach(**state):
    base = {
        "controller_notice_due_at": None,
        "controller_informed_at": None,
        "cnil_due_at": None,
        "status": BreachStatus.DECLARED,
        "notify_cnil": None,
        # the follow-up (art. 33(4)) and the people (art. 34): none promised, none decided
        "followup_due_at": None,
        "decided_at": None,
        "inform_people": None,
        "art34_exemption": None,
        "people_informed_at": None,
    }
    return SimpleNamespace(**(base | state))


def _kinds(**state) -> list[str]:
    return [c.kind for c in running_clocks(_breach(**state))]


def test_no_clock_runs_before_a_due_moment_exists():
    assert _kinds() == []


def test_the_notice_to_the_controller_runs_until_the_controller_is_informed():
    assert _kinds(controller_notice_due_at=DUE) == [CONTROLLER_NOTICE]
    assert _kinds(controller_notice_due_at=DUE, controller_informed_at=DUE) == []


def test_the_cnil_clock_runs_from_awareness_while_declared_or_assessed():
    assert _kinds(cnil_due_at=DUE) == [CNIL]
    assert _kinds(cnil_due_at=DUE, status=BreachStatus.ASSESSED) == [CNIL]


def test_the_cnil_clock_stops_once_the_cnil_is_notified():
    assert _kinds(cnil_due_at=DUE, status=BreachStatus.NOTIFIED) == []
    assert _kinds(cnil_due_at=DUE, status=BreachStatus.COMPLEMENTED) == []


def test_the_cnil_clock_stops_on_a_decision_not_to_notify():
    assert _kinds(cnil_due_at=DUE, status=BreachStatus.ASSESSED, notify_cnil=False) == []


def test_the_cnil_clock_stops_when_the_breach_is_closed():
    assert _kinds(cnil_due_at=DUE, status=BreachStatus.CLOSED) == []


def test_an_overdue_clock_still_runs_and_both_can_run_at_once():
    clocks = running_clocks(_breach(controller_notice_due_at=DUE, cnil_due_at=DUE))
    assert [(c.kind, c.deadline) for c in clocks] == [(CONTROLLER_NOTICE, DUE), (CNIL, DUE)]


def test_the_promised_followup_runs_until_the_complementary_notification():
    promised = {"cnil_due_at": DUE, "followup_due_at": DUE + timedelta(days=7)}
    assert _kinds(**promised, status=BreachStatus.NOTIFIED) == [CNIL_FOLLOWUP]
    assert _kinds(**promised, status=BreachStatus.COMPLEMENTED) == []


def test_the_people_clock_runs_from_the_decision_until_a_communication_is_recorded():
    decided = {"decided_at": DUE, "status": BreachStatus.ASSESSED, "notify_cnil": False}
    assert _kinds(**decided, inform_people=InformPeople.LATER) == [PEOPLE]
    assert _kinds(**decided, inform_people=InformPeople.NO) == []
    assert _kinds(**decided, inform_people=InformPeople.YES, people_informed_at=DUE) == []


def test_a_public_communication_is_owed_under_the_34_3_c_exemption():
    decided = {"decided_at": DUE, "status": BreachStatus.ASSESSED, "notify_cnil": False}
    exempt_c = {**decided, "inform_people": InformPeople.NO}
    assert _kinds(**exempt_c, art34_exemption=Art34Exemption.C_DISPROPORTIONATE) == [PEOPLE]
    assert _kinds(**exempt_c, art34_exemption=Art34Exemption.A_UNINTELLIGIBLE) == []
    closed = {**exempt_c, "art34_exemption": Art34Exemption.C_DISPROPORTIONATE}
    assert _kinds(**closed | {"status": BreachStatus.CLOSED}) == []
