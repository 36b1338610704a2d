"""Pages a visitor opens: the hosted booking page, the manage page, the embed loader (SPEC §10)."""
