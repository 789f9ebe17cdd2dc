"""A real HTTP server on 127.0.0.1 for feed tests: files from a directory plus programmable routes.

Routes give statuses, delays, 304s, redirects, gzip and huge bodies; every request is logged with its headers.
"""
from __future__ import annotations

import gzip
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CONTENT_TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rdf": "application/rdf+xml",
    ".json": "application/json",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    stream_bytes: int = 0  # then this many more bytes, sent without a Content-Length, until the client hangs up


Handler = Callable[[Request], Response]


def static(body: bytes | str, content_type: str = "application/xml", status: int = 200, **headers: str) -> Handler:
    payload = body.encode() if isinstance(body, str) else body
    return lambda request: Response(status, payload, {"Content-Type": content_type, **headers})


def conditional(body: bytes | str, etag: str, last_modified: str, content_type: str = "application/rss+xml") -> Handler:
    """200 with validators, 304 when the request carries a matching one."""
    payload = body.encode() if isinstance(body, str) else body

    def handle(request: Request) -> Response:
        validators = {"ETag": etag, "Last-Modified": last_modified}
        if request.headers.get("if-none-match") == etag or request.headers.get("if-modified-since") == last_modified:
            return Response(304, b"", validators)
        return Response(200, payload, {"Content-Type": content_type, **validators})

    return handle


def redirect(location: str, status: int = 302) -> Handler:
    return lambda request: Response(status, b"", {"Location": location})


def flaky(failures: int, then: Handler, status: int = 503) -> Handler:
    """Fail `failures` times with `status`, then answer as `then` does."""
    calls = {"n": 0}
    lock = threading.Lock()

    def handle(request: Request) -> Response:
        with lock:
            calls["n"] += 1
            n = calls["n"]
        return Response(status, b"busy") if n <= failures else then(request)

    return handle


def slow(delay: float, then: Handler) -> Handler:
    def handle(request: Request) -> Response:
        response = then(request)
        response.delay = delay
        return response

    return handle


def gzipped(body: bytes | str, content_type: str = "application/xml") -> Handler:
    payload = gzip.compress(body.encode() if isinstance(body, str) else body)
    return lambda request: Response(200, payload, {"Content-Type": content_type, "Content-Encoding": "gzip"})


