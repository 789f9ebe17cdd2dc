"""Feed parsing, entry documents and transcripts at the plain-function level, over a real local server."""
import datetime as dt
import io
import tracemalloc
from pathlib import Path

import feedparser
import pytest

from tests.conftest import SHARED
from tests.feed_server import PODCAST_JSON, PODCAST_SRT, PODCAST_VTT, FeedServer, serve_podcast, static
from transforms.errors import InputError
from transforms.feeds import (
    FeedEntry,
    TranscriptLink,
    defuse_dtd,
    document_from_content,
    entry_doc_id,
    entry_identity,
    entry_outcome,
    parse_feed,
    ranked_transcripts,
    read_feed,
)
from transforms.fetch import FetchOptions, HttpFetcher
from transforms.html_text import html_to_text
from transforms.parse import parse_document

CORPUS = SHARED / "corpora" / "feedparser-tests"
OPTIONS = FetchOptions(connect_timeout=1.0, read_timeout=1.0, retries=0, backoff_seconds=0.01, allow_private_network=True)


@pytest.fixture(scope="module")
def server():
    with FeedServer(CORPUS if CORPUS.is_dir() else None) as running:
        yield running


@pytest.fixture(scope="module")
def fetcher():
    with HttpFetcher(OPTIONS) as client:
        yield client


def rss(items: str, channel: str = "<title>News</title>", prolog: str = "") -> bytes:
    return f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel>{channel}{items}</channel></rss>'.encode()


def entry(**fields) -> FeedEntry:
    base = dict(
        feed_url="http://feeds.example/rss", index=0, feed_title="News", title="T", link=None, guid=None, published_at=None,
        authors=(), content=None, content_type=None, summary=None, summary_type=None,
    )
    return FeedEntry(**{**base, **fields})


def test_entries_keep_title_link_guid_utc_date_authors_and_feed_title():
    feed = parse_feed(
        rss(
            "<item><title>Storm</title><link>https://news.example/storm</link><guid>https://news.example/g/1</guid>"
            "<pubDate>Fri, 20 Nov 2026 18:30:00 -0500</pubDate><author>desk@news.com (News Desk)</author>"
            "<description>Rain.</description></item>"
        ),
        "http://feeds.example/rss",
    )
    assert (feed.title, feed.version, feed.bozo) == ("News", "rss20", False)
    (item,) = feed.entries
    assert (item.title, item.link, item.guid, item.feed_title) == ("Storm", "https://news.example/storm", "https://news.example/g/1", "News")
    assert item.published_at == dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.timezone.utc)
    assert item.published_at.tzinfo is not None
    assert item.authors == ("News Desk",)


def test_identity_is_guid_then_link_and_the_doc_id_is_what_parse_gives():
    with_guid = entry(guid="urn:x:1", link="https://news.example/a", content="<p>Text.</p>", content_type="text/html")
    with_link = entry(link="https://news.example/a", summary="Text.")
    bare = entry(summary="Text.")
    assert entry_identity(with_guid) == "urn:x:1"
    assert entry_identity(with_link) == "https://news.example/a"
    assert entry_identity(bare) == entry_identity(entry(summary="Text.")) != entry_identity(entry(summary="Other."))
    for item in (with_guid, with_link, bare):
        assert parse_document(document_from_content(item)).doc_id == entry_doc_id(item)


def test_content_wins_over_summary_and_html_becomes_paragraphs():
    item = entry(
        content="<script>x()</script><nav>Home | About</nav><h2>Headline</h2><p>First   paragraph.</p><p>Second<br>line.</p>",
        content_type="text/html",
        summary="Short.",
        summary_type="text/plain",
    )
    doc = document_from_content(item)
    assert doc.format_hint == "txt" and doc.meta.source_kind == "feed"
    assert doc.payload.decode() == "Headline\n\nFirst paragraph.\n\nSecond\nline."
    assert document_from_content(entry(summary="Only a summary.", summary_type="text/plain")).payload == b"Only a summary."
    with pytest.raises(InputError) as caught:
        document_from_content(entry())
    assert caught.value.error_type == "EmptyEntry"


