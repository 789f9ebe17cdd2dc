#!/usr/bin/env python3
"""`make bench`: every benchmark, figures merged into bench/results.json.

The cleaning and language micro-benchmarks run pinned to one core; the
end-to-end benchmark (bench_pipeline.py) pins its own runs: one core for the
1-worker and plain-loop runs, two for the 2-worker run. Default sizes 10 MB
and 100 MB; --full adds the 1 GB case (1-worker run only, for peak memory).
--only re-runs some benchmarks and keeps the other figures of results.json.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_cleaning  # noqa: E402
import bench_language  # noqa: E402
import bench_pipeline  # noqa: E402

BENCHMARKS = ("cleaning", "language", "pipeline")


@contextlib.contextmanager
def one_core() -> Iterator[None]:
    """One core for the micro-benchmarks, as their targets say; the old CPU set after."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS), help=f"comma-separated subset of {', '.join(BENCHMARKS)}")
    parser.add_argument("--sizes", default=None, help="end-to-end corpus sizes (default 10MB,100MB)")
    parser.add_argument("--full", action="store_true", help="add the 1 GB end-to-end case (about 10x the 100 MB run)")
    args = parser.parse_args(argv)
    only = {b.strip() for b in args.only.split(",") if b.strip()}
    if only - set(BENCHMARKS):
        parser.error(f"unknown benchmark(s): {', '.join(sorted(only - set(BENCHMARKS)))}")
    out = HERE / "results.json"
    results: dict[str, object] = json.loads(out.read_text()) if out.is_file() and only != set(BENCHMARKS) else {}
    with one_core():
        if "cleaning" in only:
            results.update(bench_cleaning.main([]))
        if "language" in only:
            results.update(bench_language.main([]))
    if "pipeline" in only:
        pipeline_argv = ["--sizes", args.sizes] if args.sizes else []
        results.update(bench_pipeline.main(pipeline_argv + (["--full"] if args.full else [])))
    results["machine"] = {
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
    }
    out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
