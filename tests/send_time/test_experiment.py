"""The effect of best_time is measurable with experiments: a split of best_time against a fixed
time, with opens as the goal, reports each arm's open rate and the difference between them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from journeys.delivery.services import delivery_callback
from journeys.experiments import services
from journeys.experiments.selectors import experiment_report
from journeys.models import Delivery, ExperimentExposure
from tests.engine.helpers import run, send
from tests.factories import make_graph, make_journey, make_source, node

pytestmark = pytest.mark.django_db


def best_time_experiment():
    variants = [{"key": "fixed", "weight": 50, "control": True}, {"key": "best", "weight": 50}]
    every_day = list(range(7))
    return make_journey(
        graph=make_graph(
            [
                node("t", "event_trigger", {"event": "Signed Up"}),
                node("s", "split", {"variants": variants}),
                node("w-fixed", "wait", {"mode": "window", "days": every_day, "start": "10:00", "end": "11:00"}),
                node("w-best", "wait", {"mode": "best_time", "window_hours": 24, "fallback": "19:00"}),
                node("mail", "send_email", {"subject": "Hello", "body": "Welcome aboard"}),
            ],
            [
                ("t", "next", "s"),
                ("s", "fixed", "w-fixed"),
                ("s", "best", "w-best"),
                ("w-fixed", "next", "mail"),
                ("w-best", "next", "mail"),
            ],
        ),
        settings={"goal": {"event": "Email Opened", "window_days": 7}},
    )


def test_a_split_of_best_time_against_a_fixed_time_reports_the_open_rate_difference():
    source = make_source()
    journey = best_time_experiment()
    experiment = services.experiment_get_or_create(journey=journey, node_id="s")
    send(source, *({"userId": f"c{number}", "event": "Signed Up"} for number in range(40)))
    run()
    run(now=timezone.now() + timedelta(days=2))
    deliveries = Delivery.objects.select_related("enrollment")
    assert deliveries.count() == 40

    arms = dict(ExperimentExposure.objects.values_list("customer_id", "variant"))
    # Planted outcome: 3 in 4 of the best-time arm open, 1 in 4 of the fixed-time arm.
    seen = {"fixed": 0, "best": 0}
    for delivery in deliveries.order_by("id"):
        arm = arms[delivery.customer_id]
        seen[arm] += 1
        if (arm == "best" and seen[arm] % 4 != 0) or (arm == "fixed" and seen[arm] % 4 == 0):
            delivery_callback(delivery_id=delivery.id, kind="opened")
    run(now=timezone.now() + timedelta(days=2, minutes=1))

    report = experiment_report(experiment, with_series=False)
    rates = {row["key"]: row for row in report["primary"]["variants"]}
    assert rates["fixed"]["exposed"] == seen["fixed"] and rates["best"]["exposed"] == seen["best"]
    assert rates["best"]["conversions"] == seen["best"] - seen["best"] // 4
    assert rates["fixed"]["conversions"] == seen["fixed"] // 4
    best_rate = rates["best"]["conversions"] / rates["best"]["exposed"]
    fixed_rate = rates["fixed"]["conversions"] / rates["fixed"]["exposed"]
    assert rates["best"]["rate"]["value"] == pytest.approx(best_rate)
    assert rates["best"]["difference"]["value"] == pytest.approx(best_rate - fixed_rate)
    assert (
        rates["best"]["difference"]["low"] < rates["best"]["difference"]["value"] < rates["best"]["difference"]["high"]
    )
