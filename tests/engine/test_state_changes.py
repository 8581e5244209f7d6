"""The engine's one entry point for state changes, the column list behind it, and manual removal."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from journeys.engine import changes
from journeys.engine.entry import ENTRY_SQL
from journeys.engine.state import COLUMNS, SAVE_SQL
from journeys.metrics import exit_metric
from journeys.models import Enrollment, NodeStat
from journeys.selectors import node_counters
from tests.engine.helpers import enrollment_of, path_of, run, send
from tests.engine.test_flow import basket_journey
from tests.factories import make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    return make_source()


@pytest.fixture
def waiting(source):
    """A journey with ada, bob and cy waiting at its `wait` node."""
    journey = basket_journey()
    send(source, *({"userId": name, "event": "Product Added"} for name in ("ada", "bob", "cy")))
    run()
    return journey


def customer_ids(journey, *names):
    return [enrollment_of(journey, name).customer_id for name in names]


def test_removing_customers_exits_them_with_the_reason_and_counts_them(waiting):
    removed = changes.remove_customers(
        journey_id=waiting.pk,
        customer_ids=customer_ids(waiting, "ada", "bob"),
        reason="asked support to stop",
        now=timezone.now(),
    )

    assert removed == 2
    for name in ("ada", "bob"):
        enrollment = enrollment_of(waiting, name)
        assert (enrollment.status, enrollment.exit_reason, enrollment.node_id) == (
            "exited",
            "asked support to stop",
            "wait",
        )
        assert enrollment.due_at is None and enrollment.waiting_for == ""
        assert path_of(enrollment)[-1] == ("wait", "exited", "")
        assert enrollment.steps.order_by("id").last().reason == "asked support to stop"
    assert enrollment_of(waiting, "cy").status == "active"
    counters = node_counters(waiting.pk)["wait"]
    assert counters["exited"] == 2
    by_reason = NodeStat.objects.filter(journey=waiting, node_id="wait", metric=exit_metric("asked support to stop"))
    assert by_reason.aggregate(total=Sum("value"))["total"] == 2  # the journey report's exit reasons
    assert counters["waiting"] == 1  # only cy waits on


def test_removing_someone_not_inside_changes_nothing(waiting):
    changes.remove_customers(
        journey_id=waiting.pk, customer_ids=customer_ids(waiting, "ada"), reason="first", now=timezone.now()
    )

    again = changes.remove_customers(
        journey_id=waiting.pk, customer_ids=customer_ids(waiting, "ada"), reason="second", now=timezone.now()
    )

    assert again == 0
    assert enrollment_of(waiting, "ada").exit_reason == "first"
    assert node_counters(waiting.pk)["wait"]["exited"] == 1


def test_a_removed_customer_does_not_move_on_when_their_wait_ends(waiting):
    changes.remove_customers(
        journey_id=waiting.pk, customer_ids=customer_ids(waiting, "ada"), reason="by hand", now=timezone.now()
    )

    run(now=timezone.now() + timedelta(days=2))

    assert enrollment_of(waiting, "ada").node_id == "wait"
    assert enrollment_of(waiting, "bob").exit_reason == "end of path"  # timed out through email and SMS


def test_a_removal_needs_a_reason(waiting):
    with pytest.raises(ValueError, match="reason"):
        changes.remove_customers(
            journey_id=waiting.pk, customer_ids=customer_ids(waiting, "ada"), reason="  ", now=timezone.now()
        )

    assert enrollment_of(waiting, "ada").status == "active"


def test_state_changes_writes_nothing_when_the_block_fails(waiting):
    with pytest.raises(RuntimeError), changes.state_changes(timezone.now()) as change:
        for state in change.lock_active("e.journey_id = %s", [waiting.pk]):
            change.runner.exit(state, "never saved")
        raise RuntimeError("the caller gives up")

    assert set(Enrollment.objects.values_list("status", flat=True)) == {"active"}
    assert "exited" not in node_counters(waiting.pk)["wait"]


def test_every_saved_column_is_written_back(waiting):
    """Change each column save_states writes and read it back: none is left out of the UPDATE."""
    later = timezone.now() + timedelta(hours=3)
    new_values = {
        "version_id": waiting.current_version_id,
        "node_id": "email",
        "status": "errored",
        "due_at": later,
        "due_port": "timeout",
        "waiting_for": "Something",
        "event_port": "matched",
        "wake_port": "matched",
        "waiting_since": later,
        "context": {"visits": {"email": 1}, "note": "changed"},
        "exit_reason": "a reason",
        "error": "an error",
        "exited_at": later,
    }
    assert set(new_values) == {column.name for column in COLUMNS if column.saved}
    ada = enrollment_of(waiting, "ada").pk
    with transaction.atomic(), changes.state_changes(timezone.now()) as change:
        (state,) = change.lock_active("e.id = %s", [ada])
        for name, value in new_values.items():
            setattr(state, name, value)
        state.changed = True

    with transaction.atomic(), changes.state_changes(timezone.now()) as change:
        ((state, _),) = change.lock("e.id = %s", [ada])
    assert {name: getattr(state, name) for name in new_values} == new_values


def test_the_column_list_drives_the_claim_the_write_back_and_the_entry():
    for column in COLUMNS:
        if column.saved:
            assert f" {column.name} = v.{column.name}" in SAVE_SQL
        if column.on_entry:
            assert column.name in ENTRY_SQL.split(")")[0]
