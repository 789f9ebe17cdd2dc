"""The Beam source for RSS/Atom/podcast feeds: feed URLs to RawDocuments, ErrorRecords and inputs.

Entries are deduplicated across feeds and runs; what a run learnt is staged for commit_run().
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import uuid

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.records import ErrorRecord
from transforms.feed_state import (
    NEW_SEEN_FILE,
    RETRY_FEEDS_FILE,
    RUN_VALIDATORS_FILE,
    load_validators,
    read_bytes,
    seen_path,
    write_run_file,
    write_run_stats,
)
from transforms.feeds import (
    MAX_TRANSCRIPT_TRIES,
    EntryOutcome,
    FeedOutcome,
    entry_doc_id,
    entry_identity,
    entry_outcome,
    entry_source_uri,
    read_feed,
)
from transforms.fetch import FetchOptions, HttpFetcher

_LOG = logging.getLogger(__name__)
ERRORS = "errors"
STATS = "stats"
INPUTS = "inputs"
VALIDATORS = "validators"
NEW_SEEN = "new_seen"
RETRY_FEEDS = "retry_feeds"
# Every count the stats file holds, zero when nothing happened.
STAT_KEYS = (
    "feeds",
    "feeds_fetched",
    "feeds_not_modified",
    "feeds_failed",
    "bozo_feeds",
    "entries_found",
    "entries_outside_window",
    "entries_skipped_seen",
    "entries_duplicate",
    "documents",
    "documents_from_transcript",
    "transcript_fallbacks",
    "transcript_links_failed",
    "entries_failed",
)


def default_run_id() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def _stat(name: str, n: int = 1):
    return beam.pvalue.TaggedOutput(STATS, (name, n))


class _WithFetcher(beam.DoFn):
    """A DoFn holding one HTTP fetcher per worker: made in setup, closed in teardown, never pickled open."""

    def __init__(self, options: FetchOptions):
        self.options = options
        self._fetcher: HttpFetcher | None = None

    def setup(self):
        self._fetcher = HttpFetcher(self.options)

    def teardown(self):
        if self._fetcher is not None:
            self._fetcher.close()


def read_feed_safely(url: str, fetcher: HttpFetcher, validators) -> FeedOutcome:
    """read_feed, with a bug turned into the feed's InternalError outcome so the run goes on."""
    try:
        return read_feed(url, fetcher, validators)
    except Exception as exc:  # noqa: BLE001 - a bug: keep the run going, and say so loudly
        _LOG.exception("reading feed %s failed", url)
        return FeedOutcome(url, error=ErrorRecord(url, "feed", "InternalError", f"{type(exc).__name__}: {exc}"))


class _FetchFeed(_WithFetcher):
    """A feed URL -> its entries, or one ErrorRecord if the feed failed as a whole."""

    def __init__(self, state_dir: str, options: FetchOptions, conditional: bool = True):
        super().__init__(options)
        self.state_dir = state_dir
        self.conditional = conditional
        self.bozo = Metrics.counter("newsbeam", "feeds_bozo")
        self.failed = Metrics.counter("newsbeam", "feeds_failed")

    def process(self, url: str):
        previous = None
        if self.conditional:
            try:
                previous = load_validators(self.state_dir, url)
            except Exception:  # noqa: BLE001 - unreadable state only costs a full fetch instead of a conditional one
                previous = None
        outcome = read_feed_safely(url, self._fetcher, previous)
        yield _stat("feeds")
        if outcome.error is not None:
            self.failed.inc()
            yield _stat("feeds_failed")
            yield beam.pvalue.TaggedOutput(ERRORS, outcome.error)
            return
        if outcome.not_modified:
            yield _stat("feeds_not_modified")
            return
        feed = outcome.feed
        yield _stat("feeds_fetched")
        if feed.bozo:
            # Read despite being broken: ingested, and counted so the manifest can report it.
            _LOG.warning("feed %s is not well formed (%s); ingesting what could be read", url, feed.bozo_message)
            self.bozo.inc()
            yield _stat("bozo_feeds")
        yield _stat("entries_found", len(feed.entries))
        if outcome.validators is not None:
            yield beam.pvalue.TaggedOutput(VALIDATORS, json.dumps(dataclasses.asdict(outcome.validators), sort_keys=True))
        yield from feed.entries


