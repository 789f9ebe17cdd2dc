"""Plain HTTP fetching for feeds and the transcripts they link: bounded, polite and SSRF-safe.

Each hop's host is resolved once, every address checked, and the connection made to a checked one.
"""
from __future__ import annotations

import ipaddress
import socket
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import urljoin

import urllib3
from urllib3.exceptions import DecodeError, LocationParseError, NewConnectionError, ProtocolError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util import parse_url

try:  # requests (a Beam dependency) brings certifi: a CA bundle that does not depend on the worker image
    import certifi

    _CA_CERTS: str | None = certifi.where()
except ImportError:  # pragma: no cover - the system store is the fallback
    _CA_CERTS = None


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("newsbeam")
    except Exception:  # noqa: BLE001 - running from a source tree that was never installed
        return "0.1.0"


USER_AGENT = f"newsbeam/{_version()} (feed and transcript ingestion; Apache Beam)"
ALLOWED_SCHEMES = ("http", "https")
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# Cloud instance-metadata endpoints: never fetched, not even with allow_private_network, because no
# feed lives there and they hand out credentials (AWS, GCP, Azure, Oracle, Alibaba, AWS IPv6).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "192.0.0.192", "100.100.100.200", "fd00:ec2::254")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_MAX_POOLS = 32


@dataclass(frozen=True)
class FetchOptions:
    """Limits of one fetch; the defaults suit public feeds, tests shrink them."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 120.0  # whole fetch, retries and redirects included: a slow drip cannot hold a worker
    max_bytes: int = 20 * 1024 * 1024  # decoded bytes, so a gzip bomb stops here too
    max_redirects: int = 5
    retries: int = 2  # extra attempts on 5xx, 429, timeouts and dropped connections
    backoff_seconds: float = 1.0  # doubled per attempt
    max_backoff_seconds: float = 30.0
    allow_private_network: bool = False
    user_agent: str = USER_AGENT
    ca_certs: str | None = None  # a CA bundle file instead of certifi's (a corporate CA, a test CA)


@dataclass(frozen=True)
class FetchResult:
    """A successful fetch; status 304 means not modified, with an empty body."""

    url: str  # as asked for
    final_url: str  # after redirects
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("content-type")
        return value.split(";")[0].strip().lower() or None if value else None

    @property
    def charset(self) -> str | None:
        for parameter in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "charset" and value.strip(" \t\"'"):
                return value.strip(" \t\"'")
        return None


class FetchError(Exception):
    """A fetch that failed, with a short type: Refused, InvalidURL, DNSError, ConnectionError,
    Timeout, TLSError, HTTPError, TooLarge, TooManyRedirects, DecodeError, FetchFailed."""

    def __init__(self, error_type: str, url: str, message: str, status: int | None = None):
        super().__init__(message)
        self.error_type = error_type
        self.url = url
        self.message = message
        self.status = status


def address_refusal(address: str, allow_private_network: bool = False) -> str | None:
    """What makes this IP address forbidden ("a loopback address ..."), or None if it may be connected to."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address wrapped in IPv6 reaches the IPv4 host: judge that one.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        if embedded is not None:
            return address_refusal(str(embedded), allow_private_network)
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address (never fetched)"
    if allow_private_network:
        return None
    hint = " (allow_private_network=True allows it)"
    for label, flag in (
        ("a loopback", ip.is_loopback),
        ("a link-local", ip.is_link_local),
        ("a multicast", ip.is_multicast),
        ("an unspecified", ip.is_unspecified),
        ("a reserved", ip.is_reserved),
        ("a private", ip.is_private),
    ):
        if flag:
            return f"{label} address{hint}"
    if not ip.is_global:
        return f"not a public address{hint}"
    return None


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # as in the URL (IDNA-encoded), without IPv6 brackets
    port: int
    request_uri: str
    host_header: str


def _target(url: str) -> _Target:
    try:
        parsed = parse_url(url.strip())
    except (LocationParseError, ValueError, UnicodeError) as exc:
        raise FetchError("InvalidURL", url, f"not a valid URL: {url[:200]!r}: {exc}") from None
    scheme = (parsed.scheme or "").lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchError("Refused", url, f"refused {url[:200]!r}: only http and https URLs are fetched, not {scheme or 'a relative URL'!r}")
    if not parsed.host:
        raise FetchError("InvalidURL", url, f"URL has no host: {url[:200]!r}")
    host = parsed.host.strip("[]").rstrip(".").lower()
    port = parsed.port or (443 if scheme == "https" else 80)
    shown = f"[{host}]" if ":" in host else host
    default_port = port == (443 if scheme == "https" else 80)
    return _Target(scheme, host, port, parsed.request_uri, shown if default_port else f"{shown}:{port}")


