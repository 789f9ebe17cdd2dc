"""Beam wrappers of the plain stage functions: parse, clean, segment, tag language, tag topics.

Each stage is a PTransform returning (good, errors): an input a stage cannot
handle leaves as an ErrorRecord with the stage's name, never as an exception.
"""
from __future__ import annotations

import dataclasses
import functools
import logging

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.records import (
    CleanedDocument,
    ErrorRecord,
    ParsedTranscript,
    RawDocument,
    Segment,
    SourceMeta,
    TaggedDocument,
)
from transforms.errors import InputError
from transforms.read import ERRORS

_LOG = logging.getLogger(__name__)
_EXCERPT_CHARS = 500


def _meta(element) -> SourceMeta:
    if isinstance(element, TaggedDocument):
        return element.cleaned.meta
    return element.meta


def _excerpt(element) -> str:
    if isinstance(element, RawDocument):
        return element.payload[:_EXCERPT_CHARS * 2].decode("utf-8", "replace")[:_EXCERPT_CHARS]
    if isinstance(element, ParsedTranscript):
        return element.raw_text[:_EXCERPT_CHARS]
    if isinstance(element, CleanedDocument):
        return element.text[:_EXCERPT_CHARS]
    if isinstance(element, TaggedDocument):
        return element.cleaned.text[:_EXCERPT_CHARS]
    return ""


@functools.lru_cache(maxsize=4)
def language_tagger(languages: tuple[str, ...] | None):
    """One tagger per worker process and language set: runners that set up a DoFn per bundle
    (Beam's streaming direct runner) would otherwise load the profiles every bundle."""
    from transforms.language import LanguageTagger

    return LanguageTagger(list(languages) if languages else None)


class _StageFn(beam.DoFn):
    """Runs `apply` on each element; bad input and bugs become dead letters."""

    stage = "stage"

    def __init__(self):
        self.processed = Metrics.counter("newsbeam", f"{self.stage}_ok")
        self.failed = Metrics.counter("newsbeam", f"{self.stage}_errors")

    def apply(self, element):
        raise NotImplementedError

    def process(self, element):
        try:
            result = self.apply(element)
        except InputError as exc:
            self.failed.inc()
            yield beam.pvalue.TaggedOutput(ERRORS, self._error(element, exc.error_type, exc.message))
            return
        except Exception as exc:  # noqa: BLE001 - a bug: keep the run going, and say so loudly
            _LOG.exception("%s failed on %s", self.stage, _meta(element).source_uri)
            self.failed.inc()
            yield beam.pvalue.TaggedOutput(
                ERRORS, self._error(element, "InternalError", f"{type(exc).__name__}: {exc}")
            )
            return
        self.processed.inc()
        yield result

    def _error(self, element, error_type: str, message: str) -> ErrorRecord:
        meta = _meta(element)
        return ErrorRecord(meta.source_uri, self.stage, error_type, message, _excerpt(element), meta.published_at)


class _Stage(beam.PTransform):
    fn_class: type[_StageFn]

    def __init__(self, *args, **kwargs):
        super().__init__()
        self.fn = self.fn_class(*args, **kwargs)

    def expand(self, pcoll):
        out = pcoll | self.fn.stage.capitalize() >> beam.ParDo(self.fn).with_outputs(ERRORS, main="ok")
        return out.ok, out[ERRORS]


class _ParseFn(_StageFn):
    stage = "parse"

    def apply(self, raw: RawDocument) -> ParsedTranscript:
        from transforms.parse import parse_document

        return parse_document(raw)


class ParseTranscripts(_Stage):
    """RawDocument -> ParsedTranscript: decode bytes, recognise the format, find content blocks."""

    fn_class = _ParseFn


