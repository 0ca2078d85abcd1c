"""Pages through HTTP (httpx): a browser-like client that signs in with the login form."""

import httpx
import pytest

from tests.access.conftest import PASSWORD, client_as, make_user, new_client

__all__ = ["client_as", "make_user"]


async def sign_in(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    page = await http.post(
        "/connexion", data={"email": email, "password": password, "suivant": "/"}
    )
    return page


@pytest.fixture
async def browser(db):
    """`await browser(user)`: a client holding that user's session cookie, as a browser would."""
    clients = []

    async def make(user=None) -> httpx.AsyncClient:
        http = new_client()
        clients.append(http)
        if user is not None:
            answer = await sign_in(http, user.email)
            assert answer.status_code == 303, answer.text
        return http

    yield make
    for http in clients:
        await http.aclose()


def csrf_of(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