def huge(size: int, declare_length: bool = False, content_type: str = "application/xml") -> Handler:
    """A body of `size` bytes; streamed without a Content-Length unless declare_length."""
    if declare_length:
        return lambda request: Response(200, b"", {"Content-Type": content_type, "Content-Length": str(size)}, stream_bytes=size)
    return lambda request: Response(200, b"", {"Content-Type": content_type}, stream_bytes=size)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle plus delayed ACKs cost 40 ms a request.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format, *args):  # the stdlib's signature
        pass  # quiet test output

    def do_GET(self):  # the stdlib's name
        request = Request("GET", self.path, {k.lower(): v for k, v in self.headers.items()})
        self.server.owner.requests.append(request)
        response = self.server.owner.respond(request)
        if response.delay:
            deadline = time.monotonic() + response.delay
            while time.monotonic() < deadline and not self.server.owner.stopping.is_set():
                time.sleep(0.02)
        self.send_response(response.status)
        headers = dict(response.headers)
        if response.stream_bytes:
            headers["Connection"] = "close"
            self.close_connection = True
        else:
            headers.setdefault("Content-Length", str(len(response.body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            if response.body:
                self.wfile.write(response.body)
            chunk = b"<x>" + b"a" * (64 * 1024 - 7) + b"</x>"
            sent = 0
            while sent < response.stream_bytes and not self.server.owner.stopping.is_set():
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading: what a size cap does


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: FeedServer


class FeedServer:
    """Serves `root` (if given) at /files/... and `routes` by exact path; use as a context manager.

    With tls=(certfile, keyfile) it speaks HTTPS.
    """

    def __init__(self, root: str | Path | None = None, tls: tuple[str, str] | None = None):
        self.root = Path(root) if root else None
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self.scheme = "https" if tls else "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def file_url(self, relative: str | Path) -> str:
        return self.url("/files/" + str(relative).replace("\\", "/"))

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if urlsplit(r.path).path == path]

    def respond(self, request: Request) -> Response:
        path = urlsplit(request.path).path
        handler = self.routes.get(path)
        if handler is not None:
            return handler(request)
        if self.root is not None and path.startswith("/files/"):
            target = (self.root / unquote(path[len("/files/"):])).resolve()
            if target.is_file() and self.root.resolve() in target.parents:
                return Response(200, target.read_bytes(), {"Content-Type": CONTENT_TYPES.get(target.suffix.lower(), "application/octet-stream")})
        return Response(404, b"not found", {"Content-Type": "text/plain"})

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# A small Podcasting 2.0 feed whose episodes link transcripts in every format newsbeam reads.
PODCAST_VTT = """WEBVTT

00:00:00.000 --> 00:00:04.000
<v Ana Reyes>Good evening. A powerful storm hit the coast today.

00:00:04.000 --> 00:00:08.500
<v Sam Holloway>The winds reached ninety miles per hour.
"""
PODCAST_SRT = """1
00:00:00,000 --> 00:00:03,000
Markets closed higher on Friday.

2
00:00:03,000 --> 00:00:07,000
Technology shares led the gains.
"""
PODCAST_JSON = """{"version": "1.0.0", "segments": [
 {"speaker": "Ana Reyes", "startTime": 0.0, "endTime": 5.0, "body": "The council approved the new budget."},
 {"speaker": "Lee Park", "startTime": 5.0, "endTime": 9.0, "body": "Schools get most of the increase."}
]}"""
PODCAST_HTML = """<html><head><title>Episode 4</title><script>track()</script></head><body>
<nav><a href="/">Home</a> | <a href="/episodes">Episodes</a></nav>
<h1>Episode 4 transcript</h1><p>Rain is expected   all week.</p><p>Rivers may flood.</p>
<footer>Copyright Example Radio</footer></body></html>"""


def podcast_feed(prefix: str, guid_prefix: str = "urn:newsbeam-test:") -> str:
    """RSS whose items link VTT, SRT, JSON and HTML transcripts under `prefix` (relative links too)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Example Radio News</title>
  <link>https://radio.example/</link>
  <item>
    <title>Storm on the coast</title>
    <link>https://radio.example/ep1</link>
    <guid isPermaLink="false">{guid_prefix}ep1</guid>
    <pubDate>Fri, 20 Nov 2026 18:30:00 -0500</pubDate>
    <dc:creator>Ana Reyes</dc:creator>
    <description>Short summary of episode one.</description>
    <podcast:transcript url="{prefix}/ep1.json" type="application/json"/>
    <podcast:transcript url="{prefix}/ep1.vtt" type="text/vtt" language="en"/>
    <podcast:transcript url="{prefix}/ep1.srt" type="application/x-subrip"/>
  </item>
  <item>
    <title>Markets</title>
    <link>https://radio.example/ep2</link>
    <guid isPermaLink="false">{guid_prefix}ep2</guid>
    <pubDate>Sat, 21 Nov 2026 08:00:00 GMT</pubDate>
    <podcast:transcript url="{prefix}/ep2.srt" type="application/srt"/>
  </item>
  <item>
    <title>Budget</title>
    <link>https://radio.example/ep3</link>
    <guid isPermaLink="false">{guid_prefix}ep3</guid>
    <podcast:transcript url="{prefix}/ep3.html" type="text/html"/>
    <podcast:transcript url="{prefix}/ep3.json" type="application/json"/>
  </item>
  <item>
    <title>Weather</title>
    <link>https://radio.example/ep4</link>
    <guid isPermaLink="false">{guid_prefix}ep4</guid>
    <podcast:transcript url="{prefix}/ep4.html" type="text/html"/>
  </item>
</channel>
</rss>
"""


def serve_podcast(server: FeedServer, path: str = "/podcast", etag: str | None = None) -> str:
    """Routes for the podcast feed and its transcripts; returns the feed URL.

    With an etag the feed answers conditional requests (304) as well.
    """
    server.route(f"{path}/ep1.vtt", static(PODCAST_VTT, "text/vtt"))
    server.route(f"{path}/ep1.srt", static(PODCAST_SRT, "application/x-subrip"))
    server.route(f"{path}/ep1.json", static(PODCAST_JSON, "application/json"))
    server.route(f"{path}/ep2.srt", static(PODCAST_SRT, "application/x-subrip"))
    server.route(f"{path}/ep3.json", static(PODCAST_JSON, "application/json"))
    server.route(f"{path}/ep3.html", static(PODCAST_HTML, "text/html; charset=utf-8"))
    server.route(f"{path}/ep4.html", static(PODCAST_HTML, "text/html; charset=utf-8"))
    if etag:
        return server.route(f"{path}/feed.xml", conditional(podcast_feed(path), etag, "Fri, 20 Nov 2026 23:45:00 GMT"))
    return server.route(f"{path}/feed.xml", static(podcast_feed(path), "application/rss+xml"))
