"""newsbeam's pipeline options: parsed by Beam, so `--help` lists them and runner flags pass through."""
from __future__ import annotations

import datetime as dt
import posixpath
import re
from dataclasses import dataclass

from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.run_log import LEVELS
from transforms.clean import PROFILES
from transforms.parquet import DEFAULT_ROW_GROUP_ROWS, DEFAULT_TARGET_FILE_BYTES
from transforms.read import DEFAULT_MAX_BYTES
from transforms.segment import DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS

DEFAULT_LOOKBACK_HOURS = 24.0


class NewsbeamOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        parser.add_argument("--input", action="append", default=None, help="File glob on any Beam filesystem (repeatable).")
        parser.add_argument("--feed", action="append", default=None, help="RSS/Atom/podcast feed URL (repeatable).")
        parser.add_argument("--feeds-file", dest="feeds_file", default=None, help="File of feed URLs, one a line, # comments.")
        parser.add_argument("--state-dir", dest="state_dir", default=None, help="Feed state (validators, seen entries); default OUTPUT/_state.")
        parser.add_argument(
            "--allow-private-network",
            dest="allow_private_network",
            action="store_true",
            help="Let feeds and transcript links reach loopback and private addresses (refused by default).",
        )
        parser.add_argument("--output", default=None, help="Output dataset directory (local path or Beam filesystem URI).")
        parser.add_argument("--date", default=None, help="Partition date (YYYY-MM-DD) for inputs without a publication date; default today (UTC).")
        parser.add_argument("--cleaning", default="full", choices=PROFILES, help="Cleaning profile: full, light (keeps fillers and disfluencies) or none.")
        parser.add_argument(
            "--cleaning-data",
            dest="cleaning_data",
            default=None,
            help="Directory of cleaning lexicons replacing the built-in ones (copy transforms/data/cleaning and edit it).",
        )
        parser.add_argument("--max-bytes", dest="max_bytes", type=int, default=DEFAULT_MAX_BYTES, help="Inputs larger than this many bytes become errors rows.")
        parser.add_argument("--languages", default=None, help="Comma-separated candidate languages (ISO 639-1), e.g. en,de.")
        parser.add_argument("--min-segment-chars", dest="min_segment_chars", type=int, default=DEFAULT_MIN_CHARS)
        parser.add_argument("--max-segment-chars", dest="max_segment_chars", type=int, default=DEFAULT_MAX_CHARS)
        parser.add_argument(
            "--topic-model",
            dest="topic_model",
            default=None,
            help="Topic model file written by `newsbeam train-topics` (default: the built-in lexicon classifier).",
        )
        parser.add_argument(
            "--lookback-hours",
            dest="lookback_hours",
            type=float,
            default=DEFAULT_LOOKBACK_HOURS,
            help="nightly: also take feed entries published this many hours before the day, if the dataset lacks them.",
        )
        parser.add_argument(
            "--log-level", dest="log_level", default="INFO", choices=LEVELS,
            help="newsbeam's log level: INFO logs progress and one line per stage; Beam's own logs show at DEBUG.",
        )
        parser.add_argument("--target-file-bytes", dest="target_file_bytes", type=int, default=DEFAULT_TARGET_FILE_BYTES)
        parser.add_argument("--row-group-rows", dest="row_group_rows", type=int, default=DEFAULT_ROW_GROUP_ROWS)


def read_feeds_file(path: str) -> list[str]:
    """Feed URLs from a file: one a line, blank lines and # comments ignored."""
    from apache_beam.io.filesystems import FileSystems

    try:
        with FileSystems.open(path) as handle:
            text = handle.read().decode("utf-8")
    except Exception as exc:  # noqa: BLE001 - any failure to read it is the user's to fix
        raise UsageError(f"--feeds-file {path!r} cannot be read: {exc}") from None
    urls = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return [u for u in urls if u]


class UsageError(ValueError):
    """Bad arguments: the CLI prints the message on one line and exits 2."""


