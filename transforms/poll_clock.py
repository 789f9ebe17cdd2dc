"""Poll ticks for the streaming pipeline: one element per poll interval, whose watermark follows the wall clock.

On Dataflow, Flink, Prism and the portable runners the ticks are Beam's PeriodicImpulse. Beam's
Python direct runner (BundleBasedDirectRunner, the one that runs streaming pipelines in Python)
holds the watermark of a splittable DoFn at -infinity until it finishes, so with PeriodicImpulse
no window would fire before the stream ends. There the ticks come from a TestStream reading
events from a TestStreamService (the mechanism Interactive Beam streams with): WallClock serves
one element per poll interval and a watermark that follows the wall clock, until it is stopped.
"""
from __future__ import annotations

import logging
import threading
import time

import apache_beam as beam
from apache_beam import coders
from apache_beam.portability.api import beam_runner_api_pb2
from apache_beam.testing.test_stream import TestStream
from apache_beam.transforms.periodicsequence import PeriodicImpulse, RebaseMode
from apache_beam.utils.timestamp import MAX_TIMESTAMP, Timestamp

_LOG = logging.getLogger(__name__)
_EVENT = beam_runner_api_pb2.TestStreamPayload.Event
_TICK_CODER = coders.FloatCoder()
# How often the wall clock advances the watermark between ticks. Beam's TestStream reader gives
# up after 30 s without an event, and a window should close soon after its end.
HEARTBEAT_SECONDS = 0.5
# Runner names (the last part of --runner) that resolve to Beam's Python direct runner.
DIRECT_RUNNERS = ("DirectRunner", "SwitchingDirectRunner", "BundleBasedDirectRunner")


def is_direct_runner(runner: str | None) -> bool:
    return runner is None or str(runner).rsplit(".", 1)[-1] in DIRECT_RUNNERS


class WallClock:
    """A TestStreamService that ticks every `interval` seconds until stopped or `deadline` (epoch seconds).

    start() serves on localhost and gives the endpoint; stop() ends the stream, after which the
    TestStream's watermark goes to +infinity and every window in flight fires.
    """

    def __init__(self, interval: float, deadline: float | None = None, heartbeat: float = HEARTBEAT_SECONDS):
        self.interval = interval
        self.deadline = deadline
        self.heartbeat = heartbeat
        self.stopped = threading.Event()
        self.ticks = 0
        self._service = None

    @property
    def endpoint(self) -> str:
        if self._service is None:
            raise RuntimeError("WallClock.start() was not called")
        return self._service.endpoint

    def start(self) -> WallClock:
        from apache_beam.testing.test_stream_service import TestStreamServiceController

        self._service = TestStreamServiceController(self)
        self._service.start()
        return self

    def stop(self) -> None:
        """End the stream (idempotent, safe from a signal handler)."""
        self.stopped.set()

    def close(self) -> None:
        self.stop()
        if self._service is not None:
            self._service.stop()

    def finished(self) -> bool:
        return self.stopped.is_set() or (self.deadline is not None and time.time() >= self.deadline)

    def read_multiple(self, unused_labels):
        """The TestStreamService's reader interface: the events of the stream, as they happen."""
        next_tick = time.time()
        last = next_tick
        while not self.finished():
            now = time.time()
            if now - last > 0:
                yield _EVENT(processing_time_event=_EVENT.AdvanceProcessingTime(advance_duration=int((now - last) * 1e6)))
                last = now
            if now >= next_tick:
                micros = int(next_tick * 1e6)
                element = beam_runner_api_pb2.TestStreamPayload.TimestampedElement(
                    encoded_element=_TICK_CODER.encode(next_tick), timestamp=micros
                )
                yield _EVENT(element_event=_EVENT.AddElements(elements=[element]))
                self.ticks += 1
                # Nothing earlier than this tick will come: what the fetches of this tick emit is held
                # back by the tick itself until they are done.
                yield _EVENT(watermark_event=_EVENT.AdvanceWatermark(new_watermark=micros))
                next_tick += self.interval
                while next_tick <= now:  # a stalled machine skips ticks rather than bursting
                    next_tick += self.interval
            else:
                yield _EVENT(watermark_event=_EVENT.AdvanceWatermark(new_watermark=int(now * 1e6)))
            self.stopped.wait(max(0.0, min(self.heartbeat, next_tick - time.time())))
        _LOG.info("wall clock stopped after %d ticks", self.ticks)


class PollTicks(beam.PTransform):
    """PBegin -> one element per poll interval, timestamped with its poll time, until stopped.

    With `endpoint` (a WallClock's), for Beam's Python direct runner; without, Beam's
    PeriodicImpulse, stopping after `max_runtime` seconds if given (runners drain it otherwise).
    """

    def __init__(self, interval: float, max_runtime: float | None = None, endpoint: str | None = None):
        super().__init__()
        self.interval = interval
        self.max_runtime = max_runtime
        self.endpoint = endpoint

    def expand(self, pbegin):
        if self.endpoint:
            return pbegin | "WallClock" >> TestStream(coder=_TICK_CODER, endpoint=self.endpoint)
        start = Timestamp.now()
        if self.max_runtime:
            # REBASE_ALL: the run lasts max_runtime from when the job starts, not from when it was built.
            impulse = PeriodicImpulse(start, start + self.max_runtime, self.interval, rebase=RebaseMode.REBASE_ALL)
        else:
            impulse = PeriodicImpulse(start, MAX_TIMESTAMP, self.interval, rebase=RebaseMode.REBASE_START)
        return pbegin | "PeriodicImpulse" >> impulse | "TickTimes" >> beam.Map(float)
