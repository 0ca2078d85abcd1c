"""Accounts: users, their roles in bodies, API tokens, web sessions and login throttling."""
