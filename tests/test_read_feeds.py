"""ReadFeedEntries in a TestPipeline against a real local server: documents, dead letters, state across runs."""
import json
import pickle
from collections import Counter
from pathlib import Path

import apache_beam as beam
import pytest

from tests.conftest import SHARED, beam_test_pipeline
from tests.feed_server import FeedServer, conditional, flaky, huge, redirect, serve_podcast, slow, static
from transforms.feed_state import (
    NEW_SEEN_FILE,
    Validators,
    commit_run,
    commit_seen,
    load_seen,
    load_validators,
    read_run_stats,
    run_dir,
    save_validators,
)
from transforms.feeds import entry_doc_id, parse_feed
from transforms.fetch import FetchOptions
from transforms.parse import parse_document
from transforms.read_feeds import ReadFeedEntries

CORPUS = SHARED / "corpora" / "feedparser-tests"
OPTIONS = FetchOptions(
    connect_timeout=1.0, read_timeout=0.3, total_timeout=5.0, retries=1, backoff_seconds=0.01, max_bytes=100_000,
)


@pytest.fixture(scope="module")
def server():
    with FeedServer(CORPUS if CORPUS.is_dir() else None) as running:
        yield running


def _dump(path: Path):
    def write(items):
        path.write_bytes(pickle.dumps(items))

    return write


def run_feeds(tmp_path: Path, urls: list[str], state_dir: Path, run_id: str, allow_private_network: bool = True):
    """Run ReadFeedEntries alone; returns (documents, errors, inputs) as lists."""
    out = tmp_path / f"out-{run_id}"
    out.mkdir()
    with beam_test_pipeline() as p:
        outputs = p | ReadFeedEntries(
            urls, str(state_dir), allow_private_network=allow_private_network, run_id=run_id, fetch_options=OPTIONS
        )
        for name, pcoll in zip(("documents", "errors", "inputs"), outputs, strict=True):
            pcoll | f"Collect{name}" >> beam.combiners.ToList() | f"Dump{name}" >> beam.Map(_dump(out / f"{name}.pkl"))
    return tuple(pickle.loads((out / f"{name}.pkl").read_bytes()) for name in ("documents", "errors", "inputs"))


def rss(items: str, title: str = "News") -> str:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>'


def test_podcast_transcripts_then_a_conditional_second_run_ingests_nothing(server, tmp_path):
    state = tmp_path / "state"
    feed = serve_podcast(server, "/run-podcast", etag='"podcast-v1"')
    docs, errors, inputs = run_feeds(tmp_path, [feed], state, "run-1")
    assert errors == [] and len(inputs) == len(docs) == 4
    hints = sorted((d.meta.guid, d.format_hint) for d in docs)
    assert hints == [("urn:newsbeam-test:ep1", "vtt"), ("urn:newsbeam-test:ep2", "srt"), ("urn:newsbeam-test:ep3", "json"), ("urn:newsbeam-test:ep4", "txt")]
    parsed = [parse_document(d) for d in docs]
    assert all(p.meta.source_kind == "feed" and p.meta.feed_title == "Example Radio News" for p in parsed)
    assert sum(p.timed for p in parsed) == 3
    stats = read_run_stats(str(state), "run-1")
    assert stats["documents"] == stats["documents_from_transcript"] == 4 and stats["feeds_fetched"] == 1
    assert load_seen(str(state)) == set()  # nothing is seen before the commit

    summary = commit_run(str(state), "run-1")
    assert (summary.newly_seen, summary.seen_total) == (4, 4)
    assert load_seen(str(state)) == {p.doc_id for p in parsed}
    assert load_validators(str(state), feed).etag == '"podcast-v1"'

    docs, errors, inputs = run_feeds(tmp_path, [feed], state, "run-2")
    assert (docs, errors, inputs) == ([], [], [])
    request = server.requests_to("/run-podcast/feed.xml")[-1]
    assert request.headers["if-none-match"] == '"podcast-v1"'
    assert request.headers["if-modified-since"] == "Fri, 20 Nov 2026 23:45:00 GMT"
    assert read_run_stats(str(state), "run-2")["feeds_not_modified"] == 1


def test_seen_entries_are_skipped_counted_and_not_inputs(server, tmp_path):
    state = tmp_path / "state"
    items = "".join(f"<item><title>Story {n}</title><guid>urn:seen:{n}</guid><description>Text {n}.</description></item>" for n in range(3))
    feed = server.route("/seen/feed.xml", static(rss(items)))  # no validators: fetched in full every run
    docs, _, _ = run_feeds(tmp_path, [feed], state, "first")
    assert len(docs) == 3
    assert commit_seen(str(state), "first").newly_seen == 3
    assert commit_seen(str(state), "first").newly_seen == 0  # idempotent
    more = items + "<item><title>Story 3</title><guid>urn:seen:3</guid><description>Text 3.</description></item>"
    server.route("/seen/feed.xml", static(rss(more)))
    docs, errors, inputs = run_feeds(tmp_path, [feed], state, "second")
    assert [d.meta.guid for d in docs] == ["urn:seen:3"] and errors == [] and len(inputs) == 1
    stats = read_run_stats(str(state), "second")
    assert (stats["entries_found"], stats["entries_skipped_seen"], stats["documents"]) == (4, 3, 1)


