"""Email notifications (SPEC §8 N1–N2, §6 B4–B6, §3 L5): a transactional outbox and its worker.

Messages are rendered when the change that causes them commits and stored, whole, in the
``outbox_messages`` table of the same transaction; ``rendezvous worker`` sends what is due.
"""
