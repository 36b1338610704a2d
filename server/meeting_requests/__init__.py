"""Requests for a meeting (C6): a visitor's details and preferred times, when booking is off."""