class _InWindow(beam.DoFn):
    """Keep the entries published in [start, end); the others belong to another night."""

    def __init__(self, start: dt.datetime, end: dt.datetime):
        self.start = start
        self.end = end

    def process(self, entry):
        if entry.published_at is not None and self.start <= entry.published_at < self.end:
            yield entry
        else:
            yield _stat("entries_outside_window")


class _ReadSeen(beam.DoFn):
    """The state directory -> the doc ids of entries ingested by earlier runs."""

    def process(self, state_dir: str):
        # An unreadable seen-set fails the run: ingesting without it would duplicate every entry.
        data = read_bytes(seen_path(state_dir)) or b""
        for line in data.decode("utf-8").splitlines():
            if line.strip():
                yield line.strip(), None


class _ChooseUnseen(beam.DoFn):
    """All copies of one entry (by doc id) -> one entry to ingest, unless an earlier run saw it."""

    def process(self, element):
        _, groups = element
        entries = list(groups["entries"])
        if not entries:
            return
        if any(True for _ in groups["seen"]):
            yield _stat("entries_skipped_seen", len(entries))
            return
        # Deterministic whatever the order the runner delivers: a copy that links transcripts wins,
        # then the first feed URL and position.
        chosen = min(entries, key=lambda e: (not e.transcripts, e.feed_url, e.index))
        if len(entries) > 1:
            yield _stat("entries_duplicate", len(entries) - 1)
        yield beam.pvalue.TaggedOutput(INPUTS, entry_identity(chosen))
        yield chosen


class _EntryToDocument(_WithFetcher):
    """An entry -> a RawDocument (from its transcript, content or summary) or an ErrorRecord."""

    def __init__(self, options: FetchOptions, max_tries: int):
        super().__init__(options)
        self.max_tries = max_tries
        self.fallbacks = Metrics.counter("newsbeam", "transcript_fallbacks")

    def process(self, entry):
        try:
            outcome = entry_outcome(entry, self._fetcher, self.max_tries)
        except Exception as exc:  # noqa: BLE001 - a bug: keep the run going, and say so loudly
            _LOG.exception("entry %s of %s failed", entry_identity(entry), entry.feed_url)
            error = ErrorRecord(entry_source_uri(entry), "feed", "InternalError", f"{type(exc).__name__}: {exc}", published_at=entry.published_at)
            outcome = EntryOutcome(None, error)
        if outcome.warnings:
            yield _stat("transcript_links_failed", len(outcome.warnings))
        if outcome.document is None:
            yield _stat("entries_failed")
            # Its feed is fetched in full next run, so this entry is tried again.
            yield beam.pvalue.TaggedOutput(RETRY_FEEDS, entry.feed_url)
            yield beam.pvalue.TaggedOutput(ERRORS, outcome.error)
            return
        yield _stat("documents")
        if outcome.transcript_url:
            yield _stat("documents_from_transcript")
        elif outcome.warnings:
            self.fallbacks.inc()
            yield _stat("transcript_fallbacks")
        yield beam.pvalue.TaggedOutput(NEW_SEEN, entry_doc_id(entry))
        yield outcome.document


class _WriteRunFile(beam.DoFn):
    """Stage one file of the run; a failure here fails the run, which then commits nothing."""

    def __init__(self, state_dir: str, run_id: str, name: str):
        self.state_dir = state_dir
        self.run_id = run_id
        self.name = name

    def process(self, lines: list[str]):
        write_run_file(self.state_dir, self.run_id, self.name, lines)
        yield len(lines)


class _WriteStats(beam.DoFn):
    def __init__(self, state_dir: str, run_id: str):
        self.state_dir = state_dir
        self.run_id = run_id

    def process(self, counts: list[tuple[str, int]]):
        stats = dict.fromkeys(STAT_KEYS, 0)
        stats.update(counts)
        write_run_stats(self.state_dir, self.run_id, stats)
        yield stats


