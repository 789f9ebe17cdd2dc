"""The HTTP fetcher against a real local server: limits, retries, redirects, validators and refusals."""
import gzip
import shutil
import socket
import subprocess
import time

import pytest

from tests.feed_server import FeedServer, conditional, flaky, gzipped, huge, redirect, slow, static
from transforms.fetch import USER_AGENT, FetchError, FetchOptions, HttpFetcher, address_refusal, check_url

FAST = FetchOptions(
    connect_timeout=1.0, read_timeout=0.3, total_timeout=10.0, retries=2, backoff_seconds=0.01, max_bytes=200_000,
    allow_private_network=True,
)


@pytest.fixture(scope="module")
def server():
    with FeedServer() as running:
        yield running


@pytest.fixture
def fetcher():
    with HttpFetcher(FAST) as client:
        yield client


def fails(fetcher: HttpFetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)
    return caught.value


def test_fetch_sends_a_descriptive_user_agent_and_decodes_gzip(server, fetcher):
    body = "<rss version='2.0'><channel><title>Zipped</title></channel></rss>" * 50
    url = server.route("/gzip.xml", gzipped(body))
    result = fetcher.fetch(url)
    assert result.status == 200 and result.body == body.encode()
    request = server.requests_to("/gzip.xml")[-1]
    assert request.headers["user-agent"] == USER_AGENT and USER_AGENT.startswith("newsbeam/")
    assert "gzip" in request.headers["accept-encoding"]
    assert result.content_type == "application/xml"


def test_5xx_is_retried_with_backoff_then_succeeds(server, fetcher):
    url = server.route("/flaky.xml", flaky(2, static("<rss/>")))
    assert fetcher.fetch(url).body == b"<rss/>"
    assert len(server.requests_to("/flaky.xml")) == 3


def test_5xx_gives_up_after_the_bounded_retries(server, fetcher):
    url = server.route("/down.xml", static("down", status=503))
    error = fails(fetcher, url)
    assert (error.error_type, error.status) == ("HTTPError", 503)
    assert len(server.requests_to("/down.xml")) == FAST.retries + 1


def test_404_is_an_http_error_and_not_retried(server, fetcher):
    error = fails(fetcher, server.url("/missing.xml"))
    assert (error.error_type, error.status) == ("HTTPError", 404)
    assert "404" in error.message and error.url.endswith("/missing.xml")
    assert len(server.requests_to("/missing.xml")) == 1


def test_a_slow_server_times_out_after_retries(server, fetcher):
    url = server.route("/slow.xml", slow(3.0, static("<rss/>")))
    started = time.monotonic()
    error = fails(fetcher, url)
    assert error.error_type == "Timeout"
    assert time.monotonic() - started < 2.5
    assert len(server.requests_to("/slow.xml")) == FAST.retries + 1


def test_total_timeout_bounds_the_whole_fetch(server):
    url = server.route("/slower.xml", slow(3.0, static("<rss/>")))
    options = FetchOptions(read_timeout=0.4, total_timeout=0.6, retries=5, backoff_seconds=0.1, allow_private_network=True)
    started = time.monotonic()
    with HttpFetcher(options) as client:
        assert fails(client, url).error_type == "Timeout"
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "streamed"])
def test_a_body_over_the_cap_is_too_large(server, fetcher, declare_length):
    url = server.route(f"/huge-{declare_length}.xml", huge(5_000_000, declare_length=declare_length))
    error = fails(fetcher, url)
    assert error.error_type == "TooLarge" and "200000" in error.message


def test_a_gzip_bomb_stops_at_the_cap(server, fetcher):
    url = server.route("/bomb.xml", gzipped(b"\0" * 50_000_000))
    assert len(gzip.compress(b"\0" * 50_000_000)) < 100_000
    assert fails(fetcher, url).error_type == "TooLarge"


def test_redirects_are_followed_and_loops_stop(server, fetcher):
    server.route("/final.xml", static("<rss/>"))
    url = server.route("/moved.xml", redirect("/final.xml", 301))
    result = fetcher.fetch(url)
    assert (result.status, result.body, result.url) == (200, b"<rss/>", url)
    assert result.final_url.endswith("/final.xml")
    loop = server.route("/loop-a", redirect("/loop-b"))
    server.route("/loop-b", redirect("/loop-a"))
    error = fails(fetcher, loop)
    assert error.error_type == "TooManyRedirects"
    assert len(server.requests_to("/loop-a")) + len(server.requests_to("/loop-b")) == FAST.max_redirects + 1


@pytest.mark.parametrize(
    "target",
    ["file:///etc/passwd", "ftp://127.0.0.1/feed.xml", "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/"],
)
def test_each_redirect_target_is_checked_again(server, fetcher, target):
    url = server.route(f"/to-{abs(hash(target))}", redirect(target))
    error = fails(fetcher, url)
    assert error.error_type == "Refused"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/feed.xml", "gopher://example.org/", "data:text/plain,hi", "/relative/feed.xml"])
