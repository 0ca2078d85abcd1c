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
