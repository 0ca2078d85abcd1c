"""Foundations shared by every domain package: settings, errors, scope, validators, persistence."""

# Tables that belong to no domain: the outbox, the scheduler's state, the audit journal, accounts.
MODEL_MODULES = [
    "core.outbox.models",
    "core.scheduling",
    "core.audit.models",
    "core.accounts.models",
]

# Every instant written to or compared on SQLite is UTC text (see the module): first, before
# any query can run.
from core import sqlite_instants  # noqa: E402, F401
