"""Reading send-time profiles for the wait node's best_time mode, once per batch for the prior."""

from collections.abc import Callable

from journeys.send_time.profile import SendTimeView
from journeys.sql import bulk_cursor, from_json


class SendTimeReader:
    """Hands each node context a lazy reader; the population row is read once per batch."""

    def __init__(self):
        self._population: tuple[tuple[float, ...], float, float] | None = None

    def population(self) -> tuple[tuple[float, ...], float, float]:
        if self._population is None:
            with bulk_cursor() as cursor:
                cursor.execute("SELECT shares, strength, hour_strength FROM journeys_sendtimepopulation WHERE id = 1")
                row = cursor.fetchone()
            self._population = (tuple(from_json(row[0])), float(row[1]), float(row[2])) if row else ((), 0.0, 0.0)
        return self._population

    def for_customer(self, customer_id: int) -> Callable[[], SendTimeView | None]:
        def read() -> SendTimeView | None:
            shares, strength, hour_strength = self.population()
            if not shares:
                return None
            with bulk_cursor() as cursor:
                cursor.execute("SELECT counts FROM journeys_sendtimeprofile WHERE customer_id = %s", [customer_id])
                row = cursor.fetchone()
            counts = tuple(from_json(row[0])) if row else ()
            return SendTimeView(counts=counts, population=shares, strength=strength, hour_strength=hour_strength)

        return read
