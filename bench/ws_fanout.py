"""Websocket fan-out: many canvases watching one journey while another process commits engine steps.

    .venv/bin/python bench/ws_fanout.py [--clients 200] [--seconds 20] [--rate 5] [--processes N]
                                        [--history-days 90 [--totals]]

A live journey (API trigger -> wait a day) is served by a real server (`manage.py web`: daphne
processes on one socket). `--clients` websocket clients, logged in as a Reviewer, subscribe to
its live counters (`/ws/journeys/<id>/metrics/`). Once all have their first snapshot, a separate
process commits engine work `--rate` times a second for `--seconds`: each time one customer
enters (an engine transaction bumping the counters, announced after commit) and a tick moves
them on to the wait. It notes the wall-clock time of each entry's commit.

Entry number n is in every snapshot whose `start` node has `entered >= n`, so for each client
and each commit the delay is from the commit to the first snapshot that client received showing
it. Updates are coalesced to about one a second per socket on purpose, so delays up to a second
are the design, not a fault. Reported: delay p50/p95/max, messages received, commits a client
never saw, and the CPU of the server processes (psutil; 100 = one core busy) over the stepping
phase. Clients and server share the machine. Prints one JSON line at the end.

`--history-days` first gives the journey that many days of hourly counters on 12 other nodes
(what a busy journey that old has), so every snapshot has more rows to sum; `--totals` then runs
the hourly counter-totals job before the subscribers connect, as production would have.
"""

import argparse
import asyncio
import json
import sys
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

CONNECT_CONCURRENCY = 50
SETTLE_SECONDS = 3.0


def add_history(journey_id: int, days: int) -> int:
    """Hourly counters for `days` days on 12 nodes the customers never reach; the rows written."""
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO journeys_nodestat (journey_id, node_id, metric, hour, shard, value)"
            " SELECT %s, 'old' || n, m, date_trunc('hour', %s::timestamptz) - make_interval(hours => h), s, 1"
            " FROM generate_series(1, 12) n,"
            " unnest(ARRAY['entered', 'passed:next', 'exited', 'converted', 'errored']) m,"
            " generate_series(1, %s) h, generate_series(0, 1) s",
            [journey_id, timezone.now(), days * 24],
        )
        written = cursor.rowcount
        cursor.execute("ANALYZE journeys_nodestat")
    return written


def make_journey_and_session() -> tuple[int, str]:
    """A live journey to watch and a Reviewer's session cookie to watch it with."""
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from journeys import services
    from journeys.roles import REVIEWERS

    graph = {
        "nodes": [
            graph_node("start", "api_trigger"),
            graph_node("wait", "wait", {"mode": "duration", "seconds": 86400}),
        ],
        "edges": [{"id": "a", "source": "start", "sourceHandle": "next", "target": "wait"}],
    }
    journey = services.journey_create(name=f"bench ws fan-out {time.time():.0f}", graph=graph)
    services.journey_publish(journey=journey)
    user = User.objects.create_user(username=f"bench-ws-{uuid.uuid4().hex[:10]}", password=uuid.uuid4().hex)
    user.groups.add(Group.objects.get_or_create(name=REVIEWERS)[0])
    client = Client()
    client.force_login(user)
    return journey.pk, client.cookies["sessionid"].value


# --- the stepping process


def stepper(journey_id: int, rate: float, seconds: float) -> None:
    """Commit one entry (and a tick moving it on) `rate` times a second; print each entry's commit time."""
    setup_django()
    from django.db import transaction
    from django.utils import timezone

    from journeys.engine.batch import BatchWriter
    from journeys.engine.entry import Entrant, enroll
    from journeys.engine.tick import tick
    from journeys.models import Customer

    interval = 1.0 / rate
    start = time.monotonic()
    for number in range(1, int(rate * seconds) + 1):
        time.sleep(max(0.0, start + (number - 1) * interval - time.monotonic()))
        committed: list[float] = []
        with transaction.atomic():
            # Registered first, so it runs right at commit, before the counters are announced.
            transaction.on_commit(lambda committed=committed: committed.append(time.time()))
            customer = Customer.objects.create(external_id=f"ws-fanout-{uuid.uuid4().hex}")
            writer = BatchWriter(timezone.now())
            enroll(writer=writer, journey_id=journey_id, node_id="start", entrants=[Entrant(customer.pk, "bench")])
            writer.flush()
        print(json.dumps({"n": number, "at": committed[0]}), flush=True)
        tick(now=timezone.now())


# --- the subscribers


