"""Foundations shared by every domain package: settings, errors, scope, validators, persistence."""
