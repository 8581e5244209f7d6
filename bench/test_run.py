"""Test-run latency: a 50-node journey, one test profile, 30 simulated days with 10 injected events.

    .venv/bin/python bench/test_run.py [--runs 20] [--version draft|live] [--same-draft]

Starts its own web server (`manage.py web`, DEBUG=1) on a free port, signs a Marketer in (a
session cookie and a CSRF token, as the canvas has), and times POST /api/journeys/<id>/test-runs/
over HTTP from sending the request to the whole path parsed, after one warm-up request. By
default the draft is edited (a label) before each run, so every request checks and compiles it
afresh; `--same-draft` repeats one draft, as "jump forward" does. The journey has seven stages
of wait, wait for event, attribute update, condition on event history, email or SMS and a split
(the last stage ends at an exit); the made-up profile has consent for email and SMS, so every
message is rendered. Prints one JSON line with p50_ms and p95_ms.
"""

import argparse
import json
import secrets
import time

import requests
from common import graph_node, log, percentile, running_server, setup_django, use_bench_database

DAY = 86400
STAGES = 7


def graph() -> dict:
    """Trigger + 7 stages of 7 nodes: 50 nodes."""
    nodes = [graph_node("enter", "event_trigger", {"event": "Signed Up"})]
    edges = [("enter", "next", "wait-1")]
    for k in range(1, STAGES + 1):
        last = k == STAGES
        nodes += [
            graph_node(f"wait-{k}", "wait", {"mode": "duration", "seconds": 2 * DAY}),
            graph_node(f"viewed-{k}", "wait_for_event", {"event": "Product Viewed", "timeout_seconds": DAY}),
            graph_node(
                f"count-{k}",
                "update_attribute",
                {"changes": [{"attribute": "views", "operation": "increment", "value": 1}]},
            ),
            graph_node(
                f"engaged-{k}",
                "condition",
                {
                    "branches": [
                        {
                            "key": "engaged",
                            "condition": {
                                "type": "event",
                                "event": "Product Viewed",
                                "min_count": 2,
                                "within_days": 30,
                            },
                        }
                    ]
                },
            ),
            graph_node(
                f"email-{k}",
                "send_email",
                {
                    "subject": f"Stage {k} for " + "{{ customer.first_name }}",
                    "body": "<p>Hello {{ customer.first_name }}, you viewed {{ customer.views|default:0 }} things.</p>",
                },
            ),
            graph_node(f"sms-{k}", "send_sms", {"body": "Hi {{ customer.first_name }}: stage " + str(k)}),
            graph_node(f"exit-{k}", "exit")
            if last
            else graph_node(
                f"split-{k}", "split", {"variants": [{"key": "A", "weight": 50}, {"key": "B", "weight": 50}]}
            ),
        ]
        tail = f"exit-{k}" if last else f"split-{k}"
        edges += [
            (f"wait-{k}", "next", f"viewed-{k}"),
            (f"viewed-{k}", "matched", f"count-{k}"),
            (f"viewed-{k}", "timeout", f"engaged-{k}"),
            (f"count-{k}", "next", f"engaged-{k}"),
            (f"engaged-{k}", "engaged", f"email-{k}"),
            (f"engaged-{k}", "else", f"sms-{k}"),
            (f"email-{k}", "next", tail),
            (f"sms-{k}", "next", tail),
        ]
        if not last:
            edges += [(f"split-{k}", "A", f"wait-{k + 1}"), (f"split-{k}", "B", f"wait-{k + 1}")]
    return {
        "nodes": nodes,
        "edges": [{"id": f"e{i}", "source": s, "sourceHandle": p, "target": t} for i, (s, p, t) in enumerate(edges)],
    }


def request_body(version: str) -> dict:
    # Ten views spread over the month: some land inside a wait for event, some during a plain wait.
    offsets_hours = [5, 30, 55, 80, 130, 200, 260, 390, 500, 650]
    return {
        "version": version,
        "profile": {
            "external_id": "bench-tester",
            "email": "tester@example.com",
            "phone": "+15555550100",
            "traits": {"first_name": "Bea", "plan": "pro"},
            "consent": {"email": "subscribed", "sms": True},
        },
        "trigger_properties": {"source": "bench"},
        "events": [
            {"event": "Product Viewed", "offset_seconds": hours * 3600, "properties": {"sku": f"S-{i}"}}
            for i, hours in enumerate(offsets_hours)
        ],
        "horizon_seconds": 30 * DAY,
    }


def signed_in_session(user) -> tuple[dict, dict]:
    """(cookies, headers) of a signed-in browser: a session row and a CSRF token pair."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    token = secrets.token_hex(16)  # 32 characters, the length of a CSRF secret
    cookies = {settings.SESSION_COOKIE_NAME: session.session_key, settings.CSRF_COOKIE_NAME: token}
    return cookies, {"X-CSRFToken": token, "Content-Type": "application/json"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--version", choices=["draft", "live"], default="draft")
    parser.add_argument(
        "--same-draft",
        action="store_true",
        help="run the same draft every time (as 'jump forward' does); by default each run follows an edit",
    )
    args = parser.parse_args()

    label = use_bench_database()
    setup_django()
    from django.contrib.auth.models import Group, User

    from journeys import services
    from journeys.roles import MARKETERS

    journey = services.journey_create(name=f"bench test run {time.time():.0f}", graph=graph())
    if args.version == "live":
        services.journey_publish(journey=journey)
    user, _ = User.objects.get_or_create(username="bench-marketer")
    user.groups.add(Group.objects.get_or_create(name=MARKETERS)[0])
    cookies, headers = signed_in_session(user)
    body = json.dumps(request_body(args.version))
    log(f"{len(graph()['nodes'])} nodes, {args.runs} runs of the {args.version} ({label})")

    timings, steps, messages = [], 0, 0
    with running_server() as (port, _server), requests.Session() as http:
        url = f"http://127.0.0.1:{port}/api/journeys/{journey.pk}/test-runs/"
        http.cookies.update(cookies)
        for run in range(args.runs + 1):
            if args.version == "draft" and not args.same_draft:
                # An edit between runs, as a marketer makes: the server checks and compiles the draft afresh.
                edited = graph()
                edited["nodes"][0]["data"]["label"] = f"Signed up (edit {run})"
                type(journey).objects.filter(pk=journey.pk).update(graph=edited)
            started = time.perf_counter()
            response = http.post(url, data=body, headers=headers, timeout=60)
            result = response.json()
            elapsed_ms = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"test run failed: {response.status_code} {result}")
            if run == 0:
                continue  # warm-up: imports, the first connection, the catalog
            timings.append(elapsed_ms)
            steps = len(result["steps"])
            messages = sum(len(step["messages"]) for step in result["steps"])
    log(f"path of {steps} steps with {messages} messages; status {result['status']} at {result['node_id']}")
    journey.delete()
    print(
        json.dumps(
            {
                "bench": "test_run",
                "version": args.version,
                "draft_edited_between_runs": args.version == "draft" and not args.same_draft,
                "nodes": len(graph()["nodes"]),
                "simulated_days": 30,
                "injected_events": 10,
                "runs": args.runs,
                "steps": steps,
                "messages": messages,
                "p50_ms": round(percentile(timings, 0.5), 1),
                "p95_ms": round(percentile(timings, 0.95), 1),
                "max_ms": round(max(timings), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
