"""What several pages share: the bodies a permission opens (as select choices), a period typed
as two days, a UUID typed in a URL, and the 403 and 404 answers."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from uuid import UUID

from fastapi import Request

from api.web.forms import FormErrors
from api.web.render import page, path_for
from core.clock import local_zone
from core.scope import Scope
from core.validators import parse_period_bound
from register.organisations.service import list_organisations

MAX_BODIES = 1000  # an instance serves a few hundred bodies at most


async def body_choices(scope: Scope) -> list[dict[str, str]]:
    """The bodies of a scope as select choices ({value, label}), by name."""
    if scope.is_empty:
        return []
    found = await list_organisations(scope=scope, limit=MAX_BODIES, offset=0)
    return [{"value": str(o.id), "label": o.legal_name} for o in found.items]


def not_found(request: Request, message: str | None = None, back: tuple[str, str] | None = None):
    """The shared error page: the same answer for another body's object as for none; what
    was not found and where to go back (route name, link text) when the page says it."""
    extra = {"message": message} if message else {}
    if back:
        extra.update(back_href=path_for(request, back[0]), back_text=back[1])
    return page(request, "error.html.j2", status=404, code=404, **extra)


def forbidden(request: Request, message: str):
    return page(request, "error.html.j2", status=403, code=403, message=message)


def parse_day(raw: str | None, name: str, errors: FormErrors) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.by_field[name] = "date invalide (jj/mm/aaaa)"
        return None


@dataclass(frozen=True)
class Period:
    since: datetime | None  # included
    until: datetime | None  # excluded: the day after the last day typed, at midnight


def period_of(start: date | None, end: date | None, errors: FormErrors, end_name: str) -> Period:
    """Two days typed by a person (Paris): from the first day's midnight to the end of the last."""
    zone = local_zone()
    since = datetime.combine(start, time(), zone) if start else None
    until = datetime.combine(end + timedelta(days=1), time(), zone) if end else None
    if since and until and until <= since:
        errors.by_field.setdefault(end_name, "la fin de la période doit suivre son début")
    return Period(since, until)


def read_period(
    start: str | None, end: str | None, names: tuple[str, str], errors: FormErrors
) -> Period:
    """A period typed in a form: each end a day (the last one included) or an instant (Paris
    time when it gives no offset), read by core.validators as the API and the command line."""
    bounds: list[datetime | None] = []
    for raw, name, is_end in ((start, names[0], False), (end, names[1], True)):
        try:
            bounds.append(parse_period_bound(raw, end=is_end) if raw else None)
        except ValueError as exc:
            errors.by_field[name] = str(exc)
            bounds.append(None)
    since, until = bounds
    if since and until and until <= since:
        errors.by_field.setdefault(names[1], "la fin de la période doit suivre son début")
    return Period(since, until)


def as_uuid(raw: str | None) -> UUID | None:
    try:
        return UUID(str(raw)) if raw else None
    except ValueError:
        return None


MAX_PAGE_NUMBER = 10**6  # 50 million rows at 50 a page: beyond, an offset would overflow


def page_number(raw: str | None, highest: int | None = None) -> int:
    """The page a list is asked for (`?page=`), from 1; 1 when absent or garbled; never
    beyond `highest` (default MAX_PAGE_NUMBER), so no offset overflows a database integer."""
    try:
        number = max(1, int(raw or 1))
    except ValueError:
        return 1
    return min(number, highest or MAX_PAGE_NUMBER)


@dataclass(frozen=True)
class Pages:
    """Where a paged list stands, and the links to the pages before and after it."""

    number: int
    last: int
    previous: str | None
    next: str | None


def pages(base: str, kept: dict[str, str], number: int, total: int, size: int) -> Pages:
    """The links keep the list's filters (`kept`) and change the page only."""
    last = max(1, (total + size - 1) // size)

    def href(target: int) -> str:
        return base + "?" + urlencode({**kept, "page": target})

    return Pages(
        number=number,
        last=last,
        previous=href(number - 1) if number > 1 else None,
        next=href(number + 1) if number < last else None,
    )