def test_an_uncommitted_run_leaves_the_state_unchanged(server, tmp_path):
    state = tmp_path / "state"
    feed = server.route("/uncommitted.xml", static(rss("<item><title>A</title><guid>urn:u:1</guid><description>A.</description></item>")))
    first, _, _ = run_feeds(tmp_path, [feed], state, "crashed")
    assert (Path(run_dir(str(state), "crashed")) / NEW_SEEN_FILE).read_text().split() == [parse_document(first[0]).doc_id]
    again, _, _ = run_feeds(tmp_path, [feed], state, "retry")
    assert [d.meta.guid for d in again] == ["urn:u:1"]


def test_the_same_guid_in_two_feeds_is_one_document_with_a_stable_id(server, tmp_path):
    shared = "<item><title>Shared</title><guid>urn:dup:1</guid><link>https://a.example/1</link><description>Same story.</description></item>"
    a = server.route("/dup/a.xml", static(rss(shared + "<item><title>Only A</title><guid>urn:dup:a</guid><description>A.</description></item>", "A")))
    b = server.route("/dup/b.xml", static(rss(shared, "B")))
    docs, errors, inputs = run_feeds(tmp_path, [a, b, a], tmp_path / "state", "dup")
    assert sorted(d.meta.guid for d in docs) == ["urn:dup:1", "urn:dup:a"] and errors == []
    assert sorted(inputs) == ["urn:dup:1", "urn:dup:a"]
    (shared_doc,) = [d for d in docs if d.meta.guid == "urn:dup:1"]
    assert shared_doc.meta.feed_title == "A"  # the deterministic pick: first feed URL
    expected = entry_doc_id(parse_feed(rss(shared), b).entries[0])
    assert parse_document(shared_doc).doc_id == expected
    stats = read_run_stats(str(tmp_path / "state"), "dup")
    assert (stats["feeds"], stats["entries_found"], stats["entries_duplicate"]) == (2, 3, 1)


def test_failures_are_dead_letters_and_inputs_equal_documents_plus_errors(server, tmp_path):
    state = tmp_path / "state"
    ok = rss("<item><title>Fine</title><guid>urn:ok:1</guid><description>Fine.</description></item>")
    good = server.route("/fail/retried.xml", flaky(1, static(ok)))
    bozo = server.route("/fail/bozo.xml", static(rss("<item><title>Bro<b>ken</title><guid>urn:bozo:1</guid><description>B.</description></item>")))
    transcript_gone = server.route(
        "/fail/transcript.xml",
        static(
            rss(
                '<item><title>Gone</title><guid>urn:gone:1</guid><podcast:transcript xmlns:podcast="https://podcastindex.org/namespace/1.0" '
                'url="/fail/gone.vtt" type="text/vtt"/></item>'
            ),
            etag='"t1"',
        ),
    )
    save_validators(str(state), Validators(transcript_gone, '"old"'))
    urls = {
        "missing": (server.url("/fail/missing.xml"), "fetch", "HTTPError"),
        "slow": (server.route("/fail/slow.xml", slow(2.0, static(ok))), "fetch", "Timeout"),
        "huge": (server.route("/fail/huge.xml", huge(1_000_000)), "fetch", "TooLarge"),
        "loop": (server.route("/fail/loop.xml", redirect("/fail/loop.xml")), "fetch", "TooManyRedirects"),
        "file": ("file:///etc/passwd", "fetch", "Refused"),
        "ftp": ("ftp://127.0.0.1/feed.xml", "fetch", "Refused"),
        "html": (server.route("/fail/page.html", static("<html><body>No feed</body></html>", "text/html")), "feed", "MalformedFeed"),
        "transcript": (server.url("/fail/gone.vtt"), "fetch", "TranscriptFetchFailed"),
    }
    feed_urls = [u for key, (u, _, _) in urls.items() if key != "transcript"] + [good, bozo, transcript_gone]
    docs, errors, inputs = run_feeds(tmp_path, feed_urls, state, "failures")
    assert sorted(d.meta.guid for d in docs) == ["urn:bozo:1", "urn:ok:1"]
    assert sorted((e.source_uri, e.stage, e.error_type) for e in errors) == sorted(urls.values())
    assert all(e.message for e in errors)
    assert len(inputs) == len(docs) + len(errors) == 10
    stats = read_run_stats(str(state), "failures")
    assert (stats["feeds"], stats["feeds_failed"], stats["bozo_feeds"], stats["entries_failed"]) == (10, 7, 1, 1)
    summary = commit_run(str(state), "failures")
    # The feed with a failed entry loses its validators, so the next run fetches it in full and retries the entry.
    assert summary.validators_dropped == 1 and load_validators(str(state), transcript_gone) is None
    assert json.loads((Path(run_dir(str(state), "failures")) / "committed.json").read_text())["newly_seen"] == 2


