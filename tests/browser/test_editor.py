"""The canvas in a real browser: build a journey from the palette, publish it, watch counts move."""

import base64
import json
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from journeys import roles
from journeys.models import Journey, NodeStat
from tests.browser.helpers import field, open_editor, select
from tests.factories import make_graph, make_journey, make_source, make_user, node

pytestmark = pytest.mark.browser

WRITE_KEY = "editor-browser-write-key"


def drop_from_palette(page, kind: str, x: int, y: int) -> None:
    page.locator(f'.palette__item[data-kind="{kind}"]').drag_to(
        page.locator(".react-flow__pane"), target_position={"x": x, "y": y}
    )
    expect(page.locator(".inspector")).to_have_attribute("data-node-id", kind)


def connect(page, source: str, port: str, target: str) -> None:
    handle = page.locator(f'.react-flow__node[data-id="{source}"] .react-flow__handle[data-handleid="{port}"]')
    handle.drag_to(page.locator(f'.react-flow__node[data-id="{target}"] .react-flow__handle.target'))
    expect(page.locator(f'.react-flow__edge[data-id="e-{source}-{port}-{target}"]')).to_have_count(1)


def track(live_server_url: str, user_id: str, event: str) -> None:
    body = json.dumps({"userId": user_id, "event": event}).encode()
    request = urllib.request.Request(
        f"{live_server_url}/v1/track",
        data=body,
        headers={
            "Content-Type": "application/json",
            "Authorization": "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode(),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def count(page, node_id: str, metric: str):
    return page.locator(f'.react-flow__node[data-id="{node_id}"] [data-testid="count-{metric}"]')


def test_a_marketer_builds_publishes_and_watches_a_journey(page, live_server_url, engine_worker, login, artifact_path):
    make_source(write_key=WRITE_KEY)
    journey = make_journey(graph={"nodes": [], "edges": []}, name="Welcome", publish=False)
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)

    # Drag three steps from the palette and configure each in the inspector.
    drop_from_palette(page, "event_trigger", 300, 80)
    field(page, "event").locator("input").fill("Signed Up")
    drop_from_palette(page, "wait", 300, 300)
    field(page, "mode").locator("select").select_option("duration")
    field(page, "seconds").locator("input").fill("1")
    field(page, "seconds").locator("select").select_option("seconds")
    drop_from_palette(page, "send_email", 300, 520)
    field(page, "body").locator("textarea").fill("Hello {{ customer.first_name }}")

    connect(page, "event_trigger", "next", "wait")
    connect(page, "wait", "next", "send_email")

    # The subject is still empty: the server says so, inline and in the list; publish is off.
    expect(field(page, "subject").locator(".field__error")).to_contain_text("required")
    expect(page.locator(".react-flow__node[data-id='send_email'] [data-testid='node-issues']")).to_have_text("1")
    publish = page.get_by_role("button", name="Publish", exact=True)
    expect(publish).to_be_disabled()
    page.keyboard.press("Escape")
    problems = page.locator('[data-testid="problems"]')
    expect(problems).to_contain_text("subject")
    problems.get_by_role("button").first.click()
    expect(page.locator(".inspector")).to_have_attribute("data-node-id", "send_email")

    field(page, "subject").locator("input").fill("Welcome aboard")
    expect(field(page, "subject").locator(".field__error")).to_have_count(0)
    expect(page.locator('[data-testid="save-state"]')).to_have_text("Saved")
    expect(publish).to_be_enabled()
    publish.click()
    # Going live is confirmed, having said who enters and what goes out.
    dialog = page.get_by_role("dialog", name="Publish")
    expect(dialog.locator("h2")).to_have_text("Start this journey")
    expect(dialog.get_by_test_id("go-live")).to_contain_text("When Signed Up")
    expect(dialog.get_by_test_id("go-live-sends")).to_have_text("Send email (1 step)")
    page.screenshot(path=artifact_path("editor-go-live.png"))
    dialog.get_by_role("button", name="Publish").click()
    expect(page.locator('[data-testid="status"]')).to_have_text("live")

    journey.refresh_from_db()
    assert journey.status == Journey.Status.LIVE
    assert journey.current_version.graph["nodes"][2]["data"]["config"]["subject"] == "Welcome aboard"
    assert {(e["source"], e["sourceHandle"], e["target"]) for e in journey.graph["edges"]} == {
        ("event_trigger", "next", "wait"),
        ("wait", "next", "send_email"),
    }

    # Events come in through the public API; the counts change without a reload.
    expect(page.locator('[data-testid="connection"]')).to_have_text("Live counts")
    track(live_server_url, "ada", "Signed Up")
    track(live_server_url, "bob", "Signed Up")
    expect(count(page, "event_trigger", "entered")).to_have_text("2", timeout=15_000)
    expect(count(page, "send_email", "entered")).to_have_text("2", timeout=15_000)
    expect(count(page, "send_email", "exited")).to_have_text("2")
    expect(page.locator('.react-flow__edge[data-id="e-wait-next-send_email"]')).to_contain_text("2")
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+F")  # fit the whole journey in view for the screenshot
    page.wait_for_timeout(400)
    page.screenshot(path=artifact_path("editor.png"))

    # The same figures as shares, and over the last hour only (all of it happened just now).
    page.get_by_label("Show").select_option("percent")
    expect(count(page, "send_email", "exited")).to_have_text("100%")
    expect(page.locator('.react-flow__edge[data-id="e-wait-next-send_email"]')).to_contain_text("100%")
    page.get_by_label("Show").select_option("counts")
    # Three customers who entered days ago count in all time, not in the last hour.
    NodeStat.objects.create(
        journey=journey,
        node_id="event_trigger",
        metric="entered",
        hour=(timezone.now() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0),
        shard=0,
        value=3,
    )
    page.get_by_label("Time range").select_option("1h")
    expect(count(page, "event_trigger", "entered")).to_have_text("2")
    page.get_by_label("Time range").select_option("all")
    expect(count(page, "event_trigger", "entered")).to_have_text("5")
    assert artifact_path("editor.png").stat().st_size > 0


HOSTILE_LABEL = '<img src=x onerror="window.__pwned = 1">'
HOSTILE_SUBJECT = "<script>window.__pwned = 2</script>"


def test_markup_in_labels_and_config_is_shown_as_text_and_never_run(page, live_server_url, login):
    graph = make_graph(
        [
            node("start", "api_trigger", label=HOSTILE_LABEL),
            node("mail", "send_email", {"subject": HOSTILE_SUBJECT, "body": HOSTILE_LABEL}, label=HOSTILE_SUBJECT),
        ],
        [("start", "next", "mail")],
    )
    journey = make_journey(graph=graph, name=HOSTILE_SUBJECT, publish=False)
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)

    expect(page.locator('.react-flow__node[data-id="start"] [data-testid="node-label"]')).to_have_text(HOSTILE_LABEL)
    expect(page.locator('.react-flow__node[data-id="mail"] [data-testid="node-label"]')).to_have_text(HOSTILE_SUBJECT)
    select(page, "mail")
    expect(field(page, "subject").locator("input")).to_have_value(HOSTILE_SUBJECT)
    expect(page.get_by_label("Journey name")).to_have_value(HOSTILE_SUBJECT)
    assert page.locator(".react-flow img").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_a_reviewer_sees_the_journey_read_only(page, live_server_url, login):
    refused = []
    page.on("response", lambda response: response.status in (401, 403) and refused.append(response.url))
    graph = make_graph([node("start", "api_trigger", label="Start"), node("done", "exit")], [("start", "next", "done")])
    journey = make_journey(graph=graph, name="Live one")
    login(page, make_user(role=roles.REVIEWERS))
    open_editor(page, live_server_url, journey)

    expect(page.locator(".palette")).to_have_count(0)
    expect(page.get_by_role("button", name="Publish", exact=True)).to_have_count(0)
    expect(page.locator(".problems")).to_contain_text("You can look at this journey")
    select(page, "start")
    expect(field(page, "label").locator("input")).to_be_disabled()
    page.keyboard.press("Delete")
    expect(page.locator('.react-flow__node[data-id="start"]')).to_have_count(1)
    journey.refresh_from_db()
    assert [n["id"] for n in journey.graph["nodes"]] == ["start", "done"]
    assert refused == []  # the canvas asks nothing of the API that a Reviewer may not have


