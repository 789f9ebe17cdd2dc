"""The streaming feed source: poll ticks -> new feed entries in event time -> RawDocuments and ErrorRecords.

Fetching, parsing and entry-to-document are batch's (read_feed, _EntryToDocument); what is streaming
here is the state: per feed its validators and last entries, per entry whether it was seen.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from typing import Any

import apache_beam as beam
from apache_beam import coders
from apache_beam.transforms import userstate
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.utils.timestamp import MAX_TIMESTAMP, Duration, Timestamp

from transforms.feed_state import Validators, load_seen, load_validators
from transforms.feeds import MAX_TRANSCRIPT_TRIES, FeedEntry, entry_doc_id
from transforms.fetch import FetchOptions

# The batch source's DoFns, shared so both modes fetch, check and build documents alike.
from transforms.read_feeds import (
    ERRORS,
    NEW_SEEN,
    RETRY_FEEDS,
    STATS,
    _EntryToDocument,
    _stat,
    _WithFetcher,
    read_feed_safely,
)
from transforms.stream_parquet import WindowByPublication
from transforms.stream_state import stage_stats

_LOG = logging.getLogger(__name__)
# Every count of a stream, as (name, n) elements on a STATS output; the run manifest reports their
# sums under "feeds" (see RecordStreamStats).
STREAM_STAT_KEYS = (
    "polls",  # feed fetches attempted
    "feeds_fetched",  # answered 200 and parsed
    "feeds_not_modified",  # answered 304
    "feeds_failed",  # each one an errors row
    "bozo_feeds",
    "entries_found",  # entries in the fetched feed documents
    "entries_unchanged",  # already in that feed's previous document this run
    "entries_skipped_seen",  # ingested by an earlier run (the state directory's seen-set)
    "entries_duplicate",  # seen earlier in this run, in another poll or feed
    "entries_late",  # published before the allowed lateness: filed in event time under their fetch time
    "documents",
    "documents_from_transcript",
    "transcript_fallbacks",
    "transcript_links_failed",
    "entries_failed",
    "inputs",  # failed polls + entries ingested = documents + errors rows
)


def event_time(published_at: dt.datetime | None, fetched_at: Timestamp, allowed_lateness: float) -> tuple[Timestamp, bool]:
    """(event time, late) of an entry fetched at `fetched_at`.

    Its publication time, unless it has none, claims the future (clocks and feeds lie), or is
    older than the allowed lateness: a window that old may have been closed for good, and an
    element behind it would be dropped. Those get the fetch time; `late` is True when age was
    the reason. Their rows still go to their publication date's partition.
    """
    if published_at is None:
        return fetched_at, False
    published = Timestamp.from_utc_datetime(published_at.astimezone(dt.timezone.utc))
    if published > fetched_at:
        return fetched_at, False
    if published < fetched_at - Duration(seconds=allowed_lateness):
        return fetched_at, True
    return published, False


@dataclasses.dataclass(frozen=True)
class _FeedMemory:
    """What a poll remembers of a feed: how to ask whether it changed, and which entries it held."""

    validators: Validators | None
    entry_ids: frozenset[str] | None = None  # None until this run fetched it in full


# State and timers, with their DoFn parameters made once (Beam reads them from the defaults).
_FEED_MEMORY = userstate.ReadModifyWriteStateSpec("feed", coders.PickleCoder())
_FEED_MEMORY_PARAM = beam.DoFn.StateParam(_FEED_MEMORY)
_SEEN_UNTIL = userstate.ReadModifyWriteStateSpec("seen_until", coders.VarIntCoder())
_SEEN_UNTIL_PARAM = beam.DoFn.StateParam(_SEEN_UNTIL)
_SEEN_EXPIRY = userstate.TimerSpec("expiry", TimeDomain.WATERMARK)
_SEEN_EXPIRY_PARAM = beam.DoFn.TimerParam(_SEEN_EXPIRY)


class _PollFeed(_WithFetcher):
    """(feed URL, tick) -> the feed's entries not in its previous document, or an ErrorRecord.

    Keyed by URL, so one worker at a time polls a feed and its conditional-GET validators live in
    Beam state: they start from the state directory's (saved by batch runs) and are never written
    back, so a restart fetches in full once and the seen-set does the rest.
    """

    def __init__(self, state_dir: str, options: FetchOptions):
        super().__init__(options)
        self.state_dir = state_dir

    def process(self, element, memory=_FEED_MEMORY_PARAM):
        url, _ = element
        yield _stat("polls")
        known: _FeedMemory | None = memory.read()
        if known is None:
            try:
                known = _FeedMemory(load_validators(self.state_dir, url))
            except Exception:  # noqa: BLE001 - unreadable state only costs a full fetch
                known = _FeedMemory(None)
            memory.write(known)
        outcome = read_feed_safely(url, self._fetcher, known.validators)
        if outcome.error is not None:
            yield _stat("feeds_failed")
            yield _stat("inputs")
            yield beam.pvalue.TaggedOutput(ERRORS, outcome.error)
            return
        if outcome.not_modified:
            yield _stat("feeds_not_modified")
            return
        feed = outcome.feed
        yield _stat("feeds_fetched")
        yield _stat("entries_found", len(feed.entries))
        if feed.bozo:
            _LOG.warning("feed %s is not well formed (%s); ingesting what could be read", url, feed.bozo_message)
            yield _stat("bozo_feeds")
        ids = [entry_doc_id(e) for e in feed.entries]
        previous = known.entry_ids or frozenset()
        memory.write(_FeedMemory(outcome.validators, frozenset(ids)))
        unchanged = 0
        for entry, doc_id in zip(feed.entries, ids, strict=True):
            if doc_id in previous:
                unchanged += 1
            else:
                yield entry
        if unchanged:
            yield _stat("entries_unchanged", unchanged)


class PollFeeds(beam.PTransform):
    """Poll ticks -> (new FeedEntries, ErrorRecords of failed polls, stats), at the tick's timestamp."""

    def __init__(self, urls: list[str], state_dir: str, fetch_options: FetchOptions):
        super().__init__()
        self.urls = list(dict.fromkeys(u.strip() for u in urls if u and u.strip()))
        self.state_dir = state_dir
        self.fetch_options = fetch_options

    def expand(self, ticks):
        urls = self.urls
        polled = (
            ticks
            | "FeedsPerTick" >> beam.FlatMap(lambda tick: [(url, tick) for url in urls]).with_output_types(
                tuple[str, float]
            )
            | "PollFeed" >> beam.ParDo(_PollFeed(self.state_dir, self.fetch_options)).with_outputs(
                ERRORS, STATS, main="entries"
            )
        )
        return polled.entries, polled[ERRORS], polled[STATS]


