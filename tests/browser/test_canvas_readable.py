"""The canvas reads at a glance in a 1440x900 window: titles from config, large enough at the fit
zoom, Arrange without crossings, new steps never on top of others, nothing off screen."""

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from journeys import roles
from journeys.demo import demo_journeys_seed
from journeys.metrics import GAUGE_HOUR
from journeys.models import Journey, NodeStat
from tests.browser.helpers import field, open_editor, select
from tests.factories import make_user

pytestmark = pytest.mark.browser

README_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "images" / "canvas.png"
MIN_TITLE_PX = 11

# What each node's card looks like on screen, read in one go: its box, the title's font size and
# the text of its title.
NODE_BOXES = """() => [...document.querySelectorAll('.react-flow__node')].map((el) => {
  const r = el.getBoundingClientRect();
  const title = el.querySelector('[data-testid="node-title"]');
  return {
    id: el.dataset.id, x: r.x, y: r.y, width: r.width, height: r.height,
    font: title ? parseFloat(getComputedStyle(title).fontSize) : 0,
    title: title ? title.textContent : '',
  };
})"""
ZOOM = """() => {
  const m = getComputedStyle(document.querySelector('.react-flow__viewport')).transform;
  return new DOMMatrixReadOnly(m).a;
}"""


def boxes(page) -> dict[str, dict]:
    return {b["id"]: b for b in page.evaluate(NODE_BOXES)}


def rect(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None
    return box


def overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def centre_x(box: dict) -> float:
    return box["x"] + box["width"] / 2


def assert_no_overlaps(page) -> None:
    placed = list(boxes(page).values())
    for i, a in enumerate(placed):
        for b in placed[i + 1 :]:
            assert not overlap(a, b), f"{a} covers {b}"


def settle(page) -> None:
    """Waits for React Flow's eased fits and for the node titles to arrive from the server."""
    page.wait_for_timeout(450)


def seeded(name: str) -> Journey:
    demo_journeys_seed()
    return Journey.objects.get(name=name)


def live_counts(journey: Journey) -> None:
    """Counters as a demo journey has them after an hour of traffic."""
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    flow = {
        "added": {"entered": 1240, "passed:next": 1240},
        "wait-order": {"entered": 1240, "passed:matched": 512, "passed:timeout": 641},
        "bought": {"entered": 512, "exited": 512},
        "reminder-email": {
            "entered": 641,
            "passed:next": 641,
            "delivery:queued": 641,
            "delivery:sent": 552,
            "delivery:delivered": 540,
            "delivery:opened": 212,
            "delivery:clicked": 61,
            "delivery:skipped": 89,  # the total beside its reasons, as the engine counts them
            "delivery:skipped:no_consent": 71,
            "delivery:skipped:no_address": 18,
        },
        "wait-order-again": {"entered": 641, "passed:matched": 174, "passed:timeout": 402},
        "bought-after-email": {"entered": 174, "exited": 174},
        "reminder-sms": {
            "entered": 402,
            "passed:next": 402,
            "delivery:queued": 402,
            "delivery:sent": 276,
            "delivery:delivered": 270,
            "delivery:skipped": 126,
            "delivery:skipped:no_consent": 98,
            "delivery:skipped:no_address": 28,
        },
        "reminded": {"entered": 402, "exited": 402},
    }
    waiting = {"wait-order": 87, "wait-order-again": 65}
    rows = [
        NodeStat(journey=journey, node_id=node_id, metric=metric, hour=hour, value=value)
        for node_id, metrics in flow.items()
        for metric, value in metrics.items()
    ]
    rows += [
        NodeStat(journey=journey, node_id=node_id, metric="waiting", hour=GAUGE_HOUR, value=value)
        for node_id, value in waiting.items()
    ]
    NodeStat.objects.bulk_create(rows)


def test_a_demo_journey_fits_the_window_and_reads_at_the_fit_zoom(page, live_server_url, login, artifact_path):
    journey = seeded("Abandoned basket recovery")
    live_counts(journey)
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)
    expect(page.locator('.react-flow__node[data-id="wait-order"] [data-testid="node-title"]')).to_have_text(
        "Wait up to 5 min for Order Completed"
    )
    expect(page.locator('.react-flow__node[data-id="wait-order"] [data-testid="count-waiting"]')).to_have_text("87")
    settle(page)

    # The page is the window: nothing to scroll, either way.
    size = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight, innerWidth, innerHeight]"
    )
    assert size[0] <= size[2]
    assert size[1] <= size[3], f"the page is {size[1] - size[3]} px taller than the window"

    # Titles come from each node's config, not its kind.
    on_screen = boxes(page)
    assert on_screen["added"]["title"] == "When Product Added"
    assert on_screen["reminder-email"]["title"] == "Email: You left something in your basket"
    assert on_screen["wait-order-again"]["title"] == "Wait up to 3 min for Order Completed"
    assert on_screen["bought"]["title"] == "Exit: bought"

    # Every node is in view, and its title renders at 11 px or more at this zoom.
    canvas = rect(page.locator(".react-flow"))
    zoom = page.evaluate(ZOOM)
    for box in on_screen.values():
        assert canvas["x"] <= box["x"] and box["x"] + box["width"] <= canvas["x"] + canvas["width"], box["id"]
        assert canvas["y"] <= box["y"] and box["y"] + box["height"] <= canvas["y"] + canvas["height"], box["id"]
        assert box["font"] * zoom >= MIN_TITLE_PX, f"{box['id']}: {box['font']} px x {zoom:.2f}"

    # The minimap covers no node, handles included (they stick out a few pixels below a card).
    minimap = rect(page.locator(".react-flow__minimap"))
    for box in on_screen.values():
        assert not overlap(minimap, {**box, "y": box["y"] - 8, "height": box["height"] + 16}), box["id"]

    page.screenshot(path=str(artifact_path("canvas_readable_demo.png")))
    if os.environ.get("UPDATE_README_SCREENSHOT"):
        # Only on request: a test run must not change tracked files.
        README_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artifact_path("canvas_readable_demo.png"), README_IMAGE)