def test_html_to_text_drops_page_furniture():
    page = (
        "<html><head><style>p {}</style><title>T</title></head><body><header>Site</header><nav>Menu</nav>"
        "<article><p>One &amp; two.</p><ul><li>a</li><li>b</li></ul></article><!-- note --><aside>Ads</aside>"
        "<footer>(c)</footer></body></html>"
    )
    assert html_to_text(page) == "One & two.\n\na\n\nb"
    assert html_to_text("<div>" * 5000 + "deep" + "</div>" * 5000) == "deep"


def test_transcripts_are_ranked_vtt_srt_json_html_text():
    links = [
        TranscriptLink("http://t/a.txt", "text/plain"),
        TranscriptLink("http://t/a.html", "text/html"),
        TranscriptLink("http://t/a.json", "application/json"),
        TranscriptLink("http://t/a.srt", "application/srt"),
        TranscriptLink("http://t/a.pdf", "application/pdf"),
        TranscriptLink("http://t/a.vtt", "text/vtt"),
        TranscriptLink("http://t/b.srt", None),
    ]
    ranked = [t.url for t in ranked_transcripts(entry(transcripts=tuple(links)))]
    assert ranked == ["http://t/a.vtt", "http://t/a.srt", "http://t/b.srt", "http://t/a.json", "http://t/a.html", "http://t/a.txt"]


def test_podcast_transcripts_become_documents_with_their_formats(server, fetcher):
    outcome = read_feed(serve_podcast(server), fetcher)
    assert outcome.error is None
    feed = outcome.feed
    assert [len(e.transcripts) for e in feed.entries] == [3, 1, 2, 1]  # feedparser alone keeps one per item
    results = {e.guid: entry_outcome(e, fetcher) for e in feed.entries}
    hints = {guid: (r.document.format_hint, r.transcript_url.rsplit("/", 1)[-1]) for guid, r in results.items()}
    assert hints == {
        "urn:newsbeam-test:ep1": ("vtt", "ep1.vtt"),
        "urn:newsbeam-test:ep2": ("srt", "ep2.srt"),
        "urn:newsbeam-test:ep3": ("json", "ep3.json"),
        "urn:newsbeam-test:ep4": ("txt", "ep4.html"),
    }
    parsed = {guid: parse_document(r.document) for guid, r in results.items()}
    vtt, srt, js, html = (parsed[f"urn:newsbeam-test:ep{n}"] for n in (1, 2, 3, 4))
    assert (vtt.format, vtt.timed, [b.speaker for b in vtt.blocks]) == ("vtt", True, ["Ana Reyes", "Sam Holloway"])
    assert (srt.format, srt.timed, len(srt.blocks)) == ("srt", True, 2)
    assert (js.format, js.timed, [b.speaker for b in js.blocks]) == ("json", True, ["Ana Reyes", "Lee Park"])
    assert html.format == "txt" and html.raw_text == "Episode 4 transcript\n\nRain is expected all week.\n\nRivers may flood."
    assert results["urn:newsbeam-test:ep1"].document.payload == PODCAST_VTT.encode()
    meta = vtt.meta
    assert (meta.title, meta.feed_title, meta.link, meta.authors) == ("Storm on the coast", "Example Radio News", "https://radio.example/ep1", ("Ana Reyes",))
    assert meta.published_at == dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.timezone.utc)
    assert meta.source_uri.endswith("/podcast/ep1.vtt")
    assert PODCAST_SRT and PODCAST_JSON  # the transcripts the server gave