def modifier(page) -> str:
    return "Meta" if page.evaluate("navigator.platform").startswith("Mac") else "Control"


def test_copy_paste_undo_and_redo_from_the_keyboard_reach_the_saved_draft(page, live_server_url, login):
    graph = make_graph(
        [node("start", "api_trigger", label="Start"), node("done", "exit", label="Done")], [("start", "next", "done")]
    )
    graph["nodes"][1]["position"] = {"x": 0, "y": 200}
    journey = make_journey(graph=graph, name="Keys", publish=False)
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)
    mod = modifier(page)

    select(page, "done")
    page.keyboard.press(f"{mod}+c")
    page.keyboard.press(f"{mod}+v")
    expect(page.locator('.react-flow__node[data-id="done-2"]')).to_have_count(1)
    page.keyboard.press(f"{mod}+z")
    expect(page.locator('.react-flow__node[data-id="done-2"]')).to_have_count(0)
    page.keyboard.press(f"{mod}+Shift+z")
    expect(page.locator('.react-flow__node[data-id="done-2"]')).to_have_count(1)

    expect(page.locator('[data-testid="save-state"]')).to_have_text("Saved")
    journey.refresh_from_db()
    assert [n["id"] for n in journey.graph["nodes"]] == ["start", "done", "done-2"]
    assert journey.graph["nodes"][2]["data"] == {"kind": "exit", "label": "Done", "config": {}}

    # One keyboard delete removes the node and its edge; one undo brings both back.
    select(page, "done")
    page.keyboard.press("Delete")
    expect(page.locator('.react-flow__node[data-id="done"]')).to_have_count(0)
    expect(page.locator(".react-flow__edge")).to_have_count(0)
    page.keyboard.press(f"{mod}+z")
    expect(page.locator('.react-flow__node[data-id="done"]')).to_have_count(1)
    expect(page.locator(".react-flow__edge")).to_have_count(1)

    page.keyboard.press("Escape")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_contain_text("Undo")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_have_count(0)


