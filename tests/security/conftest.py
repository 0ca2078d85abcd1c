"""The accounts and the browser-like clients of tests/access and tests/web."""

from tests.access.conftest import anon, client_as, make_user
from tests.web.conftest import browser

__all__ = ["anon", "browser", "client_as", "make_user"]
