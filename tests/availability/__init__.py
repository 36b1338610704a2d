"""Availability engine: pure-Python tests, no database, no Flask."""
