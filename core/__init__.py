"""Foundations shared by every domain package: settings, errors, scope, validators, persistence."""

# Tables that belong to no domain: the outbox and the scheduler's state.
MODEL_MODULES = ["core.outbox.models", "core.scheduling"]
