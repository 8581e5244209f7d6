"""The canvas in a real browser: how soon a big journey is usable, and how soon counts move.

    .venv/bin/python bench/canvas.py [--nodes 200] [--loads 8] [--samples 40] [--interval 1.5]

Starts its own server (`manage.py web`) and one engine worker on the benchmarks' database,
makes a live journey of `--nodes` steps (event trigger, a one-day wait, then a chain of
attribute updates ending in an exit, placed on a grid), and drives Debian's Chromium with
Playwright:

- load: from `page.goto` of the editor to its root reporting `data-ready="true"` (graph
  drawn and measured, catalog loaded), a fresh page each time after one warm-up load.
- live: one `track` event at a time enters a new customer. A watcher polls the trigger's
  `entered` counter in PostgreSQL every 5 ms and notes when each new value is first visible
  (the worker's commit, give or take the poll), while a MutationObserver in the page notes
  when the node's count shows it. The delay is the difference of the two wall clocks (one
  machine). The server pushes at most one snapshot a second per socket, so events are spaced
  `--interval` seconds apart by default; a shorter interval measures the coalescing as well.

Prints its figures on stderr and one JSON line on stdout.
"""

import argparse
import base64
import http.client
import itertools
import json
import math
import os
import shutil
import statistics
import threading
import time
import uuid

from common import (
    ROOT,
    graph_node,
    log,
    percentile,
    reset_bench_database,
    running_server,
    setup_django,
    use_bench_database,
)

POLL_SECONDS = 0.005
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "bench-canvas-password"

# Records, in the page, when the trigger's entered count first shows each value (epoch ms).
OBSERVE_COUNT = """
(nodeId) => {
  window.__countSeen = {};
  const cell = document.querySelector(`.react-flow__node[data-id="${nodeId}"] [data-testid="count-entered"]`);
  const note = () => { window.__countSeen[cell.textContent] ??= performance.timeOrigin + performance.now(); };
  note();
  new MutationObserver(note).observe(cell, { childList: true, characterData: true, subtree: true });
}
"""


# Notes when each websocket message arrives, to split the delay into server and page parts.
RECORD_SOCKET = """
window.__socketAt = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', () => window.__socketAt.push(performance.timeOrigin + performance.now()));
  }
};
"""


def rounded(value: float) -> int | None:
    """Whole milliseconds; None for the NaN of an empty sample, so the JSON line stays valid."""
    return None if math.isnan(value) else round(value)