def test_a_draft_the_server_refuses_says_why_and_is_not_retried_in_a_loop(page, live_server_url, login):
    journey = make_journey(graph={"nodes": [], "edges": []}, name="Named", publish=False)
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)
    saves = []
    page.on("request", lambda request: request.method == "PATCH" and saves.append(request.url))

    page.get_by_label("Journey name").fill("")

    expect(page.locator('[data-testid="save-state"]')).to_contain_text("Save failed: name:")
    page.wait_for_timeout(2500)
    assert len(saves) == 1
    page.get_by_label("Journey name").fill("Renamed")
    expect(page.locator('[data-testid="save-state"]')).to_have_text("Saved")
    journey.refresh_from_db()
    assert journey.name == "Renamed"


def test_publishing_over_waiting_customers_asks_where_they_go(page, live_server_url, login):
    from journeys import services
    from journeys.engine.loop import run_engine
    from journeys.models import Enrollment

    graph = make_graph(
        [
            node("start", "api_trigger", label="Start"),
            node("hold", "wait", {"mode": "duration", "seconds": 86400}, label="Hold a day"),
            node("done", "exit", label="Done"),
        ],
        [("start", "next", "hold"), ("hold", "next", "done")],
    )
    for index, spot in enumerate(graph["nodes"]):
        spot["position"] = {"x": 0, "y": index * 220}
    journey = make_journey(graph=graph, name="Migrate")
    for customer in ("ada", "bob"):
        services.enrollment_create_from_api(journey=journey, external_id=customer)
    run_engine(seconds=10, idle_exit=True)
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)

    expect(count(page, "hold", "waiting")).to_have_text("2")
    select(page, "hold")
    expect(page.locator('[data-testid="waiting-notice"]')).to_contain_text("2 customers are waiting here")
    # Someone is here, so the list is already open.
    page.locator(".customers__list").get_by_role("button", name="ada").click()
    expect(page.get_by_role("dialog", name="Customer history")).to_contain_text("waiting 1 day")
    page.get_by_role("dialog", name="Customer history").get_by_role("button", name="Close").click()

    page.get_by_role("button", name="Delete step").click()
    connect(page, "start", "next", "done")
    publish = page.get_by_role("button", name="Publish", exact=True)
    expect(publish).to_be_enabled()
    publish.click()
    dialog = page.get_by_role("dialog", name="Publish")
    expect(dialog).to_contain_text("2 customers are inside")
    expect(dialog.get_by_test_id("migrate-timers")).to_have_count(0)
    dialog.get_by_label("Move them to the new version").check()
    expect(dialog.get_by_test_id("migrate-timers")).to_contain_text("keep the time they were due to go on")
    dialog.get_by_label("New step for hold").select_option("done")
    dialog.get_by_role("button", name="Publish").click()

    expect(page.get_by_role("status")).to_contain_text("Published version 2: 2 moved")
    assert set(Enrollment.objects.filter(journey=journey).values_list("version__number", "node_id")) == {(2, "done")}