class _StampPublicationTime(beam.DoFn):
    def __init__(self, allowed_lateness: float):
        self.allowed_lateness = allowed_lateness

    def process(self, entry: FeedEntry, fetched_at=beam.DoFn.TimestampParam):
        timestamp, late = event_time(entry.published_at, fetched_at, self.allowed_lateness)
        if late:
            yield _stat("entries_late")
        yield beam.window.TimestampedValue(entry, timestamp)


class StampPublicationTime(beam.PTransform):
    """FeedEntries at their fetch time -> (the same at their event time (see event_time), stats)."""

    def __init__(self, allowed_lateness: float):
        super().__init__()
        self.allowed_lateness = allowed_lateness

    def expand(self, entries):
        stamped = entries | "Stamp" >> beam.ParDo(_StampPublicationTime(self.allowed_lateness)).with_outputs(
            STATS, main="entries"
        )
        return stamped.entries, stamped[STATS]


_SEEDED: dict[tuple[str, str], frozenset[str]] = {}
_SEEDED_LOCK = threading.Lock()


def seeded_ids(state_dir: str, run_id: str) -> frozenset[str]:
    """The state directory's seen-set as it was when this run started, read once per process."""
    with _SEEDED_LOCK:
        if (state_dir, run_id) not in _SEEDED:
            _SEEDED[(state_dir, run_id)] = frozenset(load_seen(state_dir))
        return _SEEDED[(state_dir, run_id)]


