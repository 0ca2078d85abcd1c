"""The iCalendar writer (core.icalendar), read back by an independent parser (`icalendar`)."""

from datetime import UTC, date, datetime, timedelta, timezone

import icalendar
import pytest

from core.icalendar import (
    CalendarEvent,
    escape_text,
    fold_line,
    format_duration,
    render_calendar,
)

NOW = datetime(2025, 3, 3, 8, 30, 15, tzinfo=UTC)
DEADLINE = datetime(2025, 3, 6, 8, 0, tzinfo=UTC)
ACCENTED = (
    "Échéance de notification à la CNIL — fuite de données d'état civil, élèves et cœurs "
    "de métier ; préfecture, hôtel de ville, Saint-Étienne-du-Rouvray ; "
) * 3
ACCENTED = ACCENTED[:300]


def event(**fields) -> CalendarEvent:
    values = {"uid": "x-1@registre-rgpd", "summary": "Résumé", "description": "", "start": DEADLINE}
    return CalendarEvent(**(values | fields))


def render(*events: CalendarEvent, name: str = "Échéances RGPD") -> str:
    return render_calendar(name, events, now=NOW)


def parsed(text: str) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


def physical_lines(text: str) -> list[bytes]:
    data = text.encode("utf-8")
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a;b", "a\\;b"),
        ("a,b", "a\\,b"),
        ("a\\b", "a\\\\b"),
        ("ligne 1\nligne 2", "ligne 1\\nligne 2"),
        ("ligne 1\r\nligne 2\rligne 3", "ligne 1\\nligne 2\\nligne 3"),
        ("\\n n'est pas un saut", "\\\\n n'est pas un saut"),
        ("deux-points : gardés", "deux-points : gardés"),
        ("tab\tgardé, nul\x00 et bip\x07 ôtés", "tab\tgardé\\, nul et bip ôtés"),
    ],
)
def test_text_is_escaped(raw, escaped):
    assert escape_text(raw) == escaped


def test_escaped_text_reads_back_as_written():
    text = "Fiche « État civil » ; naissances, décès\nVoir : C:\\registre\\état-civil"
    (read,) = parsed(render(event(summary=text, description=text, categories=["RGPD", "a,b;c"])))

    assert str(read["SUMMARY"]) == text
    assert str(read["DESCRIPTION"]) == text
    assert [str(c) for c in read["CATEGORIES"].cats] == ["RGPD", "a,b;c"]


def test_a_300_character_accented_summary_folds_into_75_octet_lines_and_unfolds_back():
    assert len(ACCENTED) == 300
    line = f"SUMMARY:{escape_text(ACCENTED)}"
    folded = fold_line(line)
    pieces = folded.encode("utf-8").split(b"\r\n")

    assert len(pieces) >= 5
    assert all(len(p) <= 75 for p in pieces)
    assert all(p.startswith(b" ") for p in pieces[1:])
    for piece in pieces:
        piece.decode("utf-8")  # no piece ends or starts inside a character
    assert folded.replace("\r\n ", "") == line
    (read,) = parsed(render(event(summary=ACCENTED, description=ACCENTED)))
    assert str(read["SUMMARY"]) == ACCENTED
    assert str(read["DESCRIPTION"]) == ACCENTED


@pytest.mark.parametrize("char", ["é", "—", "𝄞"])  # 2, 3 and 4 octets in UTF-8
@pytest.mark.parametrize("shift", range(4))
def test_folding_never_cuts_a_multibyte_character(char, shift):
    line = "X" * shift + char * 200
    pieces = fold_line(line).encode("utf-8").split(b"\r\n")

    assert all(len(p) <= 75 for p in pieces)
    assert all(p.decode("utf-8") for p in pieces)
    assert fold_line(line).replace("\r\n ", "") == line


def test_short_lines_are_left_alone_and_75_octets_fit_exactly():
    assert fold_line("A" * 75) == "A" * 75
    assert fold_line("A" * 76) == "A" * 75 + "\r\n A"


