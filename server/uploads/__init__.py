"""Uploaded images: checked by content, stored in the database, served by a random key."""
