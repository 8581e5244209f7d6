"""Reading send-time profiles for the wait node's best_time mode, once per batch for the habits."""

from collections.abc import Callable

from journeys.send_time.profile import Habits, SendTimeView
from journeys.sql import bulk_cursor, from_json

_NOT_READ = object()


class SendTimeReader:
    """Hands each node context a lazy reader; the population's habit classes are read once per batch."""

    def __init__(self):
        self._habits: Habits | object | None = _NOT_READ

    def habits(self) -> Habits | None:
        if self._habits is _NOT_READ:
            with bulk_cursor() as cursor:
                cursor.execute("SELECT shares, habits FROM journeys_sendtimepopulation WHERE id = 1")
                row = cursor.fetchone()
            habits = None
            if row:
                learnt = from_json(row[1])
                # A row written before habits were learnt: the population's pattern as the one class.
                habits = Habits.from_json(learnt) if learnt else Habits.from_population(from_json(row[0]))
            self._habits = habits
        return self._habits

    def for_customer(self, customer_id: int) -> Callable[[], SendTimeView | None]:
        def read() -> SendTimeView | None:
            habits = self.habits()
            if habits is None:
                return None
            with bulk_cursor() as cursor:
                cursor.execute("SELECT counts FROM journeys_sendtimeprofile WHERE customer_id = %s", [customer_id])
                row = cursor.fetchone()
            counts = tuple(from_json(row[0])) if row else ()
            return SendTimeView(counts=counts, habits=habits)

        return read
