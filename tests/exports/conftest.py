"""Users with roles, for the scope checks of the export routes."""

from tests.access.conftest import client_as, make_user

__all__ = ["client_as", "make_user"]
