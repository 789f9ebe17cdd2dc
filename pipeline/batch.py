"""The batch pipeline: transcript files and feeds in, partitioned Parquet out, read top to bottom."""
from __future__ import annotations

import datetime as dt

import apache_beam as beam

from pipeline.options import RunConfig
from transforms.parquet import PartitionDates, WritePartitionedParquet
from transforms.progress import LogProgress
from transforms.read import ReadTranscriptFiles
from transforms.read_feeds import ReadFeedEntries
from transforms.run_stats import RecordInputCount
from transforms.stages import CleanTranscripts, ParseTranscripts, SplitSegments, TagLanguage, TagTopics


def build_pipeline(
    p: beam.Pipeline,
    cfg: RunConfig,
    run_id: str,
    started_at: dt.datetime,
    staging_dir: str,
    known_ids: list[str] | None = None,
) -> None:
    """known_ids: for a nightly run, doc ids the dataset already holds for its lookback days."""
    languages = list(cfg.languages) if cfg.languages else None
    window = (cfg.window_start, cfg.window_end) if cfg.mode == "nightly" else None
    sources = []
    if cfg.inputs:
        sources.append(p | "ReadTranscriptFiles" >> ReadTranscriptFiles(list(cfg.inputs), cfg.max_bytes))
    if cfg.feeds:
        sources.append(
            p | "ReadFeedEntries" >> ReadFeedEntries(
                list(cfg.feeds), cfg.state_dir, cfg.allow_private_network, run_id, window=window, known_ids=known_ids
            )
        )
    raw = [s[0] for s in sources] | "RawDocuments" >> beam.Flatten()
    read_errors = [s[1] for s in sources] | "ReadErrors" >> beam.Flatten()
    inputs = [s[2] for s in sources] | "Inputs" >> beam.Flatten()
    parsed, parse_errors = raw | "ParseTranscripts" >> ParseTranscripts()
    cleaned, clean_errors = parsed | "CleanTranscripts" >> CleanTranscripts(cfg.cleaning, languages, cfg.cleaning_data)
    segmented, segment_errors = cleaned | "SplitSegments" >> SplitSegments(cfg.min_segment_chars, cfg.max_segment_chars)
    with_language, language_errors = segmented | "TagLanguage" >> TagLanguage(languages)
    tagged, topic_errors = with_language | "TagTopics" >> TagTopics(cfg.topic_model)

    dead_letters = (
        read_errors, parse_errors, clean_errors, segment_errors, language_errors, topic_errors
    ) | "DeadLetters" >> beam.Flatten()
    _ = (
        (tagged | "LogProgress" >> LogProgress(), dead_letters)
        | "WritePartitionedParquet" >> WritePartitionedParquet(
            staging_dir, run_id, started_at, partition_dates(cfg), cfg.target_file_bytes, cfg.row_group_rows
        )
    )
    _ = inputs | "RecordInputCount" >> RecordInputCount(staging_dir)


def partition_dates(cfg: RunConfig) -> PartitionDates:
    if cfg.mode != "nightly":
        return PartitionDates(cfg.date)
    return PartitionDates(cfg.date, frozenset((*cfg.lookback_dates(), cfg.date)), errors_on_default=True)
