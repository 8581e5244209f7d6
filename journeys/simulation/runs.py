"""The test-run use case: pick the graph (draft or live), the profile, run the simulation, optionally send."""

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from django.utils import timezone

from journeys.delivery import test_sends
from journeys.delivery.providers import PermanentFailure, TemporaryFailure
from journeys.graph import GraphError, parse_graph, validate_graph
from journeys.graph.cache import compiled_version
from journeys.journey_settings import clean_settings
from journeys.models import Customer, Journey
from journeys.simulation.clock import DEFAULT_MAX_STEPS, InjectedEvent, simulate
from journeys.simulation.messages import send_test_email
from journeys.simulation.profile import TestProfile
from journeys.sql import json_text

# Real sends of a test run go only to the address the marketer typed, and only so many: a
# journey with a loop could otherwise mail the same inbox hundreds of times in one click.
MAX_SENDS_PER_RUN = 5


class TestRunError(Exception):
    """The test run cannot start: no live version, a draft that does not validate, too many sends."""

    __test__ = False

    def __init__(self, message: str, *, issues: list | None = None, status: int = 400):
        super().__init__(message)
        self.issues = issues or []
        self.status = status


@dataclass
class TestRunRequest:
    __test__ = False

    version: str  # "draft" or "live"
    profile: TestProfile
    events: list[InjectedEvent]
    horizon_seconds: int
    trigger_id: str | None = None
    trigger_properties: dict | None = None
    max_steps: int = DEFAULT_MAX_STEPS
    send_to: str = ""  # a test email address: rendered emails are really sent there


def test_run_profile_customer(reference: str) -> Customer | None:
    """The customer a test run starts from, by external id (or by number, the row id)."""
    customer = Customer.objects.filter(external_id=reference).first()
    if customer is None and reference.isdigit():
        customer = Customer.objects.filter(pk=int(reference)).first()
    return customer


def journey_test_run(*, journey: Journey, request: TestRunRequest, user) -> dict:
    """Simulate one profile through the journey's draft or live version; the path as a dict.

    Raises TestRunError when there is nothing valid to run or the send limit is reached. The
    database is only read; with `send_to`, emails that would be sent go to that address now.
    """
    if request.version == "live":
        version = journey.current_version
        if version is None:
            raise TestRunError("the journey has no published version: test the draft instead")
        graph, settings, version_id = compiled_version(version.pk), version.settings, version.pk
    else:
        graph, settings = _compiled_draft(journey.graph, journey.settings)
        version_id = 0  # a draft has no version row; nothing is written, so nothing refers to it
    if request.trigger_id is not None and request.trigger_id not in graph.triggers:
        raise TestRunError(f"{request.trigger_id!r} is not a trigger of this journey")
    if not graph.triggers:
        raise TestRunError("the journey has no trigger to enter at")
    if request.send_to:
        try:
            test_sends.check_budget(user)
        except test_sends.OverBudget as error:
            raise TestRunError(f"{error}, or run without a test address", status=429) from None

    outcome = simulate(
        graph=graph,
        settings=settings,
        journey_id=journey.pk,
        journey_name=journey.name,
        version_id=version_id,
        profile=request.profile,
        events=request.events,
        horizon_seconds=request.horizon_seconds,
        start=timezone.now(),
        trigger_id=request.trigger_id,
        trigger_properties=request.trigger_properties,
        max_steps=request.max_steps,
    )
    if request.send_to:
        _send(outcome.messages(), request.send_to, user, journey)
    body = outcome.as_dict(graph)
    body["version"] = request.version
    body["version_number"] = journey.current_version.number if request.version == "live" else None
    body["profile"] = {
        "id": request.profile.view.external_id,
        "existing": request.profile.existing,
        "consent": request.profile.view.consent,
    }
    return body


# Drafts compiled lately, by content: checking and compiling a 50-node draft runs every node's
# config serializer twice (about 100 ms here), and "jump forward" or a run with other events
# tests the same draft again. Keyed by the draft's JSON, so an edit is a new entry.
_DRAFTS: OrderedDict[bytes, tuple] = OrderedDict()
_DRAFTS_KEPT = 16


def _compiled_draft(graph_json: dict, settings_json: dict) -> tuple:
    """(compiled graph, clean settings) of a draft; TestRunError listing its issues when it does not validate."""
    key = hashlib.sha256(json_text([graph_json, settings_json], sort_keys=True).encode()).digest()
    if key in _DRAFTS:
        _DRAFTS.move_to_end(key)
        return _DRAFTS[key]
    result = validate_graph(graph_json)
    settings, settings_errors = clean_settings(settings_json)
    if not result.ok or settings_errors:
        issues = [issue.as_dict() for issue in result.errors]
        issues += [{"code": "invalid_settings", "message": f"settings: {name}"} for name in settings_errors]
        raise TestRunError("the draft has errors to fix before it can run", issues=issues)
    try:
        compiled = (parse_graph(graph_json), settings)
    except GraphError as error:
        raise TestRunError(str(error)) from None
    _DRAFTS[key] = compiled
    while len(_DRAFTS) > _DRAFTS_KEPT:
        _DRAFTS.popitem(last=False)
    return compiled


def _send(messages: list[dict], to: str, user, journey: Journey) -> None:
    """Send the rendered emails to the test address, each message marked with what happened."""
    left = min(MAX_SENDS_PER_RUN, test_sends.sends_left(user))
    for message in messages:
        if message["channel"] != "email" or message["error"]:
            continue
        if left < 1:
            message["test_send"] = "not sent: the test send limit is reached"
            continue
        left -= 1
        try:
            send_test_email(message=message, to=to)
        except (TemporaryFailure, PermanentFailure, ValueError) as error:
            message["test_send"] = f"failed: {error}"
        else:
            message["test_send"] = f"sent to {to}"
        # Recorded when tried, as it counts against the budget whether or not the server took it.
        test_sends.record(test_sends.TEST_RUN_ACTION, journey, user=user, to=to)