def test_private_addresses_are_refused_without_allow_private_network(server, tmp_path):
    url = server.route("/private/feed.xml", static(rss("<item><title>X</title><guid>urn:p:1</guid><description>X.</description></item>")))
    before = len(server.requests)
    docs, errors, inputs = run_feeds(tmp_path, [url, url.replace("127.0.0.1", "localhost")], tmp_path / "state", "private", False)
    assert docs == [] and len(inputs) == 2
    assert [(e.stage, e.error_type) for e in errors] == [("fetch", "Refused")] * 2
    assert all("loopback" in e.message for e in errors)
    assert len(server.requests) == before


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared/corpora/feedparser-tests is not present")
def test_a_sample_of_the_feedparser_corpus_through_the_pipeline(server, tmp_path):
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in ("SOURCE.md", "LICENSE"))
    sample = files[::40] + [CORPUS / "illformed" / "rss_empty_document.xml", CORPUS / "json" / "example.json"]
    urls = [server.file_url(p.relative_to(CORPUS)) for p in sample]
    state = tmp_path / "state"
    docs, errors, inputs = run_feeds(tmp_path, urls, state, "corpus")
    assert len(inputs) == len(docs) + len(errors)
    assert len(docs) > 5
    assert Counter(e.error_type for e in errors).keys() <= {"MalformedFeed", "EmptyEntry"}
    stats = read_run_stats(str(state), "corpus")
    assert stats["feeds"] == len(set(urls)) and stats["feeds_failed"] == 2
    assert stats["entries_found"] == len(inputs) - 2 + stats["entries_duplicate"]


def test_state_files_are_replaced_atomically(tmp_path, monkeypatch):
    state = str(tmp_path / "state")
    save_validators(state, Validators("https://feeds.example/rss", '"a"'))

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr("transforms.filesystem.os.replace", crash)
    with pytest.raises(OSError):
        save_validators(state, Validators("https://feeds.example/rss", '"b"'))
    monkeypatch.undo()
    assert load_validators(state, "https://feeds.example/rss").etag == '"a"'
    assert [p.name for p in (tmp_path / "state" / "validators").iterdir()] == [p.name for p in (tmp_path / "state" / "validators").glob("*.json")]


def test_committing_an_unknown_run_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        commit_run(str(tmp_path / "state"), "never-ran")


def test_a_changed_feed_adds_only_its_new_entries(server, tmp_path):
    state = tmp_path / "state"
    one = "<item><title>One</title><guid>urn:changed:1</guid><description>First story.</description></item>"
    two = "<item><title>Two</title><guid>urn:changed:2</guid><description>Second story.</description></item>"
    url = server.route("/changed.xml", conditional(rss(one), '"v1"', "Fri, 20 Nov 2026 10:00:00 GMT"))
    docs, errors, _ = run_feeds(tmp_path, [url], state, "changed-1")
    assert [d.meta.guid for d in docs] == ["urn:changed:1"] and errors == []
    commit_run(str(state), "changed-1")
    server.route("/changed.xml", conditional(rss(one + two), '"v2"', "Sat, 21 Nov 2026 10:00:00 GMT"))
    docs, errors, inputs = run_feeds(tmp_path, [url], state, "changed-2")
    assert [d.meta.guid for d in docs] == ["urn:changed:2"] and errors == [] and len(inputs) == 1
    assert server.requests_to("/changed.xml")[-1].headers.get("if-none-match") == '"v1"'
    assert read_run_stats(str(state), "changed-2")["entries_skipped_seen"] == 1


@pytest.mark.parametrize(
    "link",
    ["file:///etc/passwd", "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest/meta-data/"],
)
def test_item_links_to_local_files_or_metadata_are_refused_dead_letters(server, tmp_path, link):
    item = (
        '<item><title>Bad link</title><guid>urn:bad:1</guid><podcast:transcript xmlns:podcast="https://podcastindex.org/namespace/1.0" '
        f'url="{link}" type="text/vtt"/></item>'
    )
    url = server.route(f"/badlink-{abs(hash(link))}.xml", static(rss(item)))
    docs, errors, inputs = run_feeds(tmp_path, [url], tmp_path / "state", f"bad-{abs(hash(link))}")
    assert docs == [] and len(errors) == 1 == len(inputs)
    (error,) = errors
    assert error.source_uri == link and error.error_type == "TranscriptFetchFailed"
    assert "refused" in error.message.lower() or "not fetched" in error.message.lower()
