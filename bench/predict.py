"""Predictive scores at scale: feature building + training time, scoring rate, memory, quality against planted truth.

    .venv/bin/python bench/predict.py [--customers 1000000] [--events 20000000] [--keep-data]

Generates customers and events with `bench.synthetic` (the chance of ordering in the 30 days
after a cut-off is planted), trains "likelihood to order" (features in SQL at the cut-off, LightGBM,
one customer in five held out), then scores every customer now with the trained model and writes
the scores (binary COPY). Prints one JSON line:

- `events`: events written (the generator writes the number asked, `events_asked`).
- `train_s`: choosing features, building them for every customer and training (no scoring).
- `score_per_s`: customers scored per second end to end (features in SQL, predict, COPY, commit).
- `peak_rss_mb`: this process's peak resident memory (generation included).
- `auc`: held-out AUC of the model; `auc_limit`: AUC of the planted probabilities on the same
  held-out customers (the best any model can do); `auc_ratio` = auc / auc_limit.
- `calibration_error`: expected calibration error on the held-out customers (10 bins).
"""

import argparse
import json
import resource
import time
from datetime import UTC, datetime

from common import log, reset_bench_database, setup_django, use_bench_database

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--keep-data", action="store_true")
    parser.add_argument("--explain", action="store_true", help="log the plan of one features batch")
    args = parser.parse_args()
    label = use_bench_database()
    setup_django()
    from django.db import connection

    from bench.synthetic import generate_customers
    from journeys.models import Prediction, PredictionTraining, Source
    from journeys.predictions import quality, scoring, services, training

    reset_bench_database(label)
    Prediction.objects.all().delete()
    source, _ = Source.objects.get_or_create(name="bench-predict", defaults={"write_key_hash": "bench-predict"})
    started = time.monotonic()
    planted = generate_customers(
        customers=args.customers,
        events_per_customer=args.events / args.customers,
        now=NOW,
        source_id=source.pk,
        progress=lambda done, events: log(f"generated {done} customers, {events} events"),
        skip_foreign_key_checks=label == "embedded",
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE journeys_customer, journeys_event")
    log(f"generated {planted.events} events in {time.monotonic() - started:.0f} s")

    prediction = services.prediction_create(name="likelihood to order", target_event="Order Completed")
    started = time.monotonic()
    trained = training.train(prediction, now=NOW, progress=lambda stage, f: log(f"{stage} {f:.0%}"))
    train_s = time.monotonic() - started
    log(f"trained in {train_s:.1f} s: {trained.metrics['auc']:.4f}")
    run = PredictionTraining.objects.create(
        prediction=prediction,
        status="done",
        spec=trained.spec,
        metrics=trained.metrics,
        model_text=trained.model_text,
        cutoff=trained.cutoff,
        finished_at=NOW,
    )
    started = time.monotonic()
    scored = scoring.score_everyone(prediction, run, now=NOW)
    score_s = time.monotonic() - started
    log(f"scored {scored} customers in {score_s:.1f} s")

    held = planted.customer_ids % training.HOLDOUT_EVERY == 0
    limit = quality.auc(planted.ordered[held], planted.probability[held])
    result = {
        "customers": args.customers,
        "events": planted.events,  # written, which is the number asked for (`events_asked`)
        "events_asked": args.events,
        "train_s": round(train_s, 1),
        "score_s": round(score_s, 1),
        "score_per_s": round(scored / score_s),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "auc": round(trained.metrics["auc"], 4),
        "auc_limit": round(limit, 4),
        "auc_ratio": round(trained.metrics["auc"] / limit, 4),
        "calibration_error": round(trained.metrics["calibration_error"], 4),
        "holdout": int(held.sum()),
    }
    if args.explain:
        explain(connection, run.spec)
    if not args.keep_data:
        reset_bench_database(label)
    print(json.dumps(result), flush=True)


def explain(connection, spec: dict) -> None:
    from journeys.predictions import features

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM journeys_customer")
        low = cursor.fetchone()[0]
        where = f"ev.customer_id >= {low} AND ev.customer_id < {low + features.BATCH_IDS}"
        query = features.events_query(spec, at=NOW, where=where)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query.replace("%", "%%"))
        log("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
