"""The streaming pipeline: feeds polled forever, new entries through the batch stages, windows of Parquet out."""
from __future__ import annotations

import apache_beam as beam

from pipeline.stream_options import StreamConfig
from transforms.fetch import FetchOptions
from transforms.stages import CleanTranscripts, ParseTranscripts, SplitSegments, TagLanguage, TagTopics
from transforms.stream_feeds import (
    DropSeenEntries,
    EntriesToDocuments,
    PollFeeds,
    RecordStreamStats,
    StampPublicationTime,
)
from transforms.stream_parquet import WindowByPublication, WriteWindowedParquet


def build_stream_pipeline(p: beam.Pipeline, cfg: StreamConfig, run_id: str, ticks: beam.PTransform) -> beam.PCollection:
    """ticks: the transforms.poll_clock.PollTicks for the runner. Returns the WrittenFiles."""
    s = cfg.shared
    fetch_options = FetchOptions(allow_private_network=s.allow_private_network)
    entries, poll_errors, poll_stats = (
        p
        | "PollTicks" >> ticks
        | "PollFeeds" >> PollFeeds(list(s.feeds), s.state_dir, fetch_options)
    )
    return ingest_entries(entries, cfg, run_id, fetch_options, errors=[poll_errors], stats=[poll_stats])


def ingest_entries(
    entries: beam.PCollection,
    cfg: StreamConfig,
    run_id: str,
    fetch_options: FetchOptions,
    errors: list[beam.PCollection] = (),
    stats: list[beam.PCollection] = (),
) -> beam.PCollection:
    """Feed entries at their fetch time (and the polls' dead letters and stats) -> windowed Parquet."""
    s = cfg.shared
    languages = list(s.languages) if s.languages else None
    new_entries, seen_stats = entries | "DropSeenEntries" >> DropSeenEntries(s.state_dir, run_id, cfg.dedup_ttl)
    stamped, stamp_stats = new_entries | "StampPublicationTime" >> StampPublicationTime(cfg.allowed_lateness)
    raw, entry_errors, entry_stats = stamped | "EntriesToDocuments" >> EntriesToDocuments(fetch_options)
    parsed, parse_errors = raw | "ParseTranscripts" >> ParseTranscripts()
    cleaned, clean_errors = parsed | "CleanTranscripts" >> CleanTranscripts(s.cleaning, languages, s.cleaning_data)
    segmented, segment_errors = cleaned | "SplitSegments" >> SplitSegments(s.min_segment_chars, s.max_segment_chars)
    with_language, language_errors = segmented | "TagLanguage" >> TagLanguage(languages)
    tagged, topic_errors = with_language | "TagTopics" >> TagTopics(s.topic_model)

    dead_letters = (
        *errors, entry_errors, parse_errors, clean_errors, segment_errors, language_errors, topic_errors
    ) | "DeadLetters" >> beam.Flatten()
    _ = (
        (*stats, seen_stats, stamp_stats, entry_stats)
        | "StreamStats" >> beam.Flatten()
        | "RecordStreamStats" >> RecordStreamStats(s.state_dir, run_id, cfg.window, cfg.allowed_lateness)
    )
    return (
        (tagged, dead_letters)
        | "DocumentsAndErrors" >> beam.Flatten()
        | "WindowByPublication" >> WindowByPublication(cfg.window, cfg.allowed_lateness)
        | "WriteWindowedParquet" >> WriteWindowedParquet(
            s.output, run_id, s.state_dir, s.target_file_bytes, s.row_group_rows
        )
    )
