"""Progress of a long run in the log: documents done, their raw size and the rate, every few seconds per worker."""
from __future__ import annotations

import logging
import os
import time

import apache_beam as beam

from schemas.records import TaggedDocument

_LOG = logging.getLogger("newsbeam.progress")
DEFAULT_INTERVAL_SECONDS = 10.0


class _LogProgress(beam.DoFn):
    def __init__(self, interval_seconds: float):
        self.interval_seconds = interval_seconds

    def setup(self):
        self._started = time.monotonic()
        self._last = self._started
        self._documents = 0
        self._raw_chars = 0

    def process(self, element: TaggedDocument):
        self._documents += 1
        self._raw_chars += element.cleaned.raw_chars
        now = time.monotonic()
        if now - self._last >= self.interval_seconds:
            self._last = now
            elapsed = now - self._started
            _LOG.info(
                "progress worker=%d documents=%d raw_mb=%.1f docs_per_s=%.1f mb_per_s=%.2f elapsed_s=%.0f",
                os.getpid(), self._documents, self._raw_chars / 1e6,
                self._documents / elapsed, self._raw_chars / 1e6 / elapsed, elapsed,
            )
        yield element


class LogProgress(beam.PTransform):
    """Pass tagged documents through, logging how far the run has got every interval_seconds."""

    def __init__(self, interval_seconds: float = DEFAULT_INTERVAL_SECONDS):
        super().__init__()
        self.interval_seconds = interval_seconds

    def expand(self, pcoll):
        return pcoll | "Log" >> beam.ParDo(_LogProgress(self.interval_seconds))
