"""The account fixtures of tests/access (users with roles, clients holding their tokens), for
the tests that open pages as a message's recipient."""

from tests.access.conftest import client_as, make_user

__all__ = ["client_as", "make_user"]
