"""Each Beam stage in isolation, with TestPipeline and assert_that."""
import datetime as dt
import gzip

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import ErrorRecord, RawDocument, SourceMeta
from schemas.tables import SCHEMA_VERSION
from tests.conftest import beam_test_pipeline
from transforms.parquet import WritePartitionedParquet
from transforms.read import ReadTranscriptFiles
from transforms.stages import CleanTranscripts, ParseTranscripts, SplitSegments, TagLanguage, TagTopics

STORY = (
    "Storm hits the coast\n\nREYES: Good evening. A powerful storm brought heavy rain and flooding to the coast today, "
    "and thousands were evacuated.\n\nHOLLOWAY: Um, the, the winds reached ninety miles per hour."
)


def raw(name: str, text: str | bytes) -> RawDocument:
    payload = text.encode() if isinstance(text, str) else text
    return RawDocument(SourceMeta(f"mem://{name}", "file"), payload, name.rsplit(".", 1)[-1])


def test_read_transcript_files_reads_gzip_and_reports_missing_and_oversize(tmp_path):
    (tmp_path / "a.txt").write_text("Hello.")
    (tmp_path / "b.srt.gz").write_bytes(gzip.compress(b"1\n00:00:01,000 --> 00:00:02,000\nHi.\n"))
    (tmp_path / "big.txt").write_bytes(b"x" * 100)
    with beam_test_pipeline() as p:
        docs, errors, inputs = p | ReadTranscriptFiles(
            [str(tmp_path / "*.txt"), str(tmp_path / "*.gz"), str(tmp_path / "none/*.vtt")], max_bytes=50
        )
        assert_that(
            docs | beam.Map(lambda d: (d.meta.source_uri.rsplit("/", 1)[-1], d.payload[:6], d.format_hint)),
            equal_to([("a.txt", b"Hello.", "txt"), ("b.srt.gz", b"1\n00:0", "srt")]),
            label="documents",
        )
        assert_that(
            errors | beam.Map(lambda e: (e.source_uri.rsplit("/", 1)[-1], e.stage, e.error_type)),
            equal_to([("big.txt", "read", "FileTooLarge"), ("*.vtt", "match", "NoMatch")]),
            label="errors",
        )
        assert_that(inputs | beam.combiners.Count.Globally(), equal_to([4]), label="inputs")


def test_parse_transcripts_sends_bad_input_to_dead_letters():
    with beam_test_pipeline() as p:
        parsed, errors = (
            p
            | beam.Create([raw("good.txt", STORY), raw("empty.txt", b""), raw("bad.json", '{"x": 1}')])
            | ParseTranscripts()
        )
        assert_that(parsed | beam.Map(lambda d: (d.format, d.title, len(d.blocks))), equal_to([("txt", "Storm hits the coast", 3)]), label="ok")
        assert_that(
            errors | beam.Map(lambda e: (e.source_uri, e.stage, e.error_type)),
            equal_to([("mem://empty.txt", "parse", "EmptyInput"), ("mem://bad.json", "parse", "NotATranscript")]),
            label="errors",
        )


def _tagged(p, profile="full"):
    parsed, _ = p | beam.Create([raw("story.txt", STORY)]) | ParseTranscripts()
    cleaned, clean_errors = parsed | CleanTranscripts(profile, None, None)
    segmented, segment_errors = cleaned | SplitSegments(0, 2000)
    return cleaned, segmented


def test_clean_transcripts_applies_the_profile():
    with beam_test_pipeline() as p:
        cleaned, _ = _tagged(p)
        assert_that(
            cleaned | beam.Map(lambda d: (d.text.splitlines()[-1], d.cleaning, sorted({e.kind for e in d.edits}))),
            equal_to([("The winds reached ninety miles per hour.", "full", ["disfluency", "filler", "label", "normalize"])]),
        )


def test_split_segments_keeps_speakers_and_offsets():
    with beam_test_pipeline() as p:
        _, segmented = _tagged(p)
        assert_that(
            segmented | beam.FlatMap(lambda d: [(s.speaker, d.cleaned.text[s.start_char:s.end_char] == s.text) for s in d.segments]),
            equal_to([(None, True), ("REYES", True), ("HOLLOWAY", True)]),
        )


def test_tag_language_and_topics():
    with beam_test_pipeline() as p:
        _, segmented = _tagged(p)
        with_language, _ = segmented | TagLanguage(None)
        tagged, errors = with_language | TagTopics()
        assert_that(
            tagged | beam.Map(lambda d: (d.language, {s.language for s in d.segments}, {t.label for t in d.topics} >= {"weather"})),
            equal_to([("en", {"en"}, True)]),
            label="tagged",
        )
        assert_that(errors, equal_to([]), label="no errors")


def test_write_partitioned_parquet(tmp_path):
    staging = str(tmp_path / "staging")
    when = dt.datetime(2026, 11, 20, 12, tzinfo=dt.timezone.utc)
    error = ErrorRecord("mem://x", "parse", "EmptyInput", "input is empty", "", None, when)
    with beam_test_pipeline() as p:
        _, segmented = _tagged(p)
        with_language, _ = segmented | TagLanguage(None)
        tagged, _ = with_language | TagTopics()
        written = (tagged, p | "Errors" >> beam.Create([error])) | beam.Flatten() | WritePartitionedParquet(staging, "run1", when, "2026-11-20")
        assert_that(
            written | beam.Map(lambda f: (f.table, f.partition, f.rows)),
            equal_to([
                ("documents", "date=2026-11-20/language=en", 1),
                ("segments", "date=2026-11-20/language=en", 3),
                ("errors", "date=2026-11-20", 1),
            ]),
        )
    files = sorted((tmp_path / "staging").rglob("*.parquet"))
    assert len(files) == 3
    meta = pq.ParquetFile(files[0]).schema_arrow.metadata
    assert meta[b"newsbeam.schema_version"] == SCHEMA_VERSION.encode() and meta[b"newsbeam.run_id"] == b"run1"
    assert pq.ParquetFile(files[0]).metadata.row_group(0).column(0).compression == "ZSTD"
