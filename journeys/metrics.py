"""Names and time buckets of the NodeStat counters: the engine writes them, reports and canvases read them.

Both sides import this module, which imports nothing of the project, so neither depends on the other.

- The gauges (`waiting` and the like) are kept in one row per node at `GAUGE_HOUR`, an hour before any
  flow counter; flow counters (`entered`, port names) have a row per node and hour.

- `exit:<reason>`: exits by reason, the reason cut at its first colon ("exit criteria: did X" counts as
  "exit criteria"), so the set of names stays small while free-text details stay in the step log.
- `dwell:<k>`: how long customers waited at a node, in log-spaced buckets. Bucket k holds waits of
  [2^(k/2), 2^((k+1)/2)) seconds (bucket 0 also holds anything under a second), so a percentile read from the
  buckets is within a factor of sqrt(2) of the true one, whatever the scale from seconds to a year.
"""

import math
from datetime import UTC, datetime

GAUGE_HOUR = datetime(1970, 1, 1, tzinfo=UTC)
EXIT_PREFIX = "exit:"
DWELL_PREFIX = "dwell:"
MAX_DWELL_BUCKET = 60  # 2^30 s is 34 years: nothing waits longer
MAX_REASON_CHARS = 60


def exit_metric(reason: str) -> str:
    category = reason.split(":", 1)[0].strip() or "unknown"
    return EXIT_PREFIX + category[:MAX_REASON_CHARS]


def dwell_bucket(seconds: float) -> int:
    if seconds < 1:
        return 0
    return min(MAX_DWELL_BUCKET, math.floor(2 * math.log2(seconds)))


def dwell_metric(seconds: float) -> str:
    return f"{DWELL_PREFIX}{dwell_bucket(seconds)}"


def bucket_bounds(k: int) -> tuple[float, float]:
    """The [low, high) seconds of bucket k (low is 0 for bucket 0)."""
    return (0.0 if k == 0 else 2 ** (k / 2), 2 ** ((k + 1) / 2))
