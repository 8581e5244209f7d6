import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

from tests.factories import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_web_runs_several_daphne_processes_on_one_port_and_stops_them_all():
    port = free_port()
    env = {**os.environ, "DEBUG": "1"}
    web = subprocess.Popen(
        [sys.executable, "manage.py", "web", "--port", str(port), "--processes", "2"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90  # a guard against a hang: a busy machine starts Django slowly
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as response:
                    assert response.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.2)
        children = psutil.Process(web.pid).children()
        assert len(children) == 2
        assert all("daphne" in " ".join(child.cmdline()) for child in children)
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=20)

    assert web.returncode == 0
    assert not any(child.is_running() and child.status() != psutil.STATUS_ZOMBIE for child in children)