def test_a_failing_transcript_falls_back_to_the_next_then_to_the_summary(server, fetcher):
    server.route("/fallback/good.srt", static(PODCAST_SRT, "application/x-subrip"))
    feed = parse_feed(
        rss(
            '<item><guid>urn:f:1</guid><title>Next</title><pt:transcript xmlns:pt="https://podcastindex.org/namespace/1.0" '
            'url="/fallback/missing.vtt" type="text/vtt"/><pt:transcript xmlns:pt="https://podcastindex.org/namespace/1.0" '
            'url="/fallback/good.srt" type="application/srt"/></item>'
            '<item><guid>urn:f:2</guid><title>Summary</title><description>&lt;p&gt;Summary text.&lt;/p&gt;</description>'
            '<podcast:transcript xmlns:podcast="https://podcastindex.org/namespace/1.0" url="/fallback/gone.vtt" type="text/vtt"/></item>'
            '<item><guid>urn:f:3</guid><title>Nothing</title>'
            '<podcast:transcript xmlns:podcast="https://podcastindex.org/namespace/1.0" url="/fallback/gone2.vtt" type="text/vtt"/></item>'
            "<item><guid>urn:f:4</guid><title>Empty</title></item>"
        ),
        server.url("/fallback/feed.xml"),
    )
    next_best, summary, nothing, empty = (entry_outcome(e, fetcher) for e in feed.entries)
    assert (next_best.document.format_hint, len(next_best.warnings)) == ("srt", 1)
    assert summary.document.payload == b"Summary text." and summary.transcript_url is None
    assert "HTTPError" in summary.warnings[0] and "gone.vtt" in summary.warnings[0]
    assert (nothing.document, nothing.error.error_type, nothing.error.stage) == (None, "TranscriptFetchFailed", "fetch")
    assert nothing.error.source_uri.endswith("/fallback/gone2.vtt") and "404" in nothing.error.message
    assert (empty.error.error_type, empty.error.stage) == ("EmptyEntry", "feed")


def test_feed_failures_are_error_records(server, fetcher):
    server.route("/bad/html.xml", static("<html><body><p>Not a feed</p></body></html>", "text/html"))
    server.route("/bad/empty.xml", static(""))
    server.route("/bad/binary.xml", static(bytes(range(256)) * 10, "application/octet-stream"))
    for path, stage, error_type in [
        ("/bad/html.xml", "feed", "MalformedFeed"),
        ("/bad/empty.xml", "feed", "MalformedFeed"),
        ("/bad/binary.xml", "feed", "MalformedFeed"),
        ("/bad/missing.xml", "fetch", "HTTPError"),
    ]:
        outcome = read_feed(server.url(path), fetcher)
        assert (outcome.feed, outcome.error.stage, outcome.error.error_type) == (None, stage, error_type), path
        assert outcome.error.source_uri == server.url(path) and outcome.error.message


def test_a_broken_but_readable_feed_is_ingested_as_bozo():
    feed = parse_feed(rss("<item><title>Unclosed &amp; <b>bold</title><guid>urn:b:1</guid><description>Text</description></item>"), "http://f/x")
    assert feed.bozo and feed.bozo_message and len(feed.entries) == 1


@pytest.mark.parametrize("body", ["/etc/passwd", b"/etc/passwd", "file:///etc/passwd"])
def test_feedparser_never_opens_a_path(body):
    with pytest.raises(InputError) as caught:
        parse_feed(body, "http://feeds.example/rss")
    assert caught.value.error_type == "MalformedFeed"


def test_feedparser_never_opens_a_url(server):
    url = server.route("/never-fetched.xml", static(rss("<item><title>x</title><guid>u:1</guid></item>")))
    with pytest.raises(InputError):
        parse_feed(url, "http://feeds.example/rss")
    assert server.requests_to("/never-fetched.xml") == []


def _billion_laughs(one_line: bool) -> bytes:
    lols = "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">\n' for i in range(1, 10))
    prolog = f'<!DOCTYPE rss [\n<!ENTITY lol0 "lol">\n{lols}]>'
    body = rss("<item><title>&lol9;</title><guid>urn:lol</guid><description>&lol9;</description></item>", "<title>&lol9;</title>", prolog)
    return body.replace(b"\n", b" ") if one_line else body


@pytest.mark.parametrize("variant", ["multi-line", "one-line", "utf-16"])
def test_billion_laughs_does_not_expand(variant):
    data = _billion_laughs(variant == "one-line")
    if variant == "utf-16":
        data = data.decode().replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    tracemalloc.start()
    try:
        feed = parse_feed(data, "http://feeds.example/rss")
        texts = [document_from_content(e).payload for e in feed.entries]
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 20_000_000  # expansion would need gigabytes
    assert all(len(t) < 1000 for t in texts) and "lollollol" not in (feed.title or "")


def test_defuse_dtd_keeps_plain_literal_entities():
    data = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY site "Example"><!ENTITY x SYSTEM "file:///etc/passwd">]><rss/>'
    assert defuse_dtd(data) == b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY site "Example">]><rss/>'