def test_versions_lifecycle_and_export_import_from_the_toolbar(page, live_server_url, login, tmp_path):
    graph = make_graph(
        [node("start", "api_trigger", label="Start"), node("done", "exit", label="Done")], [("start", "next", "done")]
    )
    graph["nodes"][1]["position"] = {"x": 0, "y": 200}
    journey = make_journey(graph=graph, name="Versioned")
    login(page, make_user(role=roles.MARKETERS))
    open_editor(page, live_server_url, journey)

    # Nothing to publish until the draft differs from the live version.
    publish = page.get_by_role("button", name="Publish", exact=True)
    expect(publish).to_be_disabled()
    # Edit the draft, then look at the published version 1: read-only, as it was.
    select(page, "done")
    field(page, "label").locator("input").fill("Finished")
    expect(page.locator('[data-testid="save-state"]')).to_have_text("Saved")
    expect(publish).to_be_enabled()
    page.get_by_label("Version").select_option("1")
    expect(page.locator(".version-banner")).to_contain_text("version 1")
    expect(page.locator('.react-flow__node[data-id="done"] [data-testid="node-label"]')).to_have_text("Done")
    expect(page.locator(".palette")).to_have_count(0)
    page.get_by_label("Version").select_option("")
    expect(page.locator('.react-flow__node[data-id="done"] [data-testid="node-label"]')).to_have_text("Finished")

    # Lifecycle buttons follow the status.
    page.get_by_role("button", name="Pause").click()
    expect(page.locator('[data-testid="status"]')).to_have_text("paused")
    page.get_by_role("button", name="Resume").click()
    expect(page.locator('[data-testid="status"]')).to_have_text("live")

    # Export downloads the envelope; importing it makes a new draft that opens.
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    exported = tmp_path / "journey.json"
    download.value.save_as(exported)
    document = json.loads(exported.read_text())
    assert document["format"] == "cjo.journey"
    assert [n["data"]["label"] for n in document["graph"]["nodes"]] == ["Start", "Finished"]

    page.locator('.toolbar input[type="file"]').set_input_files(str(exported))
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1] not in ("", str(journey.pk)))
    expect(page.locator(".editor-shell")).to_have_attribute("data-ready", "true")
    expect(page.locator('[data-testid="status"]')).to_have_text("draft")
    expect(page.locator('.react-flow__node[data-id="done"] [data-testid="node-label"]')).to_have_text("Finished")
    assert Journey.objects.count() == 2
