"""Accounts for the access tests: users with roles in bodies, and API clients signed in as them."""

from contextlib import AsyncExitStack
from uuid import UUID

import httpx
import pytest

from api.app import create_app
from core.accounts import service
from core.accounts.roles import Role
from core.accounts.tokens import issue_token
from core.clock import utcnow

PASSWORD = "un mot de passe assez long"


def new_client(**options) -> httpx.AsyncClient:
    app = create_app(manage_database=False)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", **options
    )


@pytest.fixture
async def make_user(db):
    """`await make_user("dpd@a.fr", (org_id, "dpo"), ...)`: a user with those roles."""

    async def make(
        email: str,
        *roles: tuple[UUID | str, Role | str],
        password: str = PASSWORD,
        instance_admin: bool = False,
    ):
        user = await service.create_user(
            email=email, name=email, password=password, is_instance_admin=instance_admin
        )
        for org_id, role in roles:
            await service.grant(user, organisation_id=UUID(str(org_id)), role=Role(role))
        return user

    return make


@pytest.fixture
async def client_as(db):
    """`await client_as(user)`: an API client calling with a fresh bearer token of that user."""
    async with AsyncExitStack() as stack:

        async def make(user) -> httpx.AsyncClient:
            issued = await issue_token(user=user, name="test", days=1, now=utcnow())
            return await stack.enter_async_context(
                new_client(headers={"Authorization": f"Bearer {issued.secret}"})
            )

        yield make


@pytest.fixture
async def anon(db):
    async with new_client() as http:
        yield http