def test_every_line_ends_in_crlf_and_none_exceeds_75_octets():
    text = render(event(summary=ACCENTED, description=ACCENTED + "\n" + ACCENTED))

    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")
    assert all(len(line) <= 75 for line in physical_lines(text))


def test_calendar_header():
    text = render(name="Échéances RGPD — Commune d'Évry, « essai »")
    lines = text.split("\r\n")

    assert lines[:5] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//registre-rgpd//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    assert lines[-2:] == ["END:VCALENDAR", ""]
    calendar = icalendar.Calendar.from_ical(text)
    # An X- property is TEXT unless said otherwise (RFC 5545 §3.8.8.2), escaped as such;
    # the parser leaves unknown properties as written.
    name = calendar["X-WR-CALNAME"].to_ical().decode()
    assert name == "Échéances RGPD — Commune d'Évry\\, « essai »"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Paris"


def test_an_instant_is_written_in_utc_with_its_alarms():
    paris = timezone(timedelta(hours=1))
    text = render(
        event(
            start=datetime(2025, 3, 6, 9, 0, 0, 999_999, tzinfo=paris),
            url="https://rgpd.example.fr/breaches/1",
            alarms=[timedelta(hours=24), timedelta(hours=1)],
            status="CONFIRMED",
        )
    )

    assert "\r\nDTSTART:20250306T080000Z\r\n" in text
    assert "\r\nDTEND:20250306T081500Z\r\n" in text
    assert "\r\nDTSTAMP:20250303T083015Z\r\n" in text
    (read,) = parsed(text)
    assert read.decoded("DTSTART") == DEADLINE
    assert read.decoded("DTEND") - read.decoded("DTSTART") == timedelta(minutes=15)
    assert str(read["URL"]) == "https://rgpd.example.fr/breaches/1"
    assert str(read["STATUS"]) == "CONFIRMED"
    alarms = read.walk("VALARM")
    assert [str(a["ACTION"]) for a in alarms] == ["DISPLAY", "DISPLAY"]
    assert [a.decoded("TRIGGER") for a in alarms] == [-timedelta(hours=24), -timedelta(hours=1)]
    assert [str(a["DESCRIPTION"]) for a in alarms] == ["Résumé", "Résumé"]
    assert "TRIGGER:-PT24H" in text and "TRIGGER:-PT1H" in text


def test_a_whole_day_is_a_date_ending_the_next_day():
    text = render(event(start=date(2025, 12, 31), alarms=[timedelta(days=30)]))

    assert "\r\nDTSTART;VALUE=DATE:20251231\r\n" in text
    assert "\r\nDTEND;VALUE=DATE:20260101\r\n" in text
    assert "TRIGGER:-P30D" in text
    (read,) = parsed(text)
    assert read.decoded("DTSTART") == date(2025, 12, 31)
    assert read.decoded("DTEND") == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("delta", "days", "written"),
    [
        (-timedelta(hours=24), False, "-PT24H"),
        (-timedelta(hours=24), True, "-P1D"),
        (-timedelta(hours=1), False, "-PT1H"),
        (-timedelta(days=29, hours=16), True, "-P29DT16H"),
        (-timedelta(days=29, hours=16), False, "-PT712H"),
        (timedelta(hours=1, seconds=5), False, "PT1H0M5S"),
        (timedelta(minutes=15), False, "PT15M"),
        (timedelta(0), False, "PT0S"),
    ],
)
def test_durations(delta, days, written):
    assert format_duration(delta, days=days) == written


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"start": datetime(2025, 3, 6, 8, 0)}, "sans fuseau"),
        ({"end": DEADLINE}, "doit suivre"),
        ({"end": date(2025, 3, 7)}, "deux instants ou deux jours"),
        ({"status": "FINI"}, "statut"),
        ({"url": "https://exemple.fr/a b"}, "adresse"),
    ],
)
def test_refused_events(fields, says):
    with pytest.raises(ValueError, match=says):
        render(event(**fields))