@dataclass(frozen=True)
class RunConfig:
    """The validated settings of one run, independent of Beam's option objects."""

    inputs: tuple[str, ...]
    feeds: tuple[str, ...]
    state_dir: str
    allow_private_network: bool
    output: str
    date: str
    cleaning: str
    cleaning_data: str | None
    max_bytes: int
    languages: tuple[str, ...] | None
    min_segment_chars: int
    max_segment_chars: int
    topic_model: str | None
    target_file_bytes: int
    row_group_rows: int
    mode: str = "run"  # run appends to the dataset; nightly replaces its date's partitions
    lookback_hours: float = 0.0
    window_start: dt.datetime | None = None  # nightly: feed entries published in [start, end)
    window_end: dt.datetime | None = None

    def lookback_dates(self) -> tuple[str, ...]:
        """nightly: the days before `date` that late entries may be added to."""
        if self.window_start is None:
            return ()
        first, day = self.window_start.date(), dt.date.fromisoformat(self.date)
        return tuple((first + dt.timedelta(days=i)).isoformat() for i in range((day - first).days))

    @classmethod
    def from_options(cls, options: PipelineOptions, mode: str = "run") -> RunConfig:
        o = options.view_as(NewsbeamOptions)
        if mode == "nightly" and not o.date:
            raise UsageError("nightly needs --date YYYY-MM-DD: the day to ingest")
        if o.lookback_hours < 0:
            raise UsageError("--lookback-hours must not be negative")
        feeds = list(o.feed or [])
        if o.feeds_file:
            feeds += read_feeds_file(o.feeds_file)
        if not o.input and not feeds:
            raise UsageError("at least one --input GLOB or --feed URL (or --feeds-file) is required")
        if not o.output:
            raise UsageError("--output DIR is required")
        date = o.date or dt.datetime.now(dt.timezone.utc).date().isoformat()
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            raise UsageError(f"--date must be YYYY-MM-DD, got {date!r}")
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            raise UsageError(f"--date is not a calendar date: {date!r}") from None
        if o.max_bytes <= 0:
            raise UsageError("--max-bytes must be positive")
        if not 0 <= o.min_segment_chars <= o.max_segment_chars or o.max_segment_chars <= 0:
            raise UsageError("need 0 <= --min-segment-chars <= --max-segment-chars")
        if o.target_file_bytes <= 0 or o.row_group_rows <= 0:
            raise UsageError("--target-file-bytes and --row-group-rows must be positive")
        if o.cleaning_data:
            from transforms.clean import Lexicons

            try:
                Lexicons.load(o.cleaning_data)
            except (OSError, ValueError, re.error) as exc:
                raise UsageError(f"--cleaning-data {o.cleaning_data!r}: {exc}") from None
        if o.topic_model:
            from transforms.topic_model import load_topic_model

            try:
                load_topic_model(o.topic_model)
            except (OSError, ValueError, KeyError) as exc:
                raise UsageError(f"--topic-model {o.topic_model!r}: {exc}") from None
        inputs = tuple(o.input or ())
        window_start = window_end = None
        if mode == "nightly":
            inputs = tuple(expand_date_template(pattern, dt.date.fromisoformat(date)) for pattern in inputs)
            window_end = dt.datetime.combine(dt.date.fromisoformat(date), dt.time(), dt.timezone.utc) + dt.timedelta(days=1)
            window_start = window_end - dt.timedelta(days=1, hours=o.lookback_hours)
        languages = tuple(x.strip() for x in o.languages.split(",") if x.strip()) if o.languages else None
        if languages:
            from transforms.language import LanguageTagger

            try:
                LanguageTagger(list(languages))
            except ValueError as exc:
                raise UsageError(f"--languages: {exc}") from None
        return cls(
            inputs=inputs,
            feeds=tuple(dict.fromkeys(feeds)),
            state_dir=(o.state_dir or posixpath.join(o.output.rstrip("/") or "/", "_state")),
            allow_private_network=bool(o.allow_private_network),
            output=o.output.rstrip("/") or "/",
            date=date,
            cleaning=o.cleaning,
            cleaning_data=o.cleaning_data,
            max_bytes=o.max_bytes,
            languages=languages,
            min_segment_chars=o.min_segment_chars,
            max_segment_chars=o.max_segment_chars,
            topic_model=o.topic_model,
            target_file_bytes=o.target_file_bytes,
            row_group_rows=o.row_group_rows,
            mode=mode,
            lookback_hours=o.lookback_hours if mode == "nightly" else 0.0,
            window_start=window_start,
            window_end=window_end,
        )


def expand_date_template(pattern: str, date: dt.date) -> str:
    """'transcripts/{date}/*.vtt' -> 'transcripts/2026-11-24/*.vtt'; '{date:%Y/%m/%d}' formats it."""
    try:
        return pattern.format(date=date)
    except (KeyError, IndexError, ValueError) as exc:
        raise UsageError(f"--input {pattern!r}: only {{date}} or {{date:FORMAT}} may appear in braces ({exc})") from None
