"""Plain feed handling: fetched bytes -> feed entries -> RawDocuments, and their failures as ErrorRecords.

feedparser only ever gets a byte stream, never a URL or path; defusedxml reads the podcast namespace.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import feedparser
from defusedxml import ElementTree as SafeElementTree

from schemas.records import ErrorRecord, RawDocument, SourceMeta
from transforms.errors import InputError
from transforms.feed_state import Validators
from transforms.fetch import FetchError, FetchResult, HttpFetcher
from transforms.formats import format_from_name
from transforms.html_text import html_to_text, looks_like_html
from transforms.ids import doc_id_for

SOURCE_KIND = "feed"
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
TRANSCRIPT_ACCEPT = (
    "text/vtt, application/x-subrip;q=0.9, application/srt;q=0.9, application/json;q=0.8, "
    "text/html;q=0.7, text/plain;q=0.6, */*;q=0.1"
)
# Preference among the transcripts an item offers: timed captions first, then JSON, HTML, text.
TRANSCRIPT_TYPES = {
    "text/vtt": 0,
    "application/x-subrip": 1,
    "application/srt": 1,
    "text/srt": 1,
    "application/x-srt": 1,
    "application/json": 2,
    "text/html": 3,
    "application/xhtml+xml": 3,
    "text/plain": 4,
}
_RANK_OF_FORMAT = {"vtt": 0, "srt": 1, "json": 2, "txt": 4}
_UNTYPED_RANK = 5  # no type and no telling extension: tried last, the response's Content-Type decides
MAX_TRANSCRIPT_TRIES = 3
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")
_PODCAST_NAMESPACE_MARKERS = ("podcastindex.org/namespace", "podcast-namespace")
_ROOT_ELEMENT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
# An entity declaration (quoted values may hold '>'); a safe one is a literal with no reference in it.
# Removing declarations anywhere is simpler than finding the DOCTYPE's end; it only touches a CDATA
# section that quotes a declaration, which feeds do not carry.
_ENTITY_START = re.compile(r"<!ENTITY", re.I)
_ENTITY_DECLARATION = re.compile(r"""<!ENTITY(?:[^>"']|"[^"]*"|'[^']*')*>""", re.I)
_SAFE_ENTITY = re.compile(r"""<!ENTITY\s+\w+\s+(?:"[^"&%<]*"|'[^'&%<]*')\s*>""")
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_WIDE_STARTS = ((b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"))
_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_FEED_ROOTS = ("rss", "rdf", "feed", "channel")
# Response headers feedparser uses: the charset, the base for relative links, the language.
_FEED_HEADERS = ("content-type", "content-location", "content-language")


@dataclass(frozen=True)
class TranscriptLink:
    url: str  # absolute
    media_type: str | None
    language: str | None = None
    rel: str | None = None

    @property
    def rank(self) -> int:
        if self.media_type:
            return TRANSCRIPT_TYPES.get(self.media_type, 99)
        ext = urlsplit(self.url).path.lower()
        if ext.endswith((".html", ".htm")):
            return 3
        return _RANK_OF_FORMAT.get(format_from_name(ext) or "", _UNTYPED_RANK)


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed, with what newsbeam keeps of it."""

    feed_url: str
    index: int  # position in the feed
    feed_title: str | None
    title: str | None
    link: str | None
    guid: str | None
    published_at: dt.datetime | None  # UTC
    authors: tuple[str, ...]
    content: str | None  # the fullest content body
    content_type: str | None
    summary: str | None
    summary_type: str | None
    transcripts: tuple[TranscriptLink, ...] = ()


@dataclass(frozen=True)
class ParsedFeed:
    url: str  # the feed's URL as configured
    final_url: str  # after redirects: the base of relative links
    title: str | None
    version: str | None
    entries: tuple[FeedEntry, ...]
    bozo: bool  # feedparser found the feed broken but could read it
    bozo_message: str | None = None


@dataclass(frozen=True)
class FeedOutcome:
    """A feed fetch: parsed, not modified (304), or failed as a whole (error)."""

    url: str
    feed: ParsedFeed | None = None
    error: ErrorRecord | None = None
    not_modified: bool = False
    validators: Validators | None = None  # from a full (200) fetch, to stage for the next run


@dataclass(frozen=True)
class EntryOutcome:
    """An entry as a document or an error; warnings say why a linked transcript was not used."""

    document: RawDocument | None
    error: ErrorRecord | None
    transcript_url: str | None = None
    warnings: tuple[str, ...] = ()


def _text(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _utc(parsed) -> dt.datetime | None:
    """feedparser's *_parsed struct_time (already UTC) as an aware datetime."""
    if not parsed:
        return None
    try:
        return dt.datetime(*parsed[:6], tzinfo=dt.timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return None


def _authors(entry) -> tuple[str, ...]:
    names = []
    for author in entry.get("authors") or ():
        if isinstance(author, Mapping):
            names.append(_text(author.get("name")) or _text(author.get("email")))
    if not any(names):
        names.append(_text(entry.get("author")))
    return tuple(dict.fromkeys(n for n in names if n))


def _best_content(entry) -> tuple[str | None, str | None]:
    bodies = [c for c in entry.get("content") or () if isinstance(c, Mapping) and _text(c.get("value"))]
    if not bodies:
        return None, None
    best = max(bodies, key=lambda c: len(c.get("value") or ""))
    return best.get("value"), _text(best.get("type"))


def _is_podcast_transcript(tag: str) -> bool:
    if not tag.startswith("{") or not tag.endswith("}transcript"):
        return False
    return any(marker in tag.lower() for marker in _PODCAST_NAMESPACE_MARKERS)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _xml_transcripts(body: bytes) -> list[tuple[str | None, list[dict[str, str]]]] | None:
    """(guid, transcript attributes) per item/entry in document order; None if the XML is unreadable.

    defusedxml refuses entity declarations and external references outright, so a hostile feed
    cannot expand or read anything here; such a feed falls back to what feedparser exposes.
    """
    if b"transcript" not in body:
        return []
    try:
        root = SafeElementTree.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except Exception:  # noqa: BLE001 - ParseError, EntitiesForbidden, odd encodings: use feedparser's view
        return None
    items = []
    for element in root.iter():
        if _local(element.tag) not in ("item", "entry"):
            continue
        guid = next((_text(c.text) for c in element if _local(c.tag) in ("guid", "id")), None)
        links = [dict(t.attrib) for t in element.iter() if isinstance(t.tag, str) and _is_podcast_transcript(t.tag)]
        items.append((guid, links))
    return items


def _transcript_links(attribute_sets, base: str) -> tuple[TranscriptLink, ...]:
    links = []
    for attributes in attribute_sets:
        url = _text(attributes.get("url") or attributes.get("href"))
        if not url:
            continue
        try:
            url = urljoin(base, url)
        except ValueError:
            continue  # unparseable (a broken IPv6 host): nothing that could be fetched
        media_type = (_text(attributes.get("type")) or "").split(";")[0].strip().lower() or None
        links.append(TranscriptLink(url, media_type, _text(attributes.get("language")), _text(attributes.get("rel"))))
    return tuple(dict.fromkeys(links))


def parse_feed(body: bytes | str, url: str, headers: Mapping[str, str] | None = None, final_url: str | None = None) -> ParsedFeed:
    """Entries of a fetched feed; InputError("MalformedFeed") if nothing feed-like can be read.

    A str is treated as the document itself, never as a path or URL: feedparser only gets a stream.
    """
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    base = final_url or url
    response_headers = {k.lower(): v for k, v in (headers or {}).items() if k.lower() in _FEED_HEADERS}
    try:
        # The base of relative links: a relative Content-Location is relative to where the feed came from.
        response_headers["content-location"] = urljoin(base, response_headers.get("content-location", base))
    except ValueError:
        response_headers["content-location"] = base
    # No declared type means the XML declaration decides the encoding, as for application/xml;
    # without this feedparser would call every header-less feed broken ("bozo").
    response_headers.setdefault("content-type", "application/xml")
    if not data.strip():
        raise InputError("MalformedFeed", "the feed response is empty")
    try:
        result = feedparser.parse(
            io.BytesIO(defuse_dtd(data)), response_headers=response_headers, resolve_relative_uris=True, sanitize_html=True
        )
    except Exception as exc:  # noqa: BLE001 - feedparser on hostile bytes: any crash is a malformed feed, not a failed run
        raise InputError("MalformedFeed", f"feedparser failed: {type(exc).__name__}: {exc}") from None
    entries = result.get("entries") or []
    version = _text(result.get("version"))
    bozo = bool(result.get("bozo"))
    bozo_message = None
    if bozo:
        exc = result.get("bozo_exception")
        bozo_message = f"{type(exc).__name__}: {exc}" if exc is not None else "feed is not well formed"
    if not entries and not version:
        # feedparser reads anything (an HTML page gives a 'feed' too): with no entries and no
        # recognised version, only a feed root element makes it an empty feed rather than no feed.
        root = _ROOT_ELEMENT.search(_COMMENT.sub(b"", data[:65536]))
        root_name = root.group(1).decode("ascii", "replace").lower() if root else ""
        if bozo or not result.get("feed") or root_name.rsplit(":", 1)[-1] not in _FEED_ROOTS:
            reason = bozo_message or f"no RSS, Atom or CDF structure found (root element {root_name or 'missing'!r})"
            raise InputError("MalformedFeed", f"not a readable feed: {reason}")
    feed_info = result.get("feed") or {}
    feed_title = _text(feed_info.get("title"))
    xml_items = _xml_transcripts(data) if entries else []
    by_guid = {}
    if xml_items and len(xml_items) != len(entries):
        by_guid = {guid: links for guid, links in xml_items if guid}
    parsed_entries = []
    for index, entry in enumerate(entries):
        guid = _text(entry.get("id"))
        if xml_items and len(xml_items) == len(entries):
            attribute_sets = xml_items[index][1]
        else:
            attribute_sets = by_guid.get(guid, [])
        if not attribute_sets and isinstance(entry.get("podcast_transcript"), Mapping):
            attribute_sets = [entry["podcast_transcript"]]  # feedparser's view: the last element only
        content, content_type = _best_content(entry)
        summary_detail = entry.get("summary_detail") or {}
        parsed_entries.append(
            FeedEntry(
                feed_url=url,
                index=index,
                feed_title=feed_title,
                title=_text(entry.get("title")),
                link=_text(entry.get("link")),
                guid=guid,
                published_at=_utc(entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("created_parsed")),
                authors=_authors(entry),
                content=content,
                content_type=content_type,
                summary=_text(entry.get("summary")),
                summary_type=_text(summary_detail.get("type")) if isinstance(summary_detail, Mapping) else None,
                transcripts=_transcript_links(attribute_sets, base),
            )
        )
    return ParsedFeed(url, base, feed_title, version, tuple(parsed_entries), bozo, bozo_message)


def defuse_dtd(data: bytes) -> bytes:
    """The document without entity declarations that could expand or refer outside it.

    feedparser drops them only when each starts a line, so a one-line DTD would reach expat whole.
    Here every declaration goes wherever it stands, except a plain literal (which feedparser keeps
    too); UTF-16/32 documents are handled in their own encoding.
    """
    codec = next((c for bom, c in _BOMS if data.startswith(bom)), None)
    codec = codec or next((c for pattern, c in _WIDE_STARTS if data.startswith(pattern)), None)
    # latin-1 maps bytes one to one, so ASCII-compatible documents come back byte for byte.
    codec = codec or "latin-1"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return data  # expat refuses it as well
    if not _ENTITY_START.search(text):
        return data
    defused = _ENTITY_DECLARATION.sub(lambda m: m.group(0) if _SAFE_ENTITY.fullmatch(m.group(0)) else "", text)
    return defused.encode(codec)


def _synthetic_uri(entry: FeedEntry) -> str:
    # No guid and no link: the entry is known by its feed and what it says, stable while it is unchanged.
    parts = [entry.title or "", entry.published_at.isoformat() if entry.published_at else "", entry.content or entry.summary or ""]
    parts += [t.url for t in entry.transcripts]
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "replace")).hexdigest()[:16]
    return f"{entry.feed_url}#entry-{digest}"


def entry_identity(entry: FeedEntry) -> str:
    """What makes two entries the same one, across feeds and runs: the guid, else the link."""
    return entry.guid or entry.link or _synthetic_uri(entry)


def entry_doc_id(entry: FeedEntry) -> str:
    """The doc_id parse_document will give this entry's document (it uses guid, link, source_uri)."""
    return doc_id_for(SOURCE_KIND, entry_identity(entry))


def _meta(entry: FeedEntry, source_uri: str | None) -> SourceMeta:
    if not entry.guid and not entry.link:
        source_uri = _synthetic_uri(entry)  # it is the identity then: the doc_id must not depend on the transcript used
    return SourceMeta(
        source_uri=source_uri or entry.link or _synthetic_uri(entry),
        source_kind=SOURCE_KIND,
        title=entry.title,
        link=entry.link,
        guid=entry.guid,
        published_at=entry.published_at,
        authors=entry.authors,
        feed_title=entry.feed_title,
    )


def entry_source_uri(entry: FeedEntry) -> str:
    """The URI an entry's errors and content-based documents name: its link, else its synthetic URI."""
    return _meta(entry, None).source_uri


def ranked_transcripts(entry: FeedEntry) -> list[TranscriptLink]:
    """Transcript links worth trying, best first (VTT, SRT, JSON, HTML, text; untyped last)."""
    usable = [t for t in entry.transcripts if t.rank <= _UNTYPED_RANK]
    return sorted(usable, key=lambda t: t.rank)  # stable: the feed's order breaks ties


def _as_text(value: str, media_type: str | None) -> str:
    media_type = (media_type or "").lower()
    if media_type == "text/plain":
        return value.strip()
    if any(t in media_type for t in _HTML_TYPES) or looks_like_html(value):
        return html_to_text(value)
    return value.strip()


def document_from_content(entry: FeedEntry) -> RawDocument:
    """The entry's full content, else its summary, as text; InputError("EmptyEntry") if it has neither."""
    for value, media_type in ((entry.content, entry.content_type), (entry.summary, entry.summary_type)):
        if value and value.strip():
            text = _as_text(value, media_type)
            if text:
                return RawDocument(_meta(entry, None), text.encode("utf-8"), "txt")
    raise InputError("EmptyEntry", "entry has no transcript link, content or summary")


def document_from_transcript(entry: FeedEntry, link: TranscriptLink, result: FetchResult) -> RawDocument:
    """A fetched transcript as a RawDocument: HTML becomes text, captions and JSON stay as they are."""
    if not result.body.strip():
        raise InputError("EmptyTranscript", f"transcript {link.url} is empty")
    declared = link.media_type if link.media_type in TRANSCRIPT_TYPES else None
    served = result.content_type
    if declared and declared not in _HTML_TYPES and served in _HTML_TYPES and result.body.lstrip()[:1] == b"<":
        # A caption or JSON link answered with a web page is an error or player page, not the transcript.
        raise InputError("WrongContentType", f"transcript {link.url} was declared {declared} but is an HTML page")
    media_type = declared or served
    is_html = any(t in (media_type or "") for t in _HTML_TYPES) or (
        media_type not in TRANSCRIPT_TYPES and urlsplit(link.url).path.lower().endswith((".html", ".htm"))
    )
    meta = _meta(entry, link.url)
    if is_html:
        text = html_to_text(result.body, result.charset)
        if not text:
            raise InputError("EmptyTranscript", f"HTML transcript {link.url} has no text")
        return RawDocument(meta, text.encode("utf-8"), "txt")
    hint = format_from_name(media_type) or format_from_name(urlsplit(result.final_url).path)
    return RawDocument(meta, result.body, hint)


def read_feed(url: str, fetcher: HttpFetcher, previous: Validators | None = None) -> FeedOutcome:
    """Fetch (conditionally, if validators are known) and parse one feed; failures become an ErrorRecord."""
    try:
        result = fetcher.fetch(
            url, previous.etag if previous else None, previous.last_modified if previous else None, FEED_ACCEPT
        )
    except FetchError as exc:
        return FeedOutcome(url, error=ErrorRecord(url, "fetch", exc.error_type, exc.message))
    if result.not_modified:
        return FeedOutcome(url, not_modified=True)
    validators = Validators(url, _text(result.headers.get("etag")), _text(result.headers.get("last-modified")))
    try:
        feed = parse_feed(result.body, url, result.headers, result.final_url)
    except InputError as exc:
        excerpt = result.body[:300].decode("utf-8", "replace")
        return FeedOutcome(url, error=ErrorRecord(url, "feed", exc.error_type, exc.message, excerpt))
    return FeedOutcome(url, feed=feed, validators=validators)


def entry_outcome(entry: FeedEntry, fetcher: HttpFetcher, max_tries: int = MAX_TRANSCRIPT_TRIES) -> EntryOutcome:
    """The entry's document from its best linked transcript, else its content or summary.

    A transcript that cannot be fetched or is empty is skipped for the next best; if none works the
    content/summary is used and a warning returned. Only when there is nothing to fall back to is
    the entry an error (TranscriptFetchFailed, or EmptyEntry when it never offered a transcript).
    """
    failures: list[str] = []
    links = ranked_transcripts(entry)[:max_tries]
    for link in links:
        try:
            result = fetcher.fetch(link.url, accept=TRANSCRIPT_ACCEPT)
            return EntryOutcome(document_from_transcript(entry, link, result), None, link.url, tuple(failures))
        except FetchError as exc:
            failures.append(f"{link.url}: {exc.error_type}: {exc.message}")
        except InputError as exc:
            failures.append(f"{link.url}: {exc.error_type}: {exc.message}")
    try:
        return EntryOutcome(document_from_content(entry), None, None, tuple(failures))
    except InputError as exc:
        if failures:
            message = "no linked transcript could be fetched (" + "; ".join(failures) + ") and the entry has no content or summary"
            return EntryOutcome(
                None, ErrorRecord(links[0].url, "fetch", "TranscriptFetchFailed", message, published_at=entry.published_at), None, tuple(failures)
            )
        return EntryOutcome(
            None, ErrorRecord(entry_source_uri(entry), "feed", exc.error_type, exc.message, published_at=entry.published_at)
        )
