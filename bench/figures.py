"""The figures of a run: the targets, each endpoint's ratios and whether they were met,
the machine and versions they were measured on, and the table printed at the end."""

from __future__ import annotations

import math
import os
import platform
import re
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import click
from load import WrkResult  # bench/load.py

TARGETS = {
    "dashboard": {"ratio": 0.20, "p99_ms": 50.0},
    "step": {"ratio": 0.20, "p99_ms": 50.0},
    "complete": {"ratio": 0.15},
    "report": {"ratio": 0.10},
    "csv": {"rows_per_s": 20_000, "peak_rss_mb": 150.0},
    "certificate": {"render_vs_reportlab": 6.0, "cached_ratio": 0.5},
}


def _log_errors(log: Path) -> dict[str, int]:
    """Exceptions the LMS logged (their last line, counted), e.g. "database is locked"."""
    counts: dict[str, int] = defaultdict(int)
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return {}
    for line in lines:
        if re.match(r"^[\w.]+(Error|Exception): ", line):
            counts[line[:120]] += 1
    return dict(counts)


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("flask", "werkzeug", "sqlalchemy", "flask-sqlalchemy", "gunicorn", "jinja2"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "missing"
    wrk_v = subprocess.run(
        ["wrk", "--version"],  # noqa: S607 - wrk from PATH, as every measurement uses
        capture_output=True,
        text=True,
        check=False,
    )
    out["wrk"] = (wrk_v.stdout or wrk_v.stderr).split(" [")[0].replace("wrk ", "").strip()
    return out


def endpoint_figures(measured: dict[str, WrkResult]) -> tuple[dict[str, Any], dict[str, bool]]:
    """Each endpoint's figures (ratios to the baseline, latency, server CPU, mark-complete
    counts) and whether it met its target."""
    baseline = measured["baseline"].rps

    def ratio(name: str) -> float | None:
        # to the baseline run just before this one (every LMS run has one)
        r = measured.get(name)
        return round(r.ratio, 3) if r and r.ratio is not None else None

    c = measured["complete"].script

    def cpu(name: str) -> float | None:
        value = measured[name].server_cpu_ms
        return round(value, 3) if value is not None else None

    base_cpu = measured["baseline"].server_cpu_ms
    figures: dict[str, Any] = {
        "baseline_rps": round(baseline, 1),
        "baseline_p50_ms": round(measured["baseline"].p50_ms, 2),
        "baseline_p99_ms": round(measured["baseline"].p99_ms, 2),
        "baseline_server_cpu_ms": cpu("baseline"),
    }
    for name in ("dashboard", "step", "complete", "report"):
        r = measured[name]
        figures[f"{name}_rps"] = round(r.rps, 1)
        figures[f"{name}_ratio"] = ratio(name)
        figures[f"{name}_baseline_rps"] = round(r.baseline_rps, 1) if r.baseline_rps else None
        figures[f"{name}_p50_ms"] = round(r.p50_ms, 2)
        figures[f"{name}_p99_ms"] = round(r.p99_ms, 2)
        figures[f"{name}_server_cpu_ms"] = cpu(name)
        system = r.server_system_ms
        figures[f"{name}_server_system_ms"] = round(system, 3) if system is not None else None
        # what the ratio would be if worker CPU were the only limit: steadier than
        # req/s when other work shares the machine
        figures[f"{name}_cpu_ratio"] = (
            round(base_cpu / r.server_cpu_ms, 3) if base_cpu and r.server_cpu_ms else None
        )
    figures.update(
        {
            "complete_errors": measured["complete"].errors,
            "complete_successes": c.get("ok"),
            "complete_rows_written": c.get("rows_written"),
            "complete_rows_minus_2xx": (c["rows_written"] - c["ok"]) if "ok" in c else None,
            "complete_unanswered": (c["issued"] - c["answered"]) if "issued" in c else None,
            "complete_pool_exhausted": c.get("exhausted"),
            "complete_statuses": c.get("statuses"),
            "get_errors": {
                n: measured[n].errors for n in ("baseline", "dashboard", "step", "report")
            },
            "csv_rows_per_s": None,
            "csv_peak_rss_mb": None,
            "cert_render_vs_reportlab": None,
            "cert_cached_ratio": ratio("certificate"),
            "cert_cached_p99_ms": round(measured["certificate"].p99_ms, 2)
            if "certificate" in measured
            else None,
        }
    )
    checks = {
        "dashboard": figures["dashboard_ratio"] >= TARGETS["dashboard"]["ratio"]
        and figures["dashboard_p99_ms"] <= TARGETS["dashboard"]["p99_ms"],
        "step": figures["step_ratio"] >= TARGETS["step"]["ratio"]
        and figures["step_p99_ms"] <= TARGETS["step"]["p99_ms"],
        "complete": figures["complete_ratio"] >= TARGETS["complete"]["ratio"]
        and figures["complete_errors"] == 0
        and figures["complete_rows_minus_2xx"] == 0,
        "report": figures["report_ratio"] >= TARGETS["report"]["ratio"],
    }
    return figures, checks


def file_targets(figures: dict[str, Any]) -> dict[str, bool]:
    """Whether the CSV export and the certificate figures met their targets."""
    file_checks = {
        "csv": (figures.get("csv_rows_per_s") or 0) >= TARGETS["csv"]["rows_per_s"]
        and (figures.get("csv_peak_rss_mb") or math.inf) <= TARGETS["csv"]["peak_rss_mb"],
        "certificate_render": (figures.get("cert_render_vs_reportlab") or math.inf)
        <= TARGETS["certificate"]["render_vs_reportlab"],
        "certificate_cached": (figures.get("cert_cached_ratio") or 0)
        >= TARGETS["certificate"]["cached_ratio"],
    }
    return file_checks


def print_table(
    measured: dict[str, WrkResult],
    figures: dict[str, Any],
    checks: dict[str, bool],
    file_checks: dict[str, bool],
    profiles: dict[str, Any],
) -> None:
    """The table on stdout: each endpoint against the baseline and its target."""
    rows = [("baseline (minimal Flask)", measured["baseline"], None, "")]
    labels = {
        "dashboard": "learner dashboard  GET /",
        "step": "step page          GET step",
        "complete": "mark step complete POST done",
        "report": "org report         GET /organisations/<id>",
    }
    for name, label in labels.items():
        t = TARGETS[name]
        target = f">= {t['ratio']:.2f}x" + (
            f", p99 <= {t['p99_ms']:.0f} ms" if "p99_ms" in t else ""
        )
        rows.append(
            (
                label,
                measured[name],
                figures[f"{name}_ratio"],
                f"{target}: {'met' if checks[name] else 'MISSED'}",
            )
        )
    click.echo("")
    click.echo(
        f"{'endpoint':44s} {'req/s':>8s} {'ratio':>6s} {'p50 ms':>7s} {'p99 ms':>7s} "
        f"{'errors':>6s} {'CPU ms':>7s}  target"
    )
    for label, r, rt, target in rows:
        click.echo(
            f"{label:44s} {r.rps:8.1f} {fmt(rt):>6s} {r.p50_ms:7.1f} {r.p99_ms:7.1f} "
            f"{r.errors:6d} {fmt(r.server_cpu_ms):>7s}  {target}"
        )
    click.echo("(CPU ms: gunicorn workers' CPU time per answered request)")
    click.echo(
        f"mark complete: {figures['complete_rows_written']} rows written for "
        f"{figures['complete_successes']} successful POSTs "
        f"(rows - successes = {figures['complete_rows_minus_2xx']}), "
        f"statuses {figures['complete_statuses']}"
    )
    click.echo(
        f"CSV export: {fmt(figures.get('csv_rows_per_s'))} rows/s, peak RSS "
        f"{fmt(figures.get('csv_peak_rss_mb'))} MB (target >= 20,000 rows/s under 150 MB: "
        f"{'met' if file_checks['csv'] else 'MISSED'})"
    )
    click.echo(
        f"certificate: render {fmt(figures.get('cert_render_vs_reportlab'))}x reportlab "
        f"(target <= 6: {'met' if file_checks['certificate_render'] else 'MISSED'}), cached "
        f"download {fmt(figures.get('cert_cached_ratio'))}x baseline (target >= 0.5: "
        f"{'met' if file_checks['certificate_cached'] else 'MISSED'})"
    )
    for name, p in profiles.items():
        click.echo(
            f"profile {name}: {p.get('ms_per_request')} ms/request in-process, "
            f"{p.get('queries_per_request')} queries/request -> {p.get('text')}"
        )