class _CleanFn(_StageFn):
    stage = "clean"

    def __init__(self, profile: str, languages: list[str] | None, lexicons_dir: str | None):
        super().__init__()
        self.profile = profile
        self.languages = languages
        # Loaded here, on the launching machine, and pickled with the DoFn:
        # a user's lexicon directory need not exist on remote workers.
        from transforms.clean import Lexicons

        self.lexicons = Lexicons.load(lexicons_dir)

    def setup(self):
        self.tagger = language_tagger(tuple(self.languages) if self.languages else None)

    def apply(self, parsed: ParsedTranscript) -> CleanedDocument:
        from transforms.clean import clean_transcript

        # The filler and cue lexicons depend on the language; a first look
        # at the raw content picks them (the cleaned text is tagged later).
        sample = " ".join(parsed.raw_text[b.start:b.end] for b in parsed.blocks[:50])[:5000]
        hint = self.tagger.detect(sample).language
        result = clean_transcript(parsed, self.profile, hint, self.lexicons)
        if not result.text.strip():
            raise InputError("NoContent", "nothing is left after cleaning: the input holds no transcript text")
        return CleanedDocument(
            meta=parsed.meta,
            doc_id=parsed.doc_id,
            format=parsed.format,
            encoding=parsed.encoding,
            title=parsed.title,
            raw_chars=len(parsed.raw_text),
            text=result.text,
            edits=result.edits,
            turns=result.turns,
            cleaning=self.profile,
            timeline=result.timeline,
            language_hint=hint if hint != "und" else None,
        )


class CleanTranscripts(_Stage):
    """ParsedTranscript -> CleanedDocument under a cleaning profile (full, light, none) and lexicons."""

    fn_class = _CleanFn


class _SegmentFn(_StageFn):
    stage = "segment"

    def __init__(self, min_chars: int, max_chars: int):
        super().__init__()
        self.min_chars = min_chars
        self.max_chars = max_chars

    def apply(self, doc: CleanedDocument) -> TaggedDocument:
        from transforms.segment import segment_transcript

        spans = segment_transcript(
            doc.text, doc.turns, doc.timeline, self.min_chars, self.max_chars, language=doc.language_hint
        )
        segments = tuple(
            Segment(
                doc_id=doc.doc_id,
                segment_index=i,
                text=doc.text[s.start:s.end],
                start_char=s.start,
                end_char=s.end,
                speaker=s.speaker,
                speaker_role=s.speaker_role,
                start_seconds=s.start_seconds,
                end_seconds=s.end_seconds,
                boundary=s.opens,
            )
            for i, s in enumerate(spans)
        )
        return TaggedDocument(cleaned=doc, segments=segments)


class SplitSegments(_Stage):
    """CleanedDocument -> TaggedDocument with its segments."""

    fn_class = _SegmentFn


class _LanguageFn(_StageFn):
    stage = "language"

    def __init__(self, languages: list[str] | None):
        super().__init__()
        self.languages = languages

    def setup(self):
        self.tagger = language_tagger(tuple(self.languages) if self.languages else None)

    def apply(self, doc: TaggedDocument) -> TaggedDocument:
        guess = self.tagger.detect(doc.cleaned.text)
        texts = [s.text for s in doc.segments]
        guesses = self.tagger.detect_many(texts, [guess.language] * len(texts))
        segments = tuple(
            dataclasses.replace(s, language=g.language, language_score=g.score)
            for s, g in zip(doc.segments, guesses, strict=True)
        )
        return doc.replace(segments=segments, language=guess.language, language_score=guess.score)


class TagLanguage(_Stage):
    """Language of each document (whole text) and segment (with the document as prior)."""

    fn_class = _LanguageFn


class _TopicsFn(_StageFn):
    stage = "topics"

    def __init__(self, model_path: str | None = None):
        super().__init__()
        # Loaded on the launching machine and pickled with the DoFn, so a
        # model file need not be reachable from the workers.
        from transforms.topic_model import load_topic_model

        self.model = load_topic_model(model_path)

    def apply(self, doc: TaggedDocument) -> TaggedDocument:
        from transforms.topics import document_topics

        segments = tuple(
            dataclasses.replace(s, topics=self.model.classify(s.text, s.language)) for s in doc.segments
        )
        topics = document_topics([(s.topics, len(s.text)) for s in segments])
        return doc.replace(segments=segments, topics=topics)


class TagTopics(_Stage):
    """IPTC Media Topics for each segment, and for the document from its segments (built-in or trained model)."""

    fn_class = _TopicsFn
