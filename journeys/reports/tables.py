"""The report pages' tables as plain rows of text: the page renders them and the CSV export writes them, so the
two always show the same figures, formatted the same way."""

import csv
import io
from dataclasses import dataclass, field

from journeys.experiments import stats

MISSING = "n/a"


@dataclass
class Table:
    name: str  # used in ?table=... for the CSV export
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def pct(value: float | None, digits: int = 2) -> str:
    return MISSING if value is None else f"{value * 100:.{digits}f}%"


def points(value: float | None) -> str:
    """A difference of rates in percentage points, signed."""
    return MISSING if value is None else f"{value * 100:+.2f} pp"


def decimal(value: float | None, digits: int = 4) -> str:
    return MISSING if value is None else f"{value:.{digits}f}"


def interval(figure: dict | None, fmt) -> str:
    if not figure or figure.get("low") is None or figure.get("high") is None:
        return MISSING
    return f"[{fmt(figure['low'])}, {fmt(figure['high'])}]"


def _value(figure: dict | None, fmt) -> str:
    if not figure or figure.get("value") is None:
        return MISSING
    return fmt(figure["value"])


def p_value(value: float | None) -> str:
    if value is None:
        return MISSING
    return "< 0.0001" if value < 0.0001 else f"{value:.4f}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return MISSING
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.1f} s"


def count(value: int) -> str:
    return f"{value:,}"


def variants_table(name: str, title: str, summary: dict, *, holm: bool) -> Table:
    columns = [
        "Variant",
        "Role",
        "Exposed",
        "Conversions",
        "Rate",
        "Rate 95% CI",
        "Difference",
        "Difference 95% CI",
        "Relative lift",
        "Lift 95% CI",
        "p-value",
    ]
    if holm:
        columns.append("Holm p-value")
    columns.append("Chance to beat control")
    table = Table(name, title, columns)
    for v in summary["variants"]:
        row = [
            v["key"],
            "control" if v["control"] else "variant",
            count(v["exposed"]),
            count(v["conversions"]),
            _value(v["rate"], pct),
            interval(v["rate"], pct),
            _value(v["difference"], points),
            interval(v["difference"], points),
            _value(v["relative_lift"], pct),
            interval(v["relative_lift"], pct),
            _value(v["p_value"], p_value),
        ]
        if holm:
            row.append(_value(v["p_value_adjusted"], p_value))
        row.append(_value(v["chance_to_beat_control"], decimal))
        table.rows.append(row)
        for label, figure in (
            ("difference", v["difference"]),
            ("lift", v["relative_lift"]),
            ("p-value", v["p_value"]),
        ):
            if figure and figure.get("note"):
                table.notes.append(f"{v['key']} {label}: {figure['note']}")
    table.notes += list(summary.get("notes") or [])
    return table


def experiment_tables(report: dict) -> list[Table]:
    tables = [variants_table("variants", "Primary metric: the journey goal", report["primary"], holm=report["holm"])]
    for metric in report["metrics"]:
        kind = "Guardrail" if metric["kind"] == "guardrail" else "Secondary"
        title = f"{kind} metric: {metric['event']} within {metric['window_days']} days"
        holm = metric["kind"] == "secondary" and report["holm"]
        table = variants_table(f"metric-{metric['id']}", title, metric["summary"], holm=holm)
        if metric["kind"] == "guardrail":
            table.notes.append("guardrail: watched for harm, not corrected for multiple comparisons")
        tables.append(table)

    checks = Table("checks", "Health checks", ["Check", "Level", "Result", "Method"])
    for check in report["primary"]["checks"]:
        checks.rows.append([check["name"].replace("_", " "), check["level"], check["message"], check["method"]])
    tables.append(checks)

    series = Table(
        "series",
        f"Goal conversion over time (cumulative, per {report['series_unit']})",
        ["Period (UTC)", "Variant", "Exposed", "Conversions", "Rate", "Rate 95% CI"],
    )
    for point in report["series"]:
        for key, v in point["variants"].items():
            series.rows.append(
                [point["period"], key, count(v["exposed"]), count(v["conversions"]), pct(v["rate"]), interval(v, pct)]
            )
    tables.append(series)

    decisions = Table("decisions", "Decisions", ["When", "Decision", "Variant", "By", "Note"])
    for d in report["decisions"]:
        decisions.rows.append(
            [
                _when(d["decided_at"]),
                "winner declared" if d["kind"] == "winner" else "stopped",
                d["variant"],
                d["decided_by"] or MISSING,
                d["note"],
            ]
        )
    tables.append(decisions)
    # The figures each decision was taken on, kept with it, so the history can be read later as it stood.
    for number, d in enumerate(reversed(report["decisions"]), start=1):
        primary = (d.get("figures") or {}).get("primary")
        if primary:
            what = f"{d['variant']} declared the winner" if d["kind"] == "winner" else f"stopped, to {d['variant']}"
            title = f"Figures at decision {number} ({what}, {_when(d['decided_at'])})"
            holm = bool((d.get("figures") or {}).get("holm"))
            tables.append(variants_table(f"decision-{number}", title, primary, holm=holm))

    allocations = Table(
        "allocations", "Bandit reallocations", ["When", "Variant", "Exposed", "Conversions", "New weight"]
    )
    for a in report["allocations"]:
        for key, weight in a["weights"].items():
            exposed, conversions = a["counts"].get(key, [0, 0])
            allocations.rows.append([_when(a["at"]), key, count(exposed), count(conversions), f"{weight:.2f}%"])
    tables.append(allocations)
    return tables


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if hasattr(value, "strftime") else str(value)


