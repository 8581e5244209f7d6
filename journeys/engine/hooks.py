"""How the rest of the project tells the engine that something happened."""


def events_ingested(*, event_ids: list[int]) -> None:
    """Called once a batch of new events is committed, with their ids.

    The engine (triggers, waits for events, exit criteria, goals) hooks in here; until then it
    is deliberately a no-op.
    """
