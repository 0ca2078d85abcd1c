"""The address of a record's page, as messages and the calendar quote it: one place.

The pages are the web interface's (`api/web/routes/`): a breach at `/violations/{id}`, an
incident at `/incidents/{id}`, an activity of the register at `/registre/{id}`, a convention
at `/conventions/{id}`. The instance's address is the `base_url` setting;
`tests/messages/test_every_link_opens.py` opens every link a message carries.
"""

from enum import StrEnum
from uuid import UUID

from core.config import get_settings


class Page(StrEnum):
    BREACH = "violations"
    INCIDENT = "incidents"
    ACTIVITY = "registre"
    CONVENTION = "conventions"


def base_url() -> str:
    """The instance's address without a trailing slash; empty when none is set."""
    return get_settings().base_url.strip().rstrip("/")


def page_url(page: Page, record_id: UUID | str, *, base: str | None = None) -> str:
    """`https://rgpd.example.fr/violations/<id>`: absolute when the instance has an address,
    else the path alone."""
    root = base_url() if base is None else base.strip().rstrip("/")
    return f"{root}/{page.value}/{record_id}"
