"""`newsbeam stream` options: the stream's own (poll interval, window, lateness, dedup TTL, runtime)
on top of the shared ones (feeds, output, cleaning, ...) that `newsbeam run` parses."""
from __future__ import annotations

from dataclasses import dataclass

from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.options import NewsbeamOptions, RunConfig, UsageError

DEFAULT_POLL_INTERVAL = 300.0
DEFAULT_WINDOW = 300.0
DEFAULT_ALLOWED_LATENESS = 24 * 3600.0
DEFAULT_DEDUP_TTL = 7 * 24 * 3600.0


class StreamOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        parser.add_argument(
            "--poll-interval", dest="poll_interval", type=float, default=DEFAULT_POLL_INTERVAL,
            help="Seconds between two polls of every feed (conditional GETs).",
        )
        parser.add_argument(
            "--window", dest="stream_window", type=float, default=DEFAULT_WINDOW,
            help="Seconds of publication time per output window; a window's files appear when it closes.",
        )
        parser.add_argument(
            "--allowed-lateness", dest="allowed_lateness", type=float, default=DEFAULT_ALLOWED_LATENESS,
            help="Seconds after a window closed in which entries published in it are still written to it "
            "(as extra files); older entries go to the window of their fetch, and all to their date partition.",
        )
        parser.add_argument(
            "--dedup-ttl", dest="dedup_ttl", type=float, default=DEFAULT_DEDUP_TTL,
            help="Seconds an entry is remembered after it was last seen in a poll; earlier runs' entries are always skipped.",
        )
        parser.add_argument(
            "--max-runtime", dest="max_runtime", type=float, default=None,
            help="Stop after this many seconds (default: run until SIGINT or SIGTERM); windows in flight are written.",
        )


@dataclass(frozen=True)
class StreamConfig:
    """The validated settings of a stream: the shared ones and the stream's own."""

    shared: RunConfig
    poll_interval: float
    window: float
    allowed_lateness: float
    dedup_ttl: float
    max_runtime: float | None

    @classmethod
    def from_options(cls, options: PipelineOptions) -> StreamConfig:
        o = options.view_as(StreamOptions)
        shared_options = options.view_as(NewsbeamOptions)
        if shared_options.input:
            raise UsageError("newsbeam stream reads feeds only (--feed, --feeds-file); use `newsbeam run` for --input")
        if shared_options.date:
            raise UsageError("newsbeam stream takes no --date: undated entries go under the date they were fetched")
        shared = RunConfig.from_options(options)
        if not shared.feeds:
            raise UsageError("at least one --feed URL (or --feeds-file) is required")
        if o.poll_interval < 1:
            raise UsageError("--poll-interval must be at least 1 second")
        if o.stream_window < 1:
            raise UsageError("--window must be at least 1 second")
        if o.allowed_lateness < 0:
            raise UsageError("--allowed-lateness must not be negative")
        if o.dedup_ttl <= o.allowed_lateness + o.poll_interval:
            # Shorter, an entry could be forgotten while it may still arrive again in its window.
            raise UsageError("--dedup-ttl must be longer than --allowed-lateness plus --poll-interval")
        if o.max_runtime is not None and o.max_runtime <= 0:
            raise UsageError("--max-runtime must be positive")
        return cls(shared, o.poll_interval, o.stream_window, o.allowed_lateness, o.dedup_ttl, o.max_runtime)

    def settings(self) -> dict:
        """For the run manifest."""
        return {
            "poll_interval": self.poll_interval,
            "window": self.window,
            "allowed_lateness": self.allowed_lateness,
            "dedup_ttl": self.dedup_ttl,
            "max_runtime": self.max_runtime,
        }