def test_every_demo_journey_fits_with_titles_of_11_px_or_more(page, live_server_url, login):
    demo_journeys_seed()
    login(page, make_user(role=roles.MARKETERS))
    for journey in Journey.objects.order_by("pk"):
        open_editor(page, live_server_url, journey)
        expect(page.locator('[data-testid="node-title"]').first).not_to_have_text("")
        settle(page)
        canvas = rect(page.locator(".react-flow"))
        minimap = rect(page.locator(".react-flow__minimap"))
        zoom = page.evaluate(ZOOM)
        for box in boxes(page).values():
            where = f"{journey.name}: {box['id']}"
            assert box["font"] * zoom >= MIN_TITLE_PX, f"{where}: {box['font']} px x {zoom:.2f}"
            assert canvas["y"] <= box["y"] and box["y"] + box["height"] <= canvas["y"] + canvas["height"], where
            assert canvas["x"] <= box["x"] and box["x"] + box["width"] <= canvas["x"] + canvas["width"], where
            assert not overlap(minimap, box), where


MESSAGE_KINDS = {"send_email", "send_sms", "send_webhook", "send_in_app"}
WAIT_KINDS = {"wait", "wait_for_event"}


def busy_counts(journey: Journey) -> None:
    """Counters on every node as hours of `make run` leave them: four digits; sends, skips for
    several reasons and sends delayed by a rate limit and quiet hours.

    (The demo's console providers report no delivery, opens or clicks, so those stay hidden.)
    """
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    rows = []
    for node in journey.graph["nodes"]:
        kind, node_id = node["data"]["kind"], node["id"]
        metrics = {"entered": 1240, "converted": 31}
        metrics |= {f"passed:{e['sourceHandle']}": 400 for e in journey.graph["edges"] if e["source"] == node_id}
        if kind == "exit":
            metrics["exited"] = 1240
        if kind in MESSAGE_KINDS:
            metrics |= {"delivery:queued": 1240, "delivery:sent": 1032, "delivery:skipped": 208}
            metrics |= {
                "delivery:skipped:no_consent": 136,
                "delivery:skipped:capped": 37,
                "delivery:skipped:no_address": 35,
            }
            metrics |= {"delivery:held:rate_limit": 29, "delivery:held:quiet_hours": 280}
        rows += [NodeStat(journey=journey, node_id=node_id, metric=m, hour=hour, value=v) for m, v in metrics.items()]
        if kind in WAIT_KINDS:
            rows.append(NodeStat(journey=journey, node_id=node_id, metric="waiting", hour=GAUGE_HOUR, value=87))
    NodeStat.objects.bulk_create(rows)


