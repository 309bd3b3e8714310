"""Mark step complete under load: learners with steps not yet done, signed in upfront, and
wrk runs that post each (learner, step) pair once (bench/complete.lua), with the rows the
server wrote counted against the successes."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import click
from browser import USER_AGENT  # bench/browser.py
from load import (  # bench/load.py
    CONNECTIONS,
    WrkResult,
    count_rows,
    open_pairs,
    sign_in_learners,
    timed,
    write_pairs,
    wrk,
)
from servers import Server  # bench/servers.py

BENCH = Path(__file__).resolve().parent
WARMUP_SECONDS = 1
POOL_MARGIN = 1.6  # pairs signed in: this x the warm-up rate x duration


def runs(
    srv: Server,
    db_path: Path,
    summary: dict[str, Any],
    seconds: float,
    repeat: int,
    results_dir: Path,
    paired: Callable[[Callable[[], WrkResult]], WrkResult],
    say: Callable[[str], None],
) -> list[WrkResult]:
    """``repeat`` runs of mark complete, each through ``paired`` (which measures the
    baseline first): sign in learners with not-yet-done steps, warm up on a first slice
    (which also tells the rate), then sign in enough for each run."""
    base_url = f"http://127.0.0.1:{srv.port}"
    password = summary["password"]
    pairs = open_pairs(db_path, exclude={summary["probe_learner"]["user_id"]})
    candidates = sorted(pairs, key=lambda uid: (-len(pairs[uid]), uid))
    say(
        f"  mark complete: {sum(len(v) for v in pairs.values()):,} open (learner, step) "
        f"pairs over {len(candidates):,} learners"
    )
    if len(candidates) < CONNECTIONS * 3:
        raise click.ClickException(
            "Earlier runs on this database have marked almost every step done, so mark "
            "complete has nothing left to measure: run again without --reuse-db (a "
            "fresh database)."
        )
    t0 = time.monotonic()
    first = sign_in_learners(srv.port, db_path, candidates[: CONNECTIONS * 3], password)
    sign_in_rate = len(first) / max(time.monotonic() - t0, 1e-6)
    for x in first:
        x.steps = pairs[x.user_id]
    pairs_file = results_dir / "complete-pairs.tsv"
    lua = BENCH / "complete.lua"
    n = write_pairs(pairs_file, first)
    warm = wrk(
        base_url + "/",
        WARMUP_SECONDS,
        script=lua,
        timeout="5s",
        script_args=[str(pairs_file), "1", str(n), str(WARMUP_SECONDS), USER_AGENT],
    )
    warm_rate = warm.rps or 1.0
    need = math.ceil(POOL_MARGIN * warm_rate * seconds) + CONNECTIONS * 4
    say(f"  warm-up {warm_rate:.0f} req/s: {need:,} pairs per run")
    pool = list(first)
    probe_id = summary["probe_learner"]["user_id"]
    unused = iter(candidates[len(first) :])
    runs = []
    for _ in range(repeat):
        # steps nobody has marked yet; more learners signed in if that is too few
        left = open_pairs(db_path, exclude={probe_id})
        for x in pool:
            x.steps = left.get(x.user_id, [])
        pool = [x for x in pool if x.steps]
        have = sum(len(x.steps) for x in pool)
        more_ids = []
        while have < need and (uid := next(unused, None)) is not None:
            more_ids.append(uid)
            have += len(left.get(uid, []))
        if more_ids:
            say(
                f"  signing in {len(more_ids)} more learners "
                f"(~{len(more_ids) / sign_in_rate:.0f} s) ..."
            )
            for x in sign_in_learners(srv.port, db_path, more_ids, password):
                x.steps = left.get(x.user_id, [])
                pool.append(x)
        n = write_pairs(pairs_file, pool)
        if n == 0:
            raise click.ClickException("No learner has a step left to mark complete.")
        before = count_rows(db_path)
        script_args = [str(pairs_file), "1", str(n), f"{seconds:g}", USER_AGENT]
        result = paired(
            partial(
                timed,
                srv,
                base_url + "/",
                seconds,
                script=lua,
                timeout="5s",
                script_args=script_args,
            )
        )
        time.sleep(0.5)
        result.script["rows_written"] = count_rows(db_path) - before
        result.script["learners"] = len(pool)
        runs.append(result)
    return runs
