"""The public API the widget and the hosted pages call: no auth, CORS, rate-limited (SPEC §10)."""