@pytest.mark.parametrize("one_line", [False, True])
def test_external_entities_are_never_read(server, fetcher, tmp_path, one_line):
    secret = tmp_path / "secret.txt"
    secret.write_text("NEWSBEAM-SECRET-MARKER")
    server.route("/xxe/remote.txt", static("NEWSBEAM-REMOTE-MARKER", "text/plain"))
    prolog = (
        f'<!DOCTYPE rss [\n<!ENTITY passwd SYSTEM "file:///etc/passwd">\n<!ENTITY secret SYSTEM "file://{secret}">\n'
        f'<!ENTITY remote SYSTEM "{server.url("/xxe/remote.txt")}">\n<!ENTITY % param SYSTEM "file://{secret}">\n%param;\n]>'
    )
    item = (
        "<item><title>&passwd;</title><guid>urn:xxe</guid><description>&secret; &remote; &passwd;</description>"
        '<podcast:transcript xmlns:podcast="https://podcastindex.org/namespace/1.0" url="/xxe/&secret;.vtt" type="text/vtt"/></item>'
    )
    data = rss(item, "<title>&passwd;</title>", prolog)
    url = server.route(f"/xxe/feed-{one_line}.xml", static(data.replace(b"\n", b" ") if one_line else data))
    outcome = read_feed(url, fetcher)
    texts = [outcome.feed.title or ""]
    for e in outcome.feed.entries:
        texts += [e.title or "", e.summary or "", repr(e.transcripts)]
        result = entry_outcome(e, fetcher)
        texts.append((result.document.payload if result.document else b"").decode("utf-8", "replace"))
    joined = "\n".join(texts)
    assert "root:" not in joined and "NEWSBEAM-SECRET-MARKER" not in joined and "NEWSBEAM-REMOTE-MARKER" not in joined
    assert server.requests_to("/xxe/remote.txt") == []


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in ("SOURCE.md", "LICENSE"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared/corpora/feedparser-tests is not present")
def test_every_corpus_feed_is_read_or_an_error_and_entries_match_feedparser(server, fetcher):
    files = corpus_files()
    assert len(files) > 2000
    read = failed = entries = documents = entry_errors = 0
    for path in files:
        relative = path.relative_to(CORPUS)
        url = server.file_url(relative)
        outcome = read_feed(url, fetcher)
        assert (outcome.feed is None) != (outcome.error is None), relative
        direct = feedparser.parse(
            io.BytesIO(path.read_bytes()), response_headers={"content-type": "application/xml", "content-location": url}
        )
        if outcome.error is not None:
            assert outcome.error.source_uri == url and outcome.error.error_type == "MalformedFeed", relative
            assert not direct.entries, relative
            failed += 1
            continue
        read += 1
        assert len(outcome.feed.entries) == len(direct.entries), relative
        for item in outcome.feed.entries:
            result = entry_outcome(item, fetcher)
            assert (result.document is None) != (result.error is None), relative
            documents += result.document is not None
            entry_errors += result.error is not None
        entries += len(outcome.feed.entries)
    assert read + failed == len(files) and failed < 20
    assert documents + entry_errors == entries and documents > 300


def test_a_caption_link_answered_with_a_web_page_is_not_a_transcript(server, fetcher):
    server.route("/soft404/ep.vtt", static("<!doctype html><html><body><p>Page not found</p></body></html>", "text/html"))
    feed = parse_feed(
        rss(
            "<item><guid>urn:s:1</guid><title>Soft</title><description>The summary.</description>"
            '<podcast:transcript xmlns:podcast="https://podcastindex.org/namespace/1.0" url="/soft404/ep.vtt" type="text/vtt"/></item>'
        ),
        server.url("/soft404/feed.xml"),
    )
    result = entry_outcome(feed.entries[0], fetcher)
    assert result.document.payload == b"The summary." and "WrongContentType" in result.warnings[0]


def test_defuse_dtd_is_not_fooled_by_markup_inside_an_entity_value():
    lols = "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(1, 10))
    data = f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY tag "<b>"><!ENTITY lol0 "lol">{lols}]><rss/>'.encode()
    assert b"lol1" not in defuse_dtd(data) and b'<!ENTITY lol0 "lol">' in defuse_dtd(data)
    assert defuse_dtd(b"<rss><channel><title>No DTD</title></channel></rss>") == b"<rss><channel><title>No DTD</title></channel></rss>"
