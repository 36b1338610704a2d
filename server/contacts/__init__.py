"""Contacts: the people who book, one per email and account (SPEC B4, L8)."""
