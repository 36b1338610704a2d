"""Accounts, their users (hosts) and the host API's bearer tokens (SPEC §9)."""