def journey_tables(report: dict) -> list[Table]:
    funnel = Table("funnel", "Funnel", ["Step", "Node", "Customers", "Share of entries"])
    for row in report["funnel"]:
        funnel.rows.append([row["step"], row["node_id"] or MISSING, count(row["count"]), pct(row["share"], 1)])
    funnel.notes.append("a node counts every arrival, so a node inside a loop can exceed the entries")

    conversion = Table("conversion", "Conversion over time", ["Day", "Entered", "Converted", "Cumulative rate"])
    for row in report["conversion_series"]:
        conversion.rows.append(
            [row["day"], count(row["entered"]), count(row["converted"]), pct(row["cumulative_rate"])]
        )
    conversion.notes.append("rate: " + report["conversion_method"])

    time = Table("time", "Time spent per node", ["Node", "Finished waits", "Waiting now", "Median", "p90"])
    for row in report["time_per_node"]:
        time.rows.append(
            [
                row["label"],
                count(row["finished_waits"]),
                count(row["waiting_now"]),
                duration(row["median_seconds"]),
                duration(row["p90_seconds"]),
            ]
        )
    time.notes.append("median and p90 " + report["dwell_method"] + "; nodes that never hold a customer are left out")

    exits = Table("exits", "Exits by reason", ["Reason", "Customers", "Share of exits"])
    for row in report["exits_by_reason"]:
        exits.rows.append([row["reason"], count(row["count"]), pct(row["share"], 1)])

    deliveries = Table("deliveries", "Deliveries by channel and status", ["Channel", "Status", "Messages"])
    for row in report["deliveries"]:
        deliveries.rows.append([row["channel"], row["status"], count(row["count"])])

    flows = Table("flows", "Most common routes (customers per connection)", ["From", "Port", "To", "Customers"])
    for row in report["flows"]:
        flows.rows.append([row["from"], row["port"] or MISSING, row["to"], count(row["count"])])
    return [funnel, conversion, time, exits, deliveries, flows]


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.rows:
        # A cell starting with = + - @ (or a tab or carriage return before one) would run as a formula in a
        # spreadsheet; a leading quote keeps it text.
        writer.writerow(
            [
                "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not _numeric(cell) else cell
                for cell in row
            ]
        )
    return out.getvalue()


def _numeric(cell: str) -> bool:
    try:
        float(cell.replace(",", "").replace("%", "").replace(" pp", ""))
    except ValueError:
        return False
    return True


METHODS = [
    ("Rate", stats.METHOD_RATE),
    ("Difference", stats.METHOD_DIFFERENCE),
    ("Relative lift", stats.METHOD_LIFT),
    ("p-value", stats.METHOD_P_VALUE),
    ("Holm p-value", stats.METHOD_P_ADJUSTED + " over the variants compared with the control"),
    ("Chance to beat control", stats.METHOD_CHANCE_TO_BEAT),
]