def test_no_demo_journeys_cards_cover_each_other_once_live(page, live_server_url, login):
    # Live cards are taller than drafts (a row of counts, message outcomes, skips and delays),
    # and the demo journeys are the first canvases anyone sees, and the examples new ones copy.
    demo_journeys_seed()
    login(page, make_user(role=roles.MARKETERS))
    for journey in Journey.objects.order_by("pk"):
        busy_counts(journey)
        open_editor(page, live_server_url, journey)
        expect(page.locator('[data-testid="outcome-queued"]').first).to_have_text("1240")
        settle(page)
        placed = list(boxes(page).values())
        for i, a in enumerate(placed):
            for b in placed[i + 1 :]:
                # The handles stick out a few pixels: a card must not touch the next one either.
                assert not overlap({**a, "height": a["height"] + 8}, b), f"{journey.name}: {a['id']} covers {b['id']}"
        # The counts came after the first fit and made cards taller: the view fitted again.
        canvas = rect(page.locator(".react-flow"))
        for box in placed:
            assert canvas["y"] <= box["y"] and box["y"] + box["height"] <= canvas["y"] + canvas["height"], box["id"]


TRANSFORM = "() => getComputedStyle(document.querySelector('.react-flow__viewport')).transform"


def test_once_the_marketer_moves_the_view_a_growing_card_does_not_move_it(page, live_server_url, login):
    journey = seeded("Welcome series")
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)
    settle(page)
    card = page.locator('.react-flow__node[data-id="signed-up"]')
    # Zoom in around the first card, as a marketer about to edit it would: it stays in view.
    first = rect(card)
    page.mouse.move(first["x"] + first["width"] / 2, first["y"] + first["height"] / 2)
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(400)
    zoomed = page.evaluate(TRANSFORM)

    height = rect(card)["height"] / page.evaluate(ZOOM)
    select(page, "signed-up")
    field(page, "event").locator("input").fill("Signed Up For The Newsletter In The Footer")
    expect(card.locator('[data-testid="node-title"]')).to_contain_text("Newsletter")
    settle(page)
    assert rect(card)["height"] / page.evaluate(ZOOM) > height + 10  # the title took a second line
    assert page.evaluate(TRANSFORM) == zoomed


def test_a_live_journeys_toolbar_stays_one_row_and_its_help_stays_on_screen(
    page, live_server_url, login, artifact_path
):
    journey = seeded("Mortgage loan offer")
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)
    expect(page.get_by_test_id("status")).to_have_text("live")
    expect(page.get_by_role("button", name="Stop")).to_be_visible()

    toolbar = page.locator(".toolbar")
    items = page.evaluate(
        """() => [...document.querySelector('.toolbar').children]
          .filter((el) => el.getClientRects().length > 0)
          .map((el) => el.getBoundingClientRect())
          .map((r) => ({ top: r.top, bottom: r.bottom, right: r.right }))"""
    )
    bar = rect(toolbar)
    assert max(i["top"] for i in items) < min(i["bottom"] for i in items), "the toolbar wraps"
    # Every button (Settings, Test run, Review and the bell included) fits inside the bar.
    assert max(i["right"] for i in items) <= bar["x"] + bar["width"]
    page.screenshot(path=str(artifact_path("canvas_toolbar_live.png")))

    page.get_by_role("button", name="?").click()
    popover = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(popover).to_be_visible()
    box = rect(popover)
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= 1440 and box["y"] + box["height"] <= 900
    page.screenshot(path=str(artifact_path("canvas_readable_help.png")))

    # In a small window the toolbar wraps and the help button moves, but its popover stays on screen.
    page.keyboard.press("Escape")
    page.set_viewport_size({"width": 820, "height": 480})
    page.get_by_role("button", name="?").click()
    box = rect(popover)
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= 820 and box["y"] + box["height"] <= 480
    page.screenshot(path=str(artifact_path("canvas_readable_help_small.png")))


