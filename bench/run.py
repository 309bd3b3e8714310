"""Load-test the LMS against a minimal Flask app, both under the same gunicorn settings.

    python bench/run.py                 # full scale: 10,000 learners, 1,000,000 step rows
    python bench/run.py --scale small   # a quick run (CI smoke check)

Seeds a fresh SQLite database (bench/seed.py), serves a minimal Flask app (the baseline,
bench/baseline_app.py) and then the LMS under gunicorn with sync workers, loads each from
loopback with wrk, and prints a table and, as the last line, one JSON object. Every figure
is a ratio to the baseline's requests/s, measured again just before each LMS run (both
servers stay up). Targets are reported, never asserted: the exit status is 0 whenever the
measurements could be made. See bench/README.md.

This is the command and the order of the run; the servers are in bench/servers.py, the
browser that signs in in bench/browser.py, wrk and the mark-complete pairs in bench/load.py,
the mark-complete runs in bench/complete.py, and the figures, targets and table in
bench/figures.py.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import click

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for path in (str(ROOT), str(BENCH)):
    if path not in sys.path:
        sys.path.insert(0, path)

import files  # noqa: E402 - bench/files.py, next to this file
import seed as seeding  # noqa: E402 - bench/seed.py, next to this file
import upkeep  # noqa: E402 - bench/upkeep.py
from browser import USER_AGENT, signed_in_headers  # noqa: E402 - bench/browser.py
from complete import runs as complete_runs  # noqa: E402 - bench/complete.py
from figures import (  # noqa: E402 - bench/figures.py
    _log_errors,
    endpoint_figures,
    file_targets,
    fmt,
    loadavg,
    machine,
    print_table,
    versions,
)
from load import (  # noqa: E402 - bench/load.py
    CONNECTIONS,
    SIGN_IN_RETRIES,
    WrkResult,
    median_result,
    timed,
    wrk,
)
from servers import Server, server_env  # noqa: E402 - bench/servers.py

WARMUP_SECONDS = 1


@click.command()
@click.option(
    "--scale",
    "scale_name",
    type=click.Choice(sorted(seeding.SCALES)),
    default="full",
    show_default=True,
    help="full: 10,000 learners; small: 500 (quick, for CI).",
)
@click.option("--duration", type=float, help="Seconds per measurement [10; small: 5].")
@click.option(
    "--repeat",
    type=int,
    default=1,
    show_default=True,
    help="Measure each endpoint N times; the median run is reported.",
)
@click.option("--workers", type=int, default=None, help="gunicorn sync workers [2 x CPUs].")
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    help="Database file [bench/results/bench-<scale>.sqlite3].",
)
@click.option(
    "--reuse-db",
    is_flag=True,
    help="Keep an existing database of this scale instead of seeding a fresh one.",
)
@click.option(
    "--profile",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Profile endpoints in-process (pyinstrument) when a "
    "target is missed (auto), always, or never.",
)
@click.option(
    "--wait-for-load",
    type=float,
    default=None,
    help="Before measuring, wait (up to 15 min) until the 1-minute load average is "
    "below this: on a shared machine, other work skews the figures.",
)
@click.option(
    "--results",
    "results_dir",
    type=click.Path(path_type=Path),
    default=BENCH / "results",
    show_default=True,
)
def main(
    scale_name: str,
    duration: float | None,
    repeat: int,
    workers: int | None,
    db_path: Path | None,
    reuse_db: bool,
    profile: str,
    wait_for_load: float | None,
    results_dir: Path,
) -> None:
    """Benchmark the LMS against a minimal Flask app (ratios to its requests/s)."""
    if shutil.which("wrk") is None:
        raise click.ClickException("wrk is not installed (apt-get install wrk).")
    try:
        import gunicorn  # noqa: F401
    except ImportError as missing:
        raise click.ClickException("gunicorn is missing: pip install -e '.[bench]'") from missing
    started = time.monotonic()
    load_at_start = loadavg()
    if load_at_start and load_at_start[0] > 0.5 * (os.cpu_count() or 1):
        click.echo(
            f"Note: the machine is busy (load average {load_at_start}); wrk and gunicorn "
            "share its CPUs, so expect noisy figures.",
            err=True,
        )
    scale = seeding.SCALES[scale_name]
    seconds = duration or (5.0 if scale_name == "small" else 10.0)
    workers = workers or 2 * (os.cpu_count() or 1)
    results_dir = results_dir.resolve()
    results_dir.mkdir(parents=True, exist_ok=True)
    db_path = (db_path or results_dir / f"bench-{scale_name}.sqlite3").resolve()
    say = lambda message: click.echo(message, err=True)  # noqa: E731

    # 1. the database
    summary_file = Path(f"{db_path}.json")
    previous = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    if reuse_db and db_path.exists() and previous.get("scale") == asdict(scale):
        summary = previous
        say(f"Reusing {db_path} (seeded {summary['seconds']} s)")
        upkeep.bring_up_to_date(db_path)
    else:
        say(f"Seeding a fresh {scale_name} database ...")
        summary = seeding.seed(db_path, scale)
        say(f"Seeded in {summary['seconds']} s: {summary['rows']}")

    env = server_env(db_path, results_dir)
    password = summary["password"]
    measured: dict[str, WrkResult] = {}
    extra: dict[str, Any] = {}

    baseline_runs: list[WrkResult] = []

    def paired(run: Callable[[], WrkResult]) -> WrkResult:
        # The baseline is measured again just before each run, and the run's ratio is to
        # that: the machine's speed can drift by a fifth within minutes (bench/README.md).
        base = timed(base_srv, baseline_url, seconds, headers={"User-Agent": USER_AGENT})
        baseline_runs.append(base)
        result = run()
        result.baseline_rps = base.rps
        return result

    def measure(
        srv: Server, name: str, url: str, headers: Callable[[], dict[str, str]]
    ) -> WrkResult:
        # headers() is asked again before each run: a signed-in page gets a cookie as fresh
        # as a browser's (browser.signed_in_headers)
        wrk(url, WARMUP_SECONDS, headers())
        runs = [paired(lambda: timed(srv, url, seconds, headers=headers())) for _ in range(repeat)]
        result = median_result(runs)
        say(
            f"  {name:10s} {result.rps:8.1f} req/s  p50 {result.p50_ms:6.1f} ms  "
            f"p99 {result.p99_ms:6.1f} ms  errors {result.errors}  "
            f"server CPU {fmt(result.server_cpu_ms)} ms/request "
            f"({fmt(result.server_system_ms)} system)"
        )
        measured[name] = result
        return result

    if wait_for_load is not None:
        give_up = time.monotonic() + 900
        while (loadavg() or [0.0])[0] >= wait_for_load and time.monotonic() < give_up:
            say(f"  waiting for the load average {loadavg()} to fall below {wait_for_load} ...")
            time.sleep(20)
    load_at_start = loadavg()

    # 2. the baseline and the LMS, each LMS run just after a baseline run
    say(
        f"Baseline: minimal Flask app, gunicorn -w {workers} -k sync, wrk -t1 -c{CONNECTIONS} "
        f"-d{seconds:g}s, measured again before each LMS run; the LMS: same settings"
    )
    with (
        Server("baseline_app:app", env, workers, results_dir / "gunicorn-baseline.log") as base_srv,
        Server("lms_wsgi:app", env, workers, results_dir / "gunicorn-lms.log") as srv,
    ):
        baseline_url = f"http://127.0.0.1:{base_srv.port}/"
        wrk(baseline_url, WARMUP_SECONDS, {"User-Agent": USER_AGENT})
        gunicorn_args = " ".join(srv.args).replace(str(srv.port), "<free port>")
        base_url = f"http://127.0.0.1:{srv.port}"
        cookie_churn: dict[str, bool] = {}

        def fresh_cookie(name: str, email: str, path: str) -> Callable[[], dict[str, str]]:
            def headers() -> dict[str, str]:
                fresh, churn = signed_in_headers(srv.port, email, password, path)
                cookie_churn[name] = cookie_churn.get(name, False) or churn
                return fresh

            return headers

        learner_email = summary["probe_learner"]["email"]
        manager_org = summary["manager"]["organisation_id"]
        for name, email, path in (
            ("dashboard", learner_email, "/"),
            ("step", learner_email, summary["probe_learner"]["step_url"]),
            ("report", summary["manager"]["email"], f"/organisations/{manager_org}"),
        ):
            measure(srv, name, base_url + path, fresh_cookie(name, email, path))
        extra["set_cookie_on_every_get"] = cookie_churn

        # a certificate download its holder already made once: served from the cache
        holder = summary.get("certificate_holder") or {}
        if holder.get("certificate_id"):
            pdf_path = f"/certificates/{holder['certificate_id']}/pdf"
            # the first fetch renders and caches the PDF
            cached = fresh_cookie("certificate", holder["email"], pdf_path)
            measure(srv, "certificate", base_url + pdf_path, cached)
            del cookie_churn["certificate"]

        runs = complete_runs(srv, db_path, summary, seconds, repeat, results_dir, paired, say)
        complete = median_result(runs)
        measured["complete"] = complete
        s = complete.script
        complete.errors = int(s.get("failed", 0)) + sum(complete.socket_errors.values())
        say(
            f"  {'complete':10s} {complete.rps:8.1f} req/s  p50 {complete.p50_ms:6.1f} ms  "
            f"p99 {complete.p99_ms:6.1f} ms  errors {complete.errors}  rows {s.get('rows_written')}"
            f" for {s.get('ok')} successes ({s.get('learners')} learners)  server CPU "
            f"{fmt(complete.server_cpu_ms)} ms/request ({fmt(complete.server_system_ms)} system)"
        )
        extra["lms_worker_peak_rss_mb"] = srv.worker_peak_rss_mb()
        extra["baseline_worker_peak_rss_mb"] = base_srv.worker_peak_rss_mb()
        measured["baseline"] = median_result(baseline_runs)
        extra["sign_in_retries"] = len(SIGN_IN_RETRIES)
        extra["sign_in_retry_reasons"] = sorted(set(SIGN_IN_RETRIES))[:3]
        extra["lms_log_errors"] = _log_errors(results_dir / "gunicorn-lms.log")

    # 4. figures, targets, profiles
    figures, checks = endpoint_figures(measured)
    say("Files: CSV export of every enrolment, in a process of its own ...")
    figures.update(files.run_in_subprocess("csv", db_path, results_dir))
    say(
        f"  csv          {fmt(figures.get('csv_rows_per_s'))} rows/s "
        f"({figures.get('csv_rows')} rows), peak RSS {fmt(figures.get('csv_peak_rss_mb'))} MB"
    )
    say("Files: a certificate rendered by the LMS and by a bare reportlab canvas ...")
    figures.update(files.run_in_subprocess("certificate", db_path, results_dir))
    say(
        f"  certificate  {fmt(figures.get('cert_render_ms'))} ms vs reportlab "
        f"{fmt(figures.get('cert_reportlab_ms'))} ms = "
        f"{fmt(figures.get('cert_render_vs_reportlab'))}x; cached download "
        f"{fmt(figures.get('cert_cached_ratio'))}x baseline"
    )
    file_checks = file_targets(figures)
    figures["targets_met"] = {**checks, **file_checks}
    figures.update(extra)

    profiles: dict[str, Any] = {}
    wanted = [
        n for n, ok in checks.items() if profile == "always" or (profile == "auto" and not ok)
    ]
    if wanted:
        try:
            import profile_endpoints
        except ImportError:
            profile_endpoints = None  # type: ignore[assignment]
        if profile_endpoints is None or not profile_endpoints.available():
            say("  (pyinstrument is not installed: no profiles; pip install pyinstrument)")
        else:
            say(f"Profiling in-process (pyinstrument, Flask test client): {', '.join(wanted)}")
            profiles = profile_endpoints.profile(db_path, summary, wanted, results_dir)
    figures["profiles"] = {  # the statements that cost most are in profiles.json
        name: {k: v for k, v in p.items() if k != "top_queries"} for name, p in profiles.items()
    }
    if profiles:
        (results_dir / "profiles.json").write_text(json.dumps(profiles, indent=2))

    figures.update(
        {
            "scale": scale_name,
            "seeded": summary["rows"],
            "seed_seconds": summary["seconds"],
            "duration_s": seconds,
            "repeat": repeat,
            "connections": CONNECTIONS,
            "gunicorn": gunicorn_args,
            "date": datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": machine(),
            "versions": versions(),
            "total_seconds": round(time.monotonic() - started, 1),
            "loadavg_start": load_at_start,
            "loadavg_end": loadavg(),
        }
    )

    # 5. the table, then the JSON line (last)
    print_table(measured, figures, checks, file_checks, profiles)
    line = json.dumps(figures, separators=(", ", ": "))
    (results_dir / f"result-{scale_name}.json").write_text(json.dumps(figures, indent=2))
    click.echo(line)


if __name__ == "__main__":
    main()