def test_only_http_and_https_are_fetched(fetcher, url):
    error = fails(fetcher, url)
    assert error.error_type == "Refused" and "only http and https" in error.message


def test_loopback_is_refused_without_allow_private_network(server):
    url = server.route("/private.xml", static("<rss/>"))
    before = len(server.requests)
    with HttpFetcher(FetchOptions()) as client:
        for address in (url, url.replace("127.0.0.1", "localhost")):
            error = fails(client, address)
            assert error.error_type == "Refused"
            assert "loopback" in error.message and "allow_private_network" in error.message
    assert len(server.requests) == before  # refused before connecting


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.1.1", "169.254.169.254", "fd00:ec2::254",
        "100.64.0.1", "224.0.0.1", "0.0.0.0", "240.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:a00:1::", "fe80::1",
    ],
)
def test_private_and_special_addresses_are_refused(address):
    assert address_refusal(address) is not None


def test_public_addresses_pass_and_metadata_never_does():
    assert address_refusal("93.184.216.34") is None
    assert address_refusal("2606:2800:220:1:248:1893:25c8:1946") is None
    assert address_refusal("10.1.2.3", allow_private_network=True) is None
    assert "metadata" in address_refusal("169.254.169.254", allow_private_network=True)
    assert "metadata" in address_refusal("fd00:ec2::254", allow_private_network=True)


def fake_dns(monkeypatch, answers: dict[str, list[str]]) -> list[str]:
    """Answer chosen names from a table (the real resolver for everything else); returns the names looked up."""
    real = socket.getaddrinfo
    looked_up: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            looked_up.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up


def test_a_name_with_any_private_address_is_refused(monkeypatch):
    fake_dns(monkeypatch, {"feeds.example": ["93.184.216.34", "127.0.0.1"]})
    with pytest.raises(FetchError) as caught:
        check_url("http://feeds.example/rss")
    assert caught.value.error_type == "Refused" and "feeds.example resolves to 127.0.0.1" in caught.value.message


def test_the_connection_goes_to_the_address_that_was_checked(server, monkeypatch):
    # Resolved once and connected to that address: a second lookup (a rebinding DNS answer) never happens.
    url = server.route("/named.xml", static("<rss/>"))
    looked_up = fake_dns(monkeypatch, {"feeds.example": ["127.0.0.1"]})
    with HttpFetcher(FAST) as client:
        result = client.fetch(url.replace("127.0.0.1", "feeds.example"))
    assert result.body == b"<rss/>"
    assert looked_up == ["feeds.example"]
    assert server.requests_to("/named.xml")[-1].headers["host"] == f"feeds.example:{server.port}"


def test_conditional_get_sends_validators_and_304_is_an_empty_success(server, fetcher):
    etag, modified = '"v1"', "Wed, 01 Jan 2025 00:00:00 GMT"
    url = server.route("/cond.xml", conditional("<rss/>", etag, modified))
    first = fetcher.fetch(url)
    assert (first.status, first.headers["etag"], first.headers["last-modified"]) == (200, etag, modified)
    second = fetcher.fetch(url, etag=first.headers["etag"], last_modified=first.headers["last-modified"])
    assert second.not_modified and second.body == b""
    request = server.requests_to("/cond.xml")[-1]
    assert (request.headers["if-none-match"], request.headers["if-modified-since"]) == (etag, modified)


def test_unresolvable_and_refused_connections_are_errors(fetcher, monkeypatch):
    real = socket.getaddrinfo

    def no_such_host(host, *args, **kwargs):
        if host == "no-such-host.invalid":  # answered here: tests never send a DNS query out
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    assert fails(fetcher, "http://no-such-host.invalid/feed.xml").error_type == "DNSError"
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert fails(fetcher, f"http://127.0.0.1:{port}/feed.xml").error_type == "ConnectionError"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = str(directory / "cert.pem"), str(directory / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
         "-subj", "/CN=feeds.example", "-addext", "subjectAltName=DNS:feeds.example"],
        check=True, capture_output=True,
    )
    with FeedServer(tls=(cert, key)) as running:
        running.route("/tls.xml", static("<rss/>"))
        yield running, cert


def test_https_verifies_the_host_name_while_connecting_to_the_checked_address(tls_server, monkeypatch):
    server, cert = tls_server
    looked_up = fake_dns(monkeypatch, {"feeds.example": ["127.0.0.1"]})
    options = FetchOptions(retries=0, allow_private_network=True, ca_certs=cert)
    with HttpFetcher(options) as client:
        result = client.fetch(f"https://feeds.example:{server.port}/tls.xml")
        assert result.body == b"<rss/>" and looked_up == ["feeds.example"]
        # The certificate names feeds.example, not the address: verification still happens.
        assert fails(client, f"https://127.0.0.1:{server.port}/tls.xml").error_type == "TLSError"
    with HttpFetcher(FetchOptions(retries=0, allow_private_network=True)) as client:
        assert fails(client, f"https://feeds.example:{server.port}/tls.xml").error_type == "TLSError"  # unknown CA
