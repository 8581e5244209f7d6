"""Governance: approval before publish, the append-only audit log, in-app notifications.

Callers record with `journeys.governance.audit.record(...)`; the rest of the package is read
through its modules (approvals, diff, notifications).
"""
