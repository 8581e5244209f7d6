"""Anomaly detection: precision, recall and false alerts on series with planted anomalies.

    .venv/bin/python bench/anomaly.py [--series 200] [--days 90] [--seed 1]

Each series (bench/synthetic/series.py) has a weekly season, noise, drift and 1-3 planted
anomalies (spikes, drops to zero, level shifts). The production detector
(journeys.monitoring.detector) judges every hour that has two weeks of history, exactly as the
hourly job does, and groups unusual hours into episodes (alerts). An alert that overlaps a
planted anomaly is a true one; a planted anomaly with an overlapping alert is found.

- precision: true alerts / all alerts; recall: found anomalies / planted anomalies;
- false_alerts_per_series_month: alerts overlapping nothing, per series and 30 days judged.

Pure computation: no database. Prints one JSON line.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic.series import make_series
from journeys.monitoring.detector import HOURS_IN_WEEK, MIN_WEEKS, episodes, judge


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    alerts = true_alerts = planted = found = 0
    by_kind: dict[str, list[int]] = {}
    judged_hours = 0
    for number in range(args.series):
        series = make_series(args.seed * 100_000 + number, days=args.days)
        start = MIN_WEEKS * HOURS_IN_WEEK
        found_episodes = episodes(judge(series.counts, start=start))
        judged_hours += len(series.counts) - start
        for episode in found_episodes:
            alerts += 1
            if any(episode.start <= truth.end and truth.start <= episode.end for truth in series.planted):
                true_alerts += 1
        for truth in series.planted:
            planted += 1
            hit = any(episode.start <= truth.end and truth.start <= episode.end for episode in found_episodes)
            found += hit
            by_kind.setdefault(truth.kind, [0, 0])
            by_kind[truth.kind][0] += hit
            by_kind[truth.kind][1] += 1
    months = judged_hours / (30 * 24)
    result = {
        "series": args.series,
        "days": args.days,
        "planted": planted,
        "alerts": alerts,
        "precision": round(true_alerts / alerts, 4) if alerts else 1.0,
        "recall": round(found / planted, 4) if planted else 1.0,
        "false_alerts_per_series_month": round((alerts - true_alerts) / months, 4),
        "recall_by_kind": {kind: round(hit / total, 4) for kind, (hit, total) in sorted(by_kind.items())},
        "seconds": round(time.perf_counter() - started, 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