class ReadFeedEntries(beam.PTransform):
    """Feed URLs -> (RawDocument, ErrorRecord, input) PCollections, like ReadTranscriptFiles.

    inputs names each feed that failed as a whole and each distinct entry to ingest once, so
    inputs = documents + errors; entries skipped as already seen are not inputs, they are counted in
    runs/<run_id>/stats.json. After the pipeline succeeded, call
    ``feed_state.commit_run(state_dir, transform.run_id)`` to make the run's entries seen and its
    validators current.
    """

    def __init__(
        self,
        urls: list[str],
        state_dir: str,
        allow_private_network: bool = False,
        run_id: str | None = None,
        fetch_options: FetchOptions | None = None,
        max_transcript_tries: int = MAX_TRANSCRIPT_TRIES,
        window: tuple[dt.datetime, dt.datetime] | None = None,
        known_ids: list[str] | None = None,
    ):
        """window: a nightly run's publication-time window; its fetches are then unconditional,
        since a rerun of the night must see every entry again. known_ids: doc ids already in
        the dataset, used instead of the state's seen-set (a nightly run's late entries)."""
        super().__init__()
        self.window = window
        self.known_ids = known_ids
        self.urls = list(dict.fromkeys(u.strip() for u in urls if u and u.strip()))
        self.state_dir = state_dir
        self.run_id = run_id or default_run_id()
        self.fetch_options = dataclasses.replace(fetch_options or FetchOptions(), allow_private_network=allow_private_network)
        self.max_transcript_tries = max_transcript_tries

    def expand(self, pbegin):
        fetched = (
            pbegin
            | "FeedURLs" >> beam.Create(self.urls)
            # Spread feeds over workers: Create puts them all in one bundle.
            | "ReshuffleFeeds" >> beam.Reshuffle()
            | "FetchFeeds" >> beam.ParDo(
                _FetchFeed(self.state_dir, self.fetch_options, conditional=self.window is None)
            ).with_outputs(ERRORS, STATS, VALIDATORS, main="entries")
        )
        entries, window_stats = fetched.entries, []
        if self.window is not None:
            in_window = entries | "InWindow" >> beam.ParDo(_InWindow(*self.window)).with_outputs(STATS, main="entries")
            entries, window_stats = in_window.entries, [in_window[STATS]]
        if self.known_ids is not None:
            seen = pbegin | "KnownIds" >> beam.Create([(doc_id, None) for doc_id in self.known_ids])
        else:
            seen = pbegin | "StateDir" >> beam.Create([self.state_dir]) | "ReadSeen" >> beam.ParDo(_ReadSeen())
        chosen = (
            {"entries": entries | "KeyByDocId" >> beam.Map(lambda e: (entry_doc_id(e), e)), "seen": seen}
            | "GroupCopies" >> beam.CoGroupByKey()
            | "ChooseUnseen" >> beam.ParDo(_ChooseUnseen()).with_outputs(STATS, INPUTS, main="entries")
        )
        built = (
            chosen.entries
            # Transcript fetches are the slow part: spread entries over workers.
            | "ReshuffleEntries" >> beam.Reshuffle()
            | "EntriesToDocuments" >> beam.ParDo(_EntryToDocument(self.fetch_options, self.max_transcript_tries)).with_outputs(
                ERRORS, STATS, NEW_SEEN, RETRY_FEEDS, main="documents"
            )
        )
        errors = (fetched[ERRORS], built[ERRORS]) | "FlattenFeedErrors" >> beam.Flatten()
        inputs = (
            fetched[ERRORS] | "FailedFeedInputs" >> beam.Map(lambda e: e.source_uri),
            chosen[INPUTS],
        ) | "FlattenFeedInputs" >> beam.Flatten()
        for label, pcoll, name in (
            ("NewSeen", built[NEW_SEEN], NEW_SEEN_FILE),
            ("Validators", fetched[VALIDATORS], RUN_VALIDATORS_FILE),
            ("RetryFeeds", built[RETRY_FEEDS], RETRY_FEEDS_FILE),
        ):
            (
                pcoll
                | f"Collect{label}" >> beam.combiners.ToList()
                | f"Stage{label}" >> beam.ParDo(_WriteRunFile(self.state_dir, self.run_id, name))
            )
        (
            (fetched[STATS], chosen[STATS], built[STATS], *window_stats)
            | "FlattenStats" >> beam.Flatten()
            | "SumStats" >> beam.CombinePerKey(sum)
            | "CollectStats" >> beam.combiners.ToList()
            | "WriteStats" >> beam.ParDo(_WriteStats(self.state_dir, self.run_id))
        )
        return built.documents, errors, inputs
