"""The run's log: levels for newsbeam and Beam, and one structured line per stage from Beam's metrics."""
from __future__ import annotations

import logging

from apache_beam.metrics.metric import MetricsFilter

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_LOG = logging.getLogger("newsbeam.stages")
# Each stage's counters, in pipeline order; counters a run did not touch read 0.
STAGE_COUNTERS = (
    ("read", ("files_matched", "bytes_read", "feeds_failed", "feeds_bozo", "transcript_fallbacks")),
    ("parse", ("parse_ok", "parse_errors")),
    ("clean", ("clean_ok", "clean_errors")),
    ("segment", ("segment_ok", "segment_errors")),
    ("language", ("language_ok", "language_errors")),
    ("topics", ("topics_ok", "topics_errors")),
    ("write", ("rows_written", "files_written")),
)


def configure_logging(level: str) -> None:
    """newsbeam's loggers at `level`; Beam's own stay at WARNING unless DEBUG is asked for."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    logging.getLogger().setLevel(level)
    logging.getLogger("newsbeam").setLevel(level)
    for name in ("apache_beam", "urllib3"):
        logging.getLogger(name).setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)


def counter_totals(result) -> dict[str, int] | None:
    """Counters of the newsbeam namespace summed over steps; None where the runner gives no metrics."""
    try:
        counters = result.metrics().query(MetricsFilter().with_namespace("newsbeam"))["counters"]
    except Exception:  # noqa: BLE001 - not every runner can be asked
        return None
    totals: dict[str, int] = {}
    for counter in counters:
        value = counter.committed if counter.committed is not None else counter.attempted
        totals[counter.key.metric.name] = totals.get(counter.key.metric.name, 0) + int(value or 0)
    return totals


def stage_lines(totals: dict[str, int]) -> list[str]:
    """`stage=clean clean_ok=7 clean_errors=0`: one logfmt line per stage."""
    return [
        " ".join([f"stage={stage}", *(f"{name}={totals.get(name, 0)}" for name in names)])
        for stage, names in STAGE_COUNTERS
    ]


def log_stage_counts(result) -> dict[str, int] | None:
    totals = counter_totals(result)
    if totals is None:
        _LOG.info("stage counts unavailable: this runner does not report metrics")
        return None
    for line in stage_lines(totals):
        _LOG.info(line)
    return totals
