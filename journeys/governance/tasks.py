"""django-q2 entry point for the daily audit retention."""


def audit_purge() -> int:
    from journeys.governance.audit import purge

    return purge()
