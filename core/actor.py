"""Who is acting, for the audit journal and the messages: set once per request or command.

A context variable, so the services below the API learn who acts without every signature
carrying it; the CLI and the scheduler set their own names.
"""

from contextlib import contextmanager
from contextvars import ContextVar

SYSTEM = "système"

_actor: ContextVar[str] = ContextVar("rgpd_actor", default=SYSTEM)


def current_actor() -> str:
    return _actor.get()


def set_actor(actor: str) -> None:
    _actor.set(actor)


@contextmanager
def acting_as(actor: str):
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def signed_by(on_behalf_of: str | None = None) -> str:
    """Who did a step, as a breach or an incident keeps it: always the signed-in actor (never
    a name the client chose), followed by whom they say they act for, shown as such."""
    actor = current_actor()
    return f"{actor}, pour le compte de : {on_behalf_of}" if on_behalf_of else actor
