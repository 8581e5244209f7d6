"""How long Ctrl-C takes to stop `manage.py serve --demo-traffic`, every process included.

    .venv/bin/python bench/serve_stop.py [--runs 3] [--warm 30]

Uses the benchmarks' own database (bench/common.py), seeds the demo into it, then `--runs`
times: starts `serve --demo-traffic` as `make run` does (LOG_FILE set, default process counts),
waits until the site answers and `--warm` seconds more of demo traffic (engine, delivery and
task queue busy), sends SIGINT to serve alone (as a terminal's Ctrl-C reaches it: the children
lead process groups of their own) and times until serve and every process under it are gone.

Prints progress on stderr and one JSON line: `stop_s` (each run), `stop_s_max`, `target_s` (5),
`terminal_lines` (lines serve wrote to its terminal in the longest-lived run), and `load_1m`
(the machine's load average when the last run stopped: the figure means little on a busy box).
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from common import ROOT, free_port, log, use_bench_database, wait_for_server


def one_run(warm: float) -> tuple[float, int]:
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="serve-stop-"))
    env = {**os.environ, "LOG_FILE": str(folder / "journeys.log")}
    env.pop("PORT", None)
    terminal = folder / "terminal.txt"
    with terminal.open("w") as out:
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port), "--demo-traffic"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        wait_for_server(port, time.monotonic() + 120)
        time.sleep(warm)
        processes = [psutil.Process(serve.pid), *psutil.Process(serve.pid).children(recursive=True)]
        started = time.monotonic()
        serve.send_signal(signal.SIGINT)
        _, alive = psutil.wait_procs(processes, timeout=60)
        stopped = time.monotonic() - started
    if alive:
        raise SystemExit(f"still running a minute after Ctrl-C: {[p.pid for p in alive]}")
    return stopped, len(terminal.read_text().splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warm", type=float, default=30.0, help="seconds of demo traffic before Ctrl-C")
    args = parser.parse_args()
    use_bench_database()
    subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    stops, lines = [], 0
    for run in range(args.runs):
        stopped, lines = one_run(args.warm)
        log(f"run {run + 1}: stopped in {stopped:.2f} s")
        stops.append(round(stopped, 2))
    result = {
        "stop_s": stops,
        "stop_s_max": max(stops),
        "target_s": 5.0,
        "terminal_lines": lines,
        "load_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
