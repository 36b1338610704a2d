"""Booking links: what a host offers, how it is configured, and who attends (SPEC §3)."""