class _DropSeen(beam.DoFn):
    """(doc id, entry) -> the entry, the first time this run sees it and no earlier run ingested it.

    Entries come at their fetch time. `seen` holds until when the id is remembered: every sighting
    pushes that to its fetch time plus the TTL, and an event-time timer (the watermark follows the
    polls) then clears it, so the state only holds ids sighted within the TTL. An entry that stays
    in its feed is not sighted again (PollFeeds drops it as unchanged): what comes back after the
    TTL is an entry that left every feed and returned, and it is ingested again.
    """

    def __init__(self, state_dir: str, run_id: str, ttl_seconds: float):
        self.state_dir = state_dir
        self.run_id = run_id
        self.ttl = Duration(seconds=ttl_seconds)
        self._seeded: frozenset[str] = frozenset()

    def setup(self):
        # A seen-set that cannot be read fails the run: ingesting without it would duplicate every entry.
        self._seeded = seeded_ids(self.state_dir, self.run_id)

    def process(
        self,
        element,
        timestamp=beam.DoFn.TimestampParam,
        seen=_SEEN_UNTIL_PARAM,
        expiry=_SEEN_EXPIRY_PARAM,
    ):
        doc_id, entry = element
        until = seen.read()
        remember = min(timestamp + self.ttl, MAX_TIMESTAMP).micros
        if until is not None:
            yield _stat("entries_duplicate")
            if remember > until:
                seen.write(remember)
                expiry.set(Timestamp(micros=remember))
            return
        if doc_id in self._seeded:
            yield _stat("entries_skipped_seen")
            return
        seen.write(remember)
        expiry.set(Timestamp(micros=remember))
        yield _stat("inputs")
        yield entry

    @userstate.on_timer(_SEEN_EXPIRY)
    def expire(self, seen=_SEEN_UNTIL_PARAM):
        seen.clear()


class DropSeenEntries(beam.PTransform):
    """FeedEntries -> (those neither ingested by an earlier run nor seen earlier in this one, stats)."""

    def __init__(self, state_dir: str, run_id: str, ttl_seconds: float):
        super().__init__()
        self.state_dir = state_dir
        self.run_id = run_id
        self.ttl_seconds = ttl_seconds

    def expand(self, entries):
        kept = (
            entries
            | "KeyByDocId" >> beam.Map(lambda e: (entry_doc_id(e), e)).with_output_types(tuple[str, Any])
            | "DropSeen" >> beam.ParDo(_DropSeen(self.state_dir, self.run_id, self.ttl_seconds)).with_outputs(
                STATS, main="entries"
            )
        )
        return kept.entries, kept[STATS]


class EntriesToDocuments(beam.PTransform):
    """FeedEntries -> (RawDocuments, ErrorRecords, stats), exactly as the batch source builds them."""

    def __init__(self, fetch_options: FetchOptions, max_transcript_tries: int = MAX_TRANSCRIPT_TRIES):
        super().__init__()
        self.fetch_options = fetch_options
        self.max_transcript_tries = max_transcript_tries

    def expand(self, entries):
        built = entries | "EntryToDocument" >> beam.ParDo(
            _EntryToDocument(self.fetch_options, self.max_transcript_tries)
        ).with_outputs(ERRORS, STATS, NEW_SEEN, RETRY_FEEDS, main="documents")
        # NEW_SEEN and RETRY_FEEDS are the batch commit's: a stream records an id as seen once its
        # rows are written, and retries entries that failed on its next start.
        return built.documents, built[ERRORS], built[STATS]


class _SumStats(beam.CombineFn):
    def create_accumulator(self):
        return {}

    def add_input(self, totals, stat):
        name, n = stat
        totals[name] = totals.get(name, 0) + n
        return totals

    def merge_accumulators(self, accumulators):
        merged: dict[str, int] = {}
        for totals in accumulators:
            for name, n in totals.items():
                merged[name] = merged.get(name, 0) + n
        return merged

    def extract_output(self, totals):
        return totals


class _WriteStatsPane(beam.DoFn):
    def __init__(self, state_dir: str, run_id: str):
        self.state_dir = state_dir
        self.run_id = run_id

    def process(self, totals: dict[str, int], win=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
        name = f"{win.start.to_utc_datetime(has_tz=True):%Y%m%dT%H%M%SZ}-{pane.index:03d}"
        stage_stats(self.state_dir, self.run_id, name, totals)
        yield totals


class RecordStreamStats(beam.PTransform):
    """(name, n) stats -> their sums per window pane, staged in the state directory for the manifest.

    Beam metrics are not readable on every runner (nor reliably on the Python direct runner in
    streaming mode), so the counts travel with the data, in the same windows, like batch's stats.json.
    """

    def __init__(self, state_dir: str, run_id: str, window_seconds: float, allowed_lateness: float):
        super().__init__()
        self.state_dir = state_dir
        self.run_id = run_id
        self.window_seconds = window_seconds
        self.allowed_lateness = allowed_lateness

    def expand(self, stats):
        return (
            stats
            | "WindowStats" >> WindowByPublication(self.window_seconds, self.allowed_lateness)
            | "SumStats" >> beam.CombineGlobally(_SumStats()).without_defaults()
            | "StageStats" >> beam.ParDo(_WriteStatsPane(self.state_dir, self.run_id))
        )