def test_arrange_keeps_two_port_nodes_edges_apart(page, live_server_url, login, artifact_path):
    journey = seeded("Abandoned basket recovery")
    live_counts(journey)
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)

    page.get_by_role("button", name="Arrange").click()
    settle(page)

    on_screen = boxes(page)
    for wait, matched, timeout in (
        ("wait-order", "bought", "reminder-email"),
        ("wait-order-again", "bought-after-email", "reminder-sms"),
    ):
        card = page.locator(f'.react-flow__node[data-id="{wait}"]')
        left = rect(card.locator('.react-flow__handle[data-handleid="matched"]'))
        right = rect(card.locator('.react-flow__handle[data-handleid="timeout"]'))
        assert centre_x(left) < centre_x(right)
        # Each edge goes down from its port to a step on that port's side, so the two never cross,
        # and each count label sits on its own edge's side.
        assert centre_x(on_screen[matched]) < centre_x(on_screen[timeout]), wait
        matched_label = rect(page.locator(f'.react-flow__edge[data-id="{wait}-matched-{matched}"] text'))
        timeout_label = rect(page.locator(f'.react-flow__edge[data-id="{wait}-timeout-{timeout}"] text'))
        assert centre_x(matched_label) < centre_x(timeout_label), wait
    assert_no_overlaps(page)
    page.screenshot(path=str(artifact_path("canvas_readable_arranged.png")))


def test_dropped_and_pasted_steps_never_land_on_others_and_titles_follow_the_inspector(
    page, live_server_url, login, artifact_path
):
    journey = seeded("Abandoned basket recovery")
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)
    settle(page)

    # Dropped right on top of a step, an exit lands next to it instead.
    target = rect(page.locator('.react-flow__node[data-id="wait-order-again"]'))
    pane = rect(page.locator(".react-flow__pane"))
    page.locator('.palette__item[data-kind="exit"]').drag_to(
        page.locator(".react-flow__pane"),
        target_position={"x": target["x"] - pane["x"] + 30, "y": target["y"] - pane["y"] + 20},
        force=True,
    )
    expect(page.locator(".inspector")).to_have_attribute("data-node-id", "exit")
    assert_no_overlaps(page)

    # Pasted twice, the copies of a step find room of their own each time.
    modifier = "Meta" if "Mac" in page.evaluate("navigator.platform") else "Control"
    select(page, "reminder-email")
    page.keyboard.press(f"{modifier}+c")
    page.keyboard.press(f"{modifier}+v")
    page.keyboard.press(f"{modifier}+v")
    expect(page.locator(".react-flow__node")).to_have_count(11)  # 8 steps, a dropped exit, two copies
    assert_no_overlaps(page)

    # The title follows the config as it is typed.
    select(page, "added")
    field(page, "event").locator("input").fill("Checkout Started")
    expect(page.locator('.react-flow__node[data-id="added"] [data-testid="node-title"]')).to_have_text(
        "When Checkout Started"
    )
    page.screenshot(path=str(artifact_path("canvas_readable_placed.png")))


def test_a_splits_arms_read_in_full_and_add_up_to_100_in_percent_mode(page, live_server_url, login, artifact_path):
    # 3 and 5 of 8: rounded alone they read 38 % + 63 % = 101 %, and three arms cut their names
    # to "e… 38% | in-… 63% | cont… 0%".
    journey = seeded("Mortgage loan offer")
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    counts = {"entered": 8, "passed:email": 3, "passed:in-app": 5, "passed:control": 0}
    NodeStat.objects.bulk_create(
        NodeStat(journey=journey, node_id="offer-split", metric=m, hour=hour, value=v) for m, v in counts.items()
    )
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)
    page.get_by_label("Show").select_option("percent")
    card = page.locator('.react-flow__node[data-id="offer-split"]')
    shares = [card.get_by_test_id(f"count-passed-{arm}") for arm in ("email", "in-app", "control")]
    expect(shares[0]).to_have_text("38%")
    assert [s.inner_text() for s in shares] == ["38%", "62%", "0%"]
    names = card.locator(".journey-node__port-name")
    assert names.all_inner_texts() == ["email", "in-app", "control"]
    for name in names.all():
        assert name.evaluate("e => e.scrollWidth <= e.clientWidth"), name.inner_text()
    # The edges leaving the split say the same.
    labels = page.locator('.react-flow__edge[data-id^="offer-split-"] .react-flow__edge-text').all_text_contents()
    assert sorted(labels) == ["0%", "38%", "62%"]
    card.screenshot(path=str(artifact_path("split-percent.png")))
