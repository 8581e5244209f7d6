"""The demo journeys: the five examples of DESIGN.md, seeded as live journeys by `manage.py seed_demo`.

Each is a file in `demo_journeys/`, in the format `journey_export` writes and `journey_import`
reads, so the same files can be offered as templates and a demo journey is edited like any
exported one (see demo_journeys/README.md). Waits last minutes, not days, so a newcomer
watching the canvas (with `manage.py demo_traffic` sending events) sees customers enter, wait
and move on while they look.
"""

import copy
import json
import random
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from journeys.governance.context import acting_as_system
from journeys.models import Journey, Prediction
from journeys.predictions import services as prediction_services
from journeys.services import JourneyError, journey_import, journey_publish

DEMO_DIR = Path(__file__).resolve().parent / "demo_journeys"
# Seeding order, which is also the order the journeys list shows them in when nothing else sorts.
DEMO_FILES = (
    "welcome-series.json",
    "abandoned-basket.json",
    "outage-support.json",
    "loyalty-reward.json",
    "mortgage-offer.json",
)


@dataclass(frozen=True)
class DemoJourney:
    path: Path
    export: dict  # the file's content: format, version, name, description, settings, graph

    @property
    def name(self) -> str:
        return self.export["name"]

    @property
    def description(self) -> str:
        return self.export["description"]

    @property
    def graph(self) -> dict:
        return self.export["graph"]

    @property
    def settings(self) -> dict:
        return self.export["settings"]


def load_demo_journey(path: Path) -> DemoJourney:
    return DemoJourney(path=path, export=json.loads(path.read_text(encoding="utf-8")))


DEMO_JOURNEYS = [load_demo_journey(DEMO_DIR / name) for name in DEMO_FILES]
WELCOME_SERIES, ABANDONED_BASKET, OUTAGE_SUPPORT, LOYALTY_REWARD, MORTGAGE_OFFER = DEMO_JOURNEYS


# The examples "New journey" offers, by file name without `.json` (the form's value).
EXAMPLES = {demo.path.stem: demo for demo in DEMO_JOURNEYS}


def journey_create_from_example(*, example: str, name: str = "", user=None) -> Journey:
    """A new draft copy of an example journey, graph and settings (goal included), named `name` or as the example."""
    demo = EXAMPLES.get(example)
    if demo is None:
        raise JourneyError(f"no example called {example!r}")
    data = copy.deepcopy(demo.export)
    if name:
        data["name"] = name
    return journey_import(data=data, user=user)


# Consent as a shop that asks at sign-up sees it: most say yes to email, fewer to texts, a few
# refuse, and some were never asked (older accounts, sign-ups that skipped the question).
# (state, weight) per channel; the in-app channel is left to its opt-out policy.
DEMO_CONSENT_MIX = {
    "email": (("subscribed", 82), ("unsubscribed", 8), (None, 10)),
    "sms": (("subscribed", 68), ("unsubscribed", 12), (None, 20)),
}
DEMO_PHONE_SHARE = 0.9  # the rest gave no number: their texts are skipped as no_address


def demo_consent_traits(rng: random.Random) -> dict:
    """Identify traits with a realistic consent (`consent: {"email": "subscribed", ...}`), as an SDK sends them."""
    consent = {}
    for channel, mix in DEMO_CONSENT_MIX.items():
        state = rng.choices([state for state, _ in mix], weights=[weight for _, weight in mix])[0]
        if state is not None:
            consent[channel] = state
    return {"consent": consent} if consent else {}


def demo_journeys_seed(*, user=None) -> list[Journey]:
    """Import and publish each demo journey that does not exist yet; return the ones created.

    A journey is matched by name only: one that exists (in any state, perhaps edited by someone
    trying the product) is left exactly as it is.
    """
    created = []
    for demo in DEMO_JOURNEYS:
        with transaction.atomic():
            if Journey.objects.filter(name=demo.name).exists():
                continue
            # A copy: the import keeps the graph it is given, and the loaded files stay as read.
            journey = journey_import(data=copy.deepcopy(demo.export), user=user)
            # Demo data is the install's own: it publishes without a review, recorded as auto-approved.
            with acting_as_system("seed_demo"):
                journey_publish(journey=journey, user=user)
        journey.refresh_from_db()
        created.append(journey)
    return created


DEMO_PREDICTION = "likelihood to order"


def demo_prediction_seed(*, user=None):
    """The demo's prediction ("does Order Completed within 7 days"), trained on the seeded history.

    Trained in this process: on the demo's few hundred customers it takes a second or two. The
    seeded history plants a real pattern (keen customers order more, before and after the cut-off),
    so the model finds something (held-out AUC about 0.85); with a few dozen held-out customers the
    quality page still warns that the data is too thin to trust, as it would for a real install.
    Returns the run, or None when the prediction was already there.
    """
    if Prediction.objects.filter(name=DEMO_PREDICTION).exists():
        return None
    prediction = prediction_services.prediction_create(
        name=DEMO_PREDICTION, target_event="Order Completed", target_days=7, user=user
    )
    run, _ = prediction_services.training_request(prediction=prediction)
    return prediction_services.training_run(run_id=run.pk)
