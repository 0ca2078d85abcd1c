"""Foundations shared by every domain package: settings, errors, scope, validators, persistence."""

# Tables that belong to no domain: the outbox, the scheduler's state and the audit journal.
MODEL_MODULES = ["core.outbox.models", "core.scheduling", "core.audit.models"]