def big_graph(size: int, event: str) -> dict:
    """A valid journey of `size` nodes on a 10-column grid, so the canvas does not re-arrange it."""
    nodes = [
        graph_node("trigger", "event_trigger", {"event": event}),
        graph_node("hold", "wait", {"mode": "duration", "seconds": 86400}),
    ]
    for number in range(size - 3):
        nodes.append(
            graph_node(
                f"step-{number}", "update_attribute", {"changes": [{"attribute": f"a{number}", "value": number}]}
            )
        )
    nodes.append(graph_node("done", "exit", {"reason": "end of the chain"}))
    for index, node in enumerate(nodes):
        node["position"] = {"x": (index % 10) * 260, "y": (index // 10) * 180}
        node["data"]["label"] = node["id"]
    edges = [
        {"id": f"e{index}", "source": a["id"], "sourceHandle": "next", "target": b["id"]}
        for index, (a, b) in enumerate(itertools.pairwise(nodes))
    ]
    return {"nodes": nodes, "edges": edges}


def prepare(size: int):
    from django.contrib.auth.models import Group, User

    from journeys import roles, services
    from journeys.models import Source

    event = f"Canvas Probe {uuid.uuid4().hex[:8]}"
    journey = services.journey_create(name=f"bench canvas {time.time():.0f}", graph=big_graph(size, event))
    services.journey_publish(journey=journey)
    user, _ = User.objects.get_or_create(username="bench-canvas")
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get_or_create(name=roles.MARKETERS)[0])
    source = Source(name=f"bench canvas {time.time():.0f}")
    write_key = source.set_new_write_key()
    source.save()
    return journey.pk, event, write_key, source


def stop_journey(journey_id: int) -> None:
    from journeys import services
    from journeys.models import Journey

    services.journey_transition(journey=Journey.objects.get(pk=journey_id), action="stop")


def watch_counter(journey_id: int, seen_at: dict, notified_at: list, stop: threading.Event) -> None:
    """Note when each value of the trigger's entered counter first becomes visible to another
    connection, and when the engine's "counters changed" notifications arrive (PostgreSQL path)."""
    setup_django()
    import psycopg
    from django.db import connection

    from canvas.metrics import NOTIFY_CHANNEL

    params = connection.get_connection_params()
    for option in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(option, None)
    listener = psycopg.connect(**params, autocommit=True)
    listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
    with connection.cursor() as cursor:
        while not stop.is_set():
            for _ in listener.notifies(timeout=0):
                notified_at.append(time.time() * 1000)
            cursor.execute(
                "SELECT coalesce(sum(value), 0) FROM journeys_nodestat"
                " WHERE journey_id = %s AND node_id = 'trigger' AND metric = 'entered'",
                [journey_id],
            )
            seen_at.setdefault(int(cursor.fetchone()[0]), time.time() * 1000)
            time.sleep(POLL_SECONDS)


def track(connection: http.client.HTTPConnection, write_key: str, event: str) -> None:
    auth = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
    body = json.dumps({"userId": f"canvas-{uuid.uuid4().hex}", "event": event})
    connection.request("POST", "/v1/track", body, {"Authorization": auth, "Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"/v1/track answered {response.status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200, help="steps in the journey (at most 500)")
    parser.add_argument("--loads", type=int, default=8, help="timed editor loads")
    parser.add_argument("--samples", type=int, default=40, help="events whose count change is timed")
    parser.add_argument("--interval", type=float, default=1.5, help="seconds between those events")
    args = parser.parse_args()
    if not 3 <= args.nodes <= 500:
        parser.error("--nodes must be between 3 and 500")
    if args.loads < 1 or args.samples < 0:
        parser.error("--loads must be at least 1 and --samples at least 0")
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not chromium:
        raise SystemExit("Chromium is missing: apt-get install -y chromium")
    if not (ROOT / "frontend" / "dist" / ".vite" / "manifest.json").exists():
        raise SystemExit("The canvas is not built: make frontend")

    database = use_bench_database()
    setup_django()
    reset_bench_database(database)
    journey_id, event, write_key, source = prepare(args.nodes)

    seen_at: dict[int, float] = {}
    notified_at: list[float] = []
    stop = threading.Event()
    loads, delays, socket_delays, notify_delays = [], [], [], []
    try:
        from playwright.sync_api import sync_playwright

        with running_server(engine_seconds=3600) as (port, _server), sync_playwright() as playwright:
            base = f"http://127.0.0.1:{port}"
            editor_url = f"{base}/journeys/{journey_id}/"
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            context.add_init_script(RECORD_SOCKET)
            page = context.new_page()
            page.goto(f"{base}/login/")
            page.fill("input[name=username]", "bench-canvas")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/login/" not in url)

            log(f"loading the editor of a {args.nodes}-node journey: 1 warm-up + {args.loads} timed loads")
            for number in range(args.loads + 1):
                fresh = context.new_page()
                began = time.perf_counter()
                fresh.goto(editor_url)
                fresh.wait_for_selector('.editor-shell[data-ready="true"]', timeout=30_000)
                elapsed = (time.perf_counter() - began) * 1000
                if number:
                    loads.append(elapsed)
                drawn = fresh.locator(".react-flow__node").count()
                if drawn != args.nodes:
                    raise SystemExit(f"the editor drew {drawn} nodes, not {args.nodes}")
                fresh.close()
            log(f"  navigation to interactive: median {statistics.median(loads):.0f} ms, max {max(loads):.0f} ms")

            page.goto(editor_url)
            page.wait_for_selector('.editor-shell[data-ready="true"]')
            page.wait_for_selector('[data-testid="connection"]:has-text("Live")')
            page.evaluate(OBSERVE_COUNT, "trigger")
            watcher = threading.Thread(target=watch_counter, args=(journey_id, seen_at, notified_at, stop), daemon=True)
            watcher.start()
            ingest = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            log(f"timing {args.samples} counter changes, one event every {args.interval} s")
            for value in range(1, args.samples + 1):
                track(ingest, write_key, event)
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    shown = page.evaluate("(v) => window.__countSeen[String(v)] ?? null", value)
                    if shown is not None and value in seen_at:
                        delays.append(shown - seen_at[value])
                        arrivals = page.evaluate("() => window.__socketAt")
                        arrived = min((t for t in arrivals if t >= seen_at[value]), default=shown)
                        socket_delays.append(arrived - seen_at[value])
                        heard = min((t for t in notified_at if t >= seen_at[value] - 50), default=None)
                        if heard is not None:
                            notify_delays.append(max(0.0, heard - seen_at[value]))
                        break
                    time.sleep(0.02)
                else:
                    log(f"  count {value} did not show within 15 s")
                time.sleep(args.interval)
            browser.close()
    finally:
        stop.set()
        # Events keep their source, so it is retired rather than deleted; the journey stops so
        # later runs' engines have nothing of it to do.
        source.is_active = False
        source.save(update_fields=["is_active"])
        stop_journey(journey_id)

    figures = {
        "nodes": args.nodes,
        "load_median_ms": round(statistics.median(loads)),
        "load_max_ms": round(max(loads)),
        "count_delay_p50_ms": rounded(percentile(delays, 0.50)),
        "count_delay_p95_ms": rounded(percentile(delays, 0.95)),
        "count_delay_max_ms": round(max(delays)) if delays else None,
        # The part of the delay until the snapshot reached the browser; the rest is drawing it.
        "socket_delay_p50_ms": rounded(percentile(socket_delays, 0.50)),
        "socket_delay_p95_ms": rounded(percentile(socket_delays, 0.95)),
        # ...and the part until the engine's notification reached a listening connection.
        "notify_delay_p50_ms": rounded(percentile(notify_delays, 0.50)),
        "samples": len(delays),
        "missed": args.samples - len(delays),
    }
    log(
        f"  step committed to count shown: p50 {figures['count_delay_p50_ms']} ms,"
        f" p95 {figures['count_delay_p95_ms']} ms, max {figures['count_delay_max_ms']} ms"
    )
    print(json.dumps({"bench": "canvas", "interval_s": args.interval, "database": database, **figures}))


if __name__ == "__main__":
    main()