def resolve_checked(host: str, port: int, allow_private_network: bool = False, url: str = "") -> list[str]:
    """Every address the host resolves to, each checked; FetchError if any is refused.

    All addresses must pass, not just one: otherwise a host answering with a public and a private
    address could steer the connection to the private one.
    """
    try:
        literal = ipaddress.ip_address(host.split("%", 1)[0])
        addresses = [str(literal)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            raise FetchError("DNSError", url or host, f"cannot resolve {host!r}: {exc}") from None
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise FetchError("DNSError", url or host, f"{host!r} resolved to no address")
    for address in addresses:
        reason = address_refusal(address, allow_private_network)
        if reason:
            what = f"{address} is" if host == address else f"{host} resolves to {address}, which is"
            raise FetchError("Refused", url or host, f"refused {url or host}: {what} {reason}")
    return addresses


def check_url(url: str, allow_private_network: bool = False) -> list[str]:
    """The checked addresses of a URL's host; FetchError if its scheme or any address is refused."""
    target = _target(url)
    return resolve_checked(target.host, target.port, allow_private_network, url)


class HttpFetcher:
    """Fetches URLs with connection reuse; create one per worker (DoFn.setup) and close() it.

    Only http and https are fetched. Resolving once and connecting to the checked address means a
    DNS answer that changes between check and connect (DNS rebinding) cannot reach a private
    network. Environment proxies are ignored on purpose: the check must apply to the real peer.
    """

    def __init__(self, options: FetchOptions | None = None):
        self.options = options or FetchOptions()
        self._pools: OrderedDict[tuple, urllib3.HTTPConnectionPool] = OrderedDict()

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        while self._pools:
            _, pool = self._pools.popitem()
            pool.close()

    def _pool(self, target: _Target, address: str) -> urllib3.HTTPConnectionPool:
        key = (target.scheme, target.host, target.port, address)
        pool = self._pools.get(key)
        if pool is not None:
            self._pools.move_to_end(key)
            return pool
        if target.scheme == "https":
            # Connect to the checked address; certificate and SNI are still for the host name.
            pool = urllib3.HTTPSConnectionPool(
                address, target.port, maxsize=2, retries=False, cert_reqs="CERT_REQUIRED", ca_certs=self.options.ca_certs or _CA_CERTS,
                server_hostname=target.host, assert_hostname=target.host,
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, target.port, maxsize=2, retries=False)
        self._pools[key] = pool
        if len(self._pools) > _MAX_POOLS:
            _, oldest = self._pools.popitem(last=False)
            oldest.close()
        return pool

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None, accept: str | None = None) -> FetchResult:
        """GET a URL following at most max_redirects redirects (each re-checked); FetchError if it fails.

        etag / last_modified make the request conditional; a 304 answer is a FetchResult with status 304.
        """
        opts = self.options
        deadline = time.monotonic() + opts.total_timeout
        current = url
        for _ in range(opts.max_redirects + 1):
            status, headers, body = self._hop(current, etag, last_modified, accept, deadline)
            if status in REDIRECT_STATUSES:
                location = headers.get("location")
                if not location:
                    raise FetchError("HTTPError", current, f"HTTP {status} redirect without a Location from {current}", status)
                try:
                    current = urljoin(current, location.strip())
                except ValueError:
                    raise FetchError("HTTPError", current, f"HTTP {status} redirect to an invalid Location {location[:200]!r}", status) from None
                continue
            if status == 304:
                return FetchResult(url, current, 304, b"", headers)
            if 200 <= status < 300:
                return FetchResult(url, current, status, body, headers)
            raise FetchError("HTTPError", current, f"HTTP {status} from {current}", status)
        raise FetchError("TooManyRedirects", url, f"more than {opts.max_redirects} redirects starting at {url} (last {current})")

    def _hop(self, url: str, etag, last_modified, accept, deadline: float) -> tuple[int, dict[str, str], bytes]:
        """One request with retries: (status, headers, body); redirects are returned, not followed."""
        opts = self.options
        target = _target(url)
        addresses = resolve_checked(target.host, target.port, opts.allow_private_network, url)
        headers = {
            "Host": target.host_header,
            "User-Agent": opts.user_agent,
            "Accept-Encoding": "gzip, deflate",
            "Accept": accept or "*/*",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        last_error: FetchError | None = None
        for attempt in range(opts.retries + 1):
            if attempt:
                pause = min(opts.backoff_seconds * 2 ** (attempt - 1), opts.max_backoff_seconds)
                if time.monotonic() + pause > deadline:
                    break
                time.sleep(pause)
            try:
                status, response_headers, body = self._request(target, addresses, headers, url, deadline)
            except FetchError as exc:
                if exc.error_type not in ("Timeout", "ConnectionError"):
                    raise
                last_error = exc
                continue
            if status >= 500 or status == 429:
                last_error = FetchError("HTTPError", url, f"HTTP {status} from {url} after {attempt + 1} attempt(s)", status)
                continue
            return status, response_headers, body
        assert last_error is not None
        raise last_error

    def _request(self, target: _Target, addresses: list[str], headers: dict[str, str], url: str, deadline: float):
        opts = self.options
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("Timeout", url, f"gave up on {url}: the total time limit of {opts.total_timeout:g} s is spent")
        timeout = urllib3.Timeout(connect=min(opts.connect_timeout, remaining), read=min(opts.read_timeout, remaining))
        response = None
        for i, address in enumerate(addresses):
            try:
                response = self._pool(target, address).urlopen(
                    "GET", target.request_uri, headers=headers, redirect=False, retries=False,
                    preload_content=False, decode_content=True, timeout=timeout, assert_same_host=False,
                )
                break
            except NewConnectionError as exc:
                # A host with several addresses (localhost: ::1 and 127.0.0.1) may listen on one only.
                if i + 1 == len(addresses):
                    raise FetchError("ConnectionError", url, f"cannot connect to {url}: {exc}") from None
            except Urllib3Timeout:
                raise FetchError("Timeout", url, f"timed out connecting to or waiting for {url}") from None
            except SSLError as exc:
                raise FetchError("TLSError", url, f"TLS failed for {url}: {exc}") from None
            except (ProtocolError, OSError) as exc:
                raise FetchError("ConnectionError", url, f"connection to {url} failed: {exc}") from None
            except (urllib3.exceptions.HTTPError, ValueError) as exc:
                # Anything else urllib3 or http.client refuse (a header or URL they reject) is this fetch failing.
                raise FetchError("FetchFailed", url, f"request to {url} failed: {type(exc).__name__}: {exc}") from None
        assert response is not None
        try:
            response_headers = {k.lower(): v for k, v in response.headers.items()}
            if response.status in REDIRECT_STATUSES or response.status == 304 or response.status >= 400:
                # A body is not needed; a short one is drained so the connection can be reused.
                body = b""
                declared = response_headers.get("content-length", "")
                if declared.isdigit() and int(declared) <= 65536:
                    response.drain_conn()
                else:
                    response.close()
                return response.status, response_headers, body
            return response.status, response_headers, self._read_body(response, response_headers, url, deadline)
        finally:
            response.release_conn()

    def _read_body(self, response, headers: dict[str, str], url: str, deadline: float) -> bytes:
        cap = self.options.max_bytes
        too_large = FetchError("TooLarge", url, f"response from {url} is larger than the limit of {cap} bytes")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap and "content-encoding" not in headers:
            response.close()
            raise too_large
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.stream(64 * 1024, decode_content=True):
                size += len(chunk)
                if size > cap:
                    response.close()
                    raise too_large
                if time.monotonic() > deadline:
                    response.close()
                    raise FetchError("Timeout", url, f"gave up reading {url}: the total time limit of {self.options.total_timeout:g} s is spent")
                chunks.append(chunk)
        except Urllib3Timeout:
            response.close()
            raise FetchError("Timeout", url, f"timed out reading the response from {url}") from None
        except DecodeError as exc:
            response.close()
            raise FetchError("DecodeError", url, f"cannot decode the {headers.get('content-encoding')} body from {url}: {exc}") from None
        except (ProtocolError, OSError) as exc:
            response.close()
            raise FetchError("ConnectionError", url, f"connection dropped while reading {url}: {exc}") from None
        except urllib3.exceptions.HTTPError as exc:
            response.close()
            raise FetchError("FetchFailed", url, f"reading {url} failed: {type(exc).__name__}: {exc}") from None
        return b"".join(chunks)