async def subscriber(url: str, headers: dict, inbox: list, ready: asyncio.Event, stop: asyncio.Event, limit):
    import websockets

    async with limit:
        connection = await websockets.connect(url, additional_headers=headers, open_timeout=30, max_queue=None)
    try:
        while not stop.is_set():
            try:
                message = await asyncio.wait_for(connection.recv(), timeout=0.5)
            except TimeoutError:
                continue
            received = time.time()
            body = json.loads(message)
            if body.get("type") != "snapshot":
                continue
            inbox.append((received, body["nodes"].get("start", {}).get("entered", 0)))
            ready.set()
    finally:
        await connection.close()


def server_processes(server):
    import psutil

    parent = psutil.Process(server.pid)
    return [parent, *parent.children(recursive=True)]


def cpu_seconds(processes) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except Exception:  # a process that ended meanwhile adds nothing more
            pass
    return total


async def run_clients(args, port: int, journey_id: int, session: str, server) -> dict:
    import psutil

    url = f"ws://127.0.0.1:{port}/ws/journeys/{journey_id}/metrics/"
    headers = {"Cookie": f"sessionid={session}", "Origin": f"http://127.0.0.1:{port}"}
    inboxes = [[] for _ in range(args.clients)]
    readies = [asyncio.Event() for _ in range(args.clients)]
    stop = asyncio.Event()
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY)
    tasks = [
        asyncio.create_task(subscriber(url, headers, inboxes[i], readies[i], stop, limit)) for i in range(args.clients)
    ]
    began = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in readies)), timeout=120)
    log(f"{args.clients} subscribers connected with a snapshot each in {time.monotonic() - began:.1f} s")

    processes = server_processes(server)
    own = psutil.Process()
    server_cpu_before, own_cpu_before, wall_before = cpu_seconds(processes), cpu_seconds([own]), time.monotonic()
    for inbox in inboxes:
        inbox.clear()
    step_process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--stepper",
        str(journey_id),
        "--rate",
        str(args.rate),
        "--seconds",
        str(args.seconds),
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    commits = {}
    async for line in step_process.stdout:
        record = json.loads(line)
        commits[record["n"]] = record["at"]
    await step_process.wait()
    await asyncio.sleep(SETTLE_SECONDS)  # the last coalesced update is at most a second away
    wall = time.monotonic() - wall_before
    server_cpu = cpu_seconds(processes) - server_cpu_before
    own_cpu = cpu_seconds([own]) - own_cpu_before
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)

    delays, missed = [], 0
    for inbox in inboxes:
        for number, committed_at in commits.items():
            seen = next((received for received, entered in inbox if entered >= number), None)
            if seen is None:
                missed += 1
            else:
                delays.append((seen - committed_at) * 1000)
    messages = sum(len(inbox) for inbox in inboxes)
    return {
        "commits": len(commits),
        "messages_received": messages,
        "messages_per_client_per_s": round(messages / args.clients / wall, 2),
        "delay_p50_ms": round(percentile(delays, 0.50), 1),
        "delay_p95_ms": round(percentile(delays, 0.95), 1),
        "delay_max_ms": round(max(delays), 1) if delays else None,
        "missed": missed,
        "server_cpu_percent": round(100 * server_cpu / wall, 1),
        "server_processes": len(processes),
        "client_cpu_percent": round(100 * own_cpu / wall, 1),
        "measured_seconds": round(wall, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20, help="how long engine steps are committed")
    parser.add_argument("--rate", type=float, default=5, help="entries committed per second")
    parser.add_argument("--processes", type=int, default=None, help="daphne processes (default: WEB_PROCESSES)")
    parser.add_argument("--history-days", type=int, default=0, help="days of old hourly counters on the journey")
    parser.add_argument("--totals", action="store_true", help="run the counter-totals job before measuring")
    parser.add_argument("--stepper", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stepper is not None:
        stepper(args.stepper, args.rate, args.seconds)
        return

    database = use_bench_database()
    setup_django()
    reset_bench_database(database)
    journey_id, session = make_journey_and_session()
    if args.history_days:
        log(f"{add_history(journey_id, args.history_days):,} rows of counter history")
    if args.totals:
        from journeys.services import node_stat_totals_refresh

        node_stat_totals_refresh()

    with running_server(processes=args.processes) as (port, server):
        time.sleep(1.0)  # every daphne process up, not only the first
        log(f"{args.clients} subscribers, {args.rate:g} commits/s for {args.seconds:g} s")
        figures = asyncio.run(run_clients(args, port, journey_id, session, server))

    log(
        f"  delay p50 {figures['delay_p50_ms']} ms, p95 {figures['delay_p95_ms']} ms, max {figures['delay_max_ms']} ms;"
        f" {figures['messages_received']} messages, {figures['missed']} missed;"
        f" server CPU {figures['server_cpu_percent']}% of a core"
    )
    print(
        json.dumps(
            {
                "bench": "ws_fanout",
                "clients": args.clients,
                "rate": args.rate,
                "seconds": args.seconds,
                "history_days": args.history_days,
                "totals": args.totals,
                "database": database,
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
