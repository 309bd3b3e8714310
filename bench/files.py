"""Figures for files the LMS writes: CSV export rows/s with the process's peak RSS, and
certificate rendering against a raw reportlab canvas of the same certificate.

Each measurement runs in a fresh Python process, so the peak RSS is that export's alone
(the app and its libraries included, as a worker would hold them):

    python bench/files.py csv --db bench/results/bench-full.sqlite3
    python bench/files.py certificate --db bench/results/bench-full.sqlite3  # ``lms`` vs reportlab

``bench/run.py`` calls both and folds the JSON they print into its own.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _p in (str(ROOT), str(BENCH)):
    if _p not in sys.path:
        sys.path.insert(0, _p)


class _CountingSink:
    """A text file that only counts what is written (the export's cost, not the disk's)."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def _app(db_path: Path, results: Path) -> Any:
    from lms import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "INSTANCE_PATH": str(results / "instance"),
            "SECRET_KEY": "files-" + "x" * 32,
            "ENV_NAME": "benchmark",
            "RATELIMIT_ENABLED": False,
            "PUBLIC_BASE_URL": "https://learning.example.org",
        }
    )


def _peak_rss_mb() -> float:
    """This process's peak RSS since it started. ``VmHWM`` rather than ``getrusage``: Linux
    carries ``ru_maxrss`` over from the parent across fork and exec, so a child started by
    a large ``run.py`` would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure_csv(db_path: Path, results: Path) -> dict[str, Any]:
    """Every enrolment of every organisation as CSV (the largest export there is)."""
    from lms.reports.tables import export_csv

    app = _app(db_path, results)
    with app.app_context():
        sink = _CountingSink()
        started = time.perf_counter()
        rows = export_csv(sink, key="enrolments", organisation_id=None)
        seconds = time.perf_counter() - started
    return {
        "csv_rows": rows,
        "csv_seconds": round(seconds, 2),
        "csv_rows_per_s": round(rows / seconds) if seconds else None,
        "csv_megabytes": round(sink.chars / 1e6, 1),
        "csv_peak_rss_mb": _peak_rss_mb(),
    }


def run_in_subprocess(kind: str, db_path: Path, results: Path) -> dict[str, Any]:
    """``kind`` measured in a fresh process; its JSON, or the reason it failed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    script = [sys.executable, str(Path(__file__)), kind]
    done = subprocess.run(  # noqa: S603 - our own script
        [*script, "--db", str(db_path), "--results", str(results)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        return {f"{kind}_error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    parsed: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return parsed


def measure_certificate(db_path: Path, results: Path, n: int = 15) -> dict[str, Any]:
    """The seeded holder's certificate rendered by the LMS (xhtml2pdf, no cache) against
    the same certificate drawn on a bare reportlab canvas: medians of ``n`` renders once
    fonts and templates are loaded, as in a running worker; the process's very first
    render (fonts read from disk) is reported on its own."""
    import statistics

    from certificates_reportlab import draw_certificate  # bench/certificates_reportlab.py

    from lms.certificates.models import Certificate
    from lms.certificates.rendering.fields import fields_of
    from lms.certificates.rendering.pdf import render_pdf
    from lms.extensions import db

    summary = json.loads(Path(f"{db_path}.json").read_text())
    holder = summary.get("certificate_holder") or {}
    app = _app(db_path, results)
    with app.app_context():
        certificate = db.session.get(Certificate, holder.get("certificate_id") or 0)
        if certificate is None:
            raise click.ClickException("The seeded database has no certificate holder.")

        def median_ms(work: Any) -> float:
            times = []
            for _ in range(n):
                started = time.perf_counter()
                work()
                times.append(time.perf_counter() - started)
            return 1000 * statistics.median(times)

        started = time.perf_counter()
        render_pdf(certificate)
        cold_ms = 1000 * (time.perf_counter() - started)
        fields = fields_of(certificate)
        draw_certificate(fields)
        lms_ms = median_ms(lambda: render_pdf(certificate))
        reportlab_ms = median_ms(lambda: draw_certificate(fields))
    return {
        "cert_render_ms": round(lms_ms, 1),
        "cert_reportlab_ms": round(reportlab_ms, 1),
        "cert_render_vs_reportlab": round(lms_ms / reportlab_ms, 2),
        "cert_first_render_in_process_ms": round(cold_ms, 1),
    }


MEASUREMENTS = {"csv": measure_csv, "certificate": measure_certificate}


@click.command()
@click.argument("kind", type=click.Choice(sorted(MEASUREMENTS)))
@click.option("--db", "db_path", type=click.Path(path_type=Path, exists=True), required=True)
@click.option(
    "--results", type=click.Path(path_type=Path), default=BENCH / "results", show_default=True
)
def main(kind: str, db_path: Path, results: Path) -> None:
    """Measure KIND on the seeded database and print one JSON line."""
    results.mkdir(parents=True, exist_ok=True)
    click.echo(json.dumps(MEASUREMENTS[kind](db_path.resolve(), results.resolve())))


if __name__ == "__main__":
    main()
