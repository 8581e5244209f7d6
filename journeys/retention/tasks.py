"""django-q2 entry point for the daily partition maintenance."""


def maintain_partitions() -> dict:
    from journeys.retention.partitions import maintain

    return maintain()
