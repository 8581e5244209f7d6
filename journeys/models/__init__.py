from journeys.models.customers import AnonymousId, Customer, Event, Source

__all__ = ["AnonymousId", "Customer", "Event", "Source"]
