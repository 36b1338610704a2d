"""Webhooks (SPEC §10): an account's HTTP receivers for booking and request events.

``models`` (webhooks and their deliveries), ``services`` (CRUD, and :func:`~.services.emit`,
called inside the unit of work of what happened), ``payloads`` (the host API's view of a
booking or request, as each event's ``data``), ``signing`` (the ``X-Rendezvous-Signature``
header), ``delivery`` (the worker's pass), ``schemas`` and ``blueprint`` (the host API).
"""
