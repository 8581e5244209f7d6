"""Test runs: one made-up or real customer sent through a journey graph on a simulated clock.

The simulation drives the engine's own Runner (journeys/engine/runner.py) with the graph to test
and an in-memory writer, so node kinds, conditions, waits and splits decide exactly as they do
live; what the engine would write (steps, counters, deliveries, attribute changes) is collected
and returned instead. Nothing is written to the database; the only side effect is an optional
test email to an address the marketer types.

The parts, each a module:

- `profile`: the test profile (an existing customer, copied, or one made up) and consent input.
- `clock`: the simulation itself (`simulate`), events injected at offsets, the horizon.
- `messages`: rendering a message as the delivery worker would, and the optional test send.
"""

from journeys.simulation.clock import (
    MAX_EVENTS,
    MAX_HORIZON_SECONDS,
    MAX_STEPS,
    InjectedEvent,
    SimulationResult,
    simulate,
)
from journeys.simulation.profile import TestProfile, consent_from_input, profile_from_customer, profile_made_up

__all__ = [
    "MAX_EVENTS",
    "MAX_HORIZON_SECONDS",
    "MAX_STEPS",
    "InjectedEvent",
    "SimulationResult",
    "TestProfile",
    "consent_from_input",
    "profile_from_customer",
    "profile_made_up",
    "simulate",
]
