"""Foundations shared by every domain package: settings, errors, scope, validators, persistence."""

# Tables that belong to no domain: the outbox, the scheduler's state, the audit journal, accounts.
MODEL_MODULES = [
    "core.outbox.models",
    "core.scheduling",
    "core.audit.models",
    "core.accounts.models",
]
