"""Bookings: the commit that must never double-book, and managing a booking by its token."""
