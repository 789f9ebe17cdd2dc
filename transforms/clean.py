"""Clean broadcast transcripts: remove artifacts, keep every word of content, record each edit.

Passes mark spans of the raw text for removal, each seeing the text the earlier
passes left (a View); a final render normalises whitespace and Unicode and
turns the marks into an edit list from which the raw text can be rebuilt.
"""
from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from schemas.records import Block, Edit, ParsedTranscript, TimedSpan, Turn, media_time

PROFILES = ("full", "light", "none")
DATA_DIR = Path(__file__).resolve().parent / "data" / "cleaning"

_SENTENCE_END = ".?!…"
_CLOSERS = "\"'”’)»"
_QUOTES = "\"'“”‘’«»„"
_UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"


# --------------------------------------------------------------------------- lexicons


@dataclass(frozen=True)
class Lexicons:
    """Everything language-specific the cleaner knows, loaded from data files."""

    fillers: dict[str, dict[str, frozenset[str]]]  # lang -> phrase -> contexts
    conjunctions: dict[str, frozenset[str]]
    emphatic: frozenset[str]
    doubles: frozenset[str]
    cue_words: frozenset[str]
    clip_begin: frozenset[str]
    clip_end: frozenset[str]
    spoken_cues: dict[str, frozenset[str]]
    boilerplate: tuple[re.Pattern, ...]
    word_classes: dict[tuple[str, str], frozenset[str]]  # (lang, class) -> words
    # Compiled per-language patterns, built on first use (and pickled with the lexicons).
    patterns: dict = field(default_factory=dict, compare=False, repr=False)

    def pattern(self, key: tuple, build) -> re.Pattern:
        if key not in self.patterns:
            self.patterns[key] = build()
        return self.patterns[key]

    def words(self, languages: tuple[str, ...], word_class: str) -> frozenset[str]:
        """A word class for the given languages; every language's when unknown."""
        chosen = {lang for lang, _ in self.word_classes} if languages == ("*",) else set(languages)
        return frozenset().union(*(self.word_classes.get((lang, word_class), frozenset()) for lang in chosen))

    @classmethod
    def load(cls, data_dir: str | Path | None = None) -> Lexicons:
        return _load_lexicons(str(data_dir or DATA_DIR))

    def languages(self, language: str | None) -> tuple[str, ...]:
        """Lexicon keys in force for a document: its language and the universal '*'."""
        if language and language in self.fillers and language != "*":
            return ("*", language)
        return ("*",)


def _data_lines(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            rows.append([part.strip() for part in line.split("\t")])
    return rows


def _norm_phrase(text: str) -> str:
    return " ".join(text.replace("’", "'").casefold().split())


@functools.lru_cache(maxsize=8)
def _load_lexicons(data_dir: str) -> Lexicons:
    base = Path(data_dir)
    fillers: dict[str, dict[str, set[str]]] = {}
    conjunctions: dict[str, set[str]] = {}
    for lang, context, phrase in _data_lines(base / "fillers.txt"):
        if context == "conj":
            conjunctions.setdefault(lang, set()).add(_norm_phrase(phrase))
        else:
            fillers.setdefault(lang, {}).setdefault(_norm_phrase(phrase), set()).add(context)
    emphatic, doubles = set(), set()
    for kind, word in _data_lines(base / "repetitions.txt"):
        (emphatic if kind == "emphatic" else doubles).add(word.casefold())
    cue_words: set[str] = set()
    clip_begin, clip_end = set(), set()
    spoken: dict[str, set[str]] = {}
    for row in _data_lines(base / "cues.txt"):
        if row[0] == "word":
            cue_words.update(row[1].casefold().split())
        elif row[0] == "clip-begin":
            clip_begin.add(_norm_phrase(row[1]))
        elif row[0] == "clip-end":
            clip_end.add(_norm_phrase(row[1]))
        elif row[0] == "spoken":
            spoken.setdefault(row[1], set()).add(_sentence_key(row[2]))
    boiler = tuple(
        re.compile(line.strip(), re.I)
        for line in (base / "boilerplate.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    word_classes = {
        (lang, cls): frozenset(words.casefold().split()) for lang, cls, words in _data_lines(base / "function_words.txt")
    }
    return Lexicons(
        fillers={lang: {p: frozenset(c) for p, c in phrases.items()} for lang, phrases in fillers.items()},
        conjunctions={lang: frozenset(words) for lang, words in conjunctions.items()},
        emphatic=frozenset(emphatic),
        doubles=frozenset(doubles),
        cue_words=frozenset(cue_words),
        clip_begin=frozenset(clip_begin),
        clip_end=frozenset(clip_end),
        spoken_cues={lang: frozenset(s) for lang, s in spoken.items()},
        boilerplate=boiler,
        word_classes=word_classes,
    )


def _sentence_key(text: str) -> str:
    return " ".join(re.findall(r"[\w']+", text.replace("’", "'").casefold()))


# A sentence starts at the text's or a line's start, or after a stop and a space.
_SENTENCE_START = r"(?:^|(?<=[.!?…]\s)|(?<=[.!?…][\"'”’)]\s))"
_CLOSE = r"[\"'”’)»]*"
_WORDS_OR_COMMAS = r"[ \t,]+"


def _alternation(phrases, word_sep: str = r"[ \t]+") -> str:
    """A regex alternation of words or phrases, longest first, apostrophes either way."""
    parts = []
    for phrase in sorted(set(phrases), key=lambda p: (-len(p), p)):
        words = [re.sub(r"['’]", "['’]", re.escape(w)) for w in phrase.split()]
        parts.append(word_sep.join(words) + r"(?![\w'’\-])")
    return "|".join(parts)


# --------------------------------------------------------------------------- marks and views


@dataclass(frozen=True)
class _Break:
    """A turn starts at raw position `pos`."""

    pos: int
    event: str  # speaker, change, clip-begin, clip-end
    speaker: str | None = None
    role: str | None = None


class _View:
    """The raw text minus the spans removed so far, with a map back to raw offsets."""

    def __init__(self, raw: str, spans: list[tuple[int, int, str]]):
        self.fragments: list[tuple[int, int]] = []
        pos = 0
        for start, end, _ in spans:
            if start > pos:
                self.fragments.append((pos, start))
            pos = max(pos, end)
        if pos < len(raw):
            self.fragments.append((pos, len(raw)))
        self.view_starts: list[int] = []
        total = 0
        for a, b in self.fragments:
            self.view_starts.append(total)
            total += b - a
        self.text = "".join(raw[a:b] for a, b in self.fragments)
        self.raw = raw
        self.raw_starts = [a for a, _ in self.fragments]

    def to_raw(self, vpos: int) -> int:
        """Raw offset of the view character at vpos (or just past the end)."""
        if not self.fragments:
            return 0
        if vpos >= len(self.text):
            return self.fragments[-1][1]
        i = bisect.bisect_right(self.view_starts, vpos) - 1
        return self.fragments[i][0] + (vpos - self.view_starts[i])

    def raw_span(self, vstart: int, vend: int) -> tuple[int, int]:
        return self.to_raw(vstart), self.to_raw(vend - 1) + 1

    def from_raw(self, rpos: int) -> int:
        """View offset of the first view character at or after raw position rpos."""
        i = bisect.bisect_right(self.raw_starts, rpos) - 1
        if i < 0:
            return 0
        a, b = self.fragments[i]
        if rpos < b:
            return self.view_starts[i] + (rpos - a)
        return self.view_starts[i] + (b - a)


@dataclass
class _Marks:
    raw: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # sorted, disjoint
    breaks: list[_Break] = field(default_factory=list)

    def add(self, start: int, end: int, kind: str) -> None:
        """Mark raw[start:end] removed, minus whatever is removed already."""
        if end <= start:
            return
        i = bisect.bisect_left(self.spans, (start,))
        if i > 0 and self.spans[i - 1][1] > start:
            i -= 1
        pieces = []
        pos = start
        j = i
        while j < len(self.spans) and self.spans[j][0] < end:
            s, e, _ = self.spans[j]
            if s > pos:
                pieces.append((pos, s, kind))
            pos = max(pos, e)
            j += 1
        if pos < end:
            pieces.append((pos, end, kind))
        self.spans[i:i] = []
        for piece in pieces:
            bisect.insort(self.spans, piece)

    def add_view(self, view: _View, vstart: int, vend: int, kind: str) -> None:
        if vend > vstart:
            self.add(*view.raw_span(vstart, vend), kind)

    def view(self) -> _View:
        return _View(self.raw, self.spans)


# --------------------------------------------------------------------------- context helpers


def _prev_nonspace(text: str, pos: int) -> int:
    while pos > 0 and text[pos - 1].isspace():
        pos -= 1
    return pos - 1


def _next_nonspace(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _at_sentence_start(text: str, pos: int) -> bool:
    i = _prev_nonspace(text, pos)
    if i < 0 or "\n" in text[i + 1:pos]:
        return True
    while i >= 0 and text[i] in _CLOSERS:
        i -= 1
    return i >= 0 and text[i] in _SENTENCE_END


def _absorb_punctuation(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a removal so it leaves readable punctuation behind.

    A trailing comma goes with the removed words ("uh, about" -> "about");
    before a sentence end the comma in front goes instead ("hard, you know."
    -> "hard."); a removal that is a whole sentence takes its full stop.
    """
    if end < len(text) and text[end] == ",":
        return start, end + 1
    nxt = _next_nonspace(text, end)
    at_end = nxt >= len(text) or text[nxt] in _SENTENCE_END
    prev = _prev_nonspace(text, start)
    if at_end and prev >= 0 and text[prev] == ",":
        return prev, end
    if at_end and _at_sentence_start(text, start) and nxt < len(text):
        stop = nxt
        while stop < len(text) and text[stop] in _SENTENCE_END + _CLOSERS:
            stop += 1
        return start, stop
    return start, end


# --------------------------------------------------------------------------- passes


def _mark_structure(marks: _Marks, blocks: tuple[Block, ...]) -> None:
    """Text between content blocks (caption headers, cue numbers, timings) is markup.

    The whitespace around it stays, so neighbouring cues never glue together.
    """
    raw = marks.raw
    for gap_start, gap_end in _gaps(blocks, len(raw)):
        chunk = raw[gap_start:gap_end]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            marks.add(gap_start + lead, gap_start + lead + len(stripped), "markup")


def _gaps(blocks: tuple[Block, ...], length: int) -> list[tuple[int, int]]:
    gaps, pos = [], 0
    for b in blocks:
        if b.start > pos:
            gaps.append((pos, b.start))
        pos = max(pos, b.end)
    if pos < length:
        gaps.append((pos, length))
    return gaps


_TAG = re.compile(r"</?(?:[a-zA-Z][a-zA-Z0-9]*(?:\.[\w.-]+)*|\d{1,2}:\d{2}(?::\d{2})?[.,]\d{1,3})(?:[ \t][^<>\n]{0,200})?>")
_ENTITY = re.compile(r"&(?:amp|lt|gt|nbsp|quot|apos|#\d{1,5}|#x[0-9a-fA-F]{1,4});")
_ENTITY_TEXT = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": " ", "&quot;": '"', "&apos;": "'"}
_SPEAKER_CHANGE = re.compile(r"(?<![^\s(\[])>{2,3}(?=\s|$|[A-Za-z" + _UPPER[:-1] + r"])")
_MUSIC = re.compile(r"[♪♫🎵🎶]+")
_INLINE_TIME = re.compile(r"[\[(]\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]")
_ASS_OVERRIDE = re.compile(r"\{\\[^{}\n]{0,40}\}")


def _mark_inline_markup(marks: _Marks) -> list[tuple[int, int, str]]:
    """Caption tags, >> marks, music notes, inline timestamps. Returns entity replacements."""
    view = marks.view()
    text = view.text
    for pattern in (_TAG, _MUSIC, _INLINE_TIME, _ASS_OVERRIDE):
        for m in pattern.finditer(text):
            marks.add_view(view, m.start(), m.end(), "markup")
    for m in _SPEAKER_CHANGE.finditer(text):
        marks.add_view(view, m.start(), m.end(), "markup")
        marks.breaks.append(_Break(view.to_raw(m.start()), "change"))
    replacements = []
    for m in _ENTITY.finditer(text):
        entity = m.group(0)
        if entity in _ENTITY_TEXT:
            value = _ENTITY_TEXT[entity]
        elif entity.startswith("&#x"):
            value = chr(int(entity[3:-1], 16))
        else:
            value = chr(int(entity[2:-1]))
        start, end = view.raw_span(m.start(), m.end())
        replacements.append((start, end, value))
    return replacements


_TOKEN = re.compile(r"[^\s]+")


def _caption_tokens(raw: str, block: Block, spans: list[tuple[int, int, str]]) -> list[tuple[str, int, int, bool]]:
    """(normalised token, raw start, raw end, starts a line) of a cue's payload, markup skipped."""
    out = []
    line_start = True
    text = raw[block.start:block.end]
    removed = [(s, e) for s, e, _ in spans if s < block.end and e > block.start]
    for m in _TOKEN.finditer(text):
        s, e = block.start + m.start(), block.start + m.end()
        newline_before = m.start() == 0 or "\n" in text[max(0, m.start() - 3):m.start()]
        if any(rs <= s and e <= re_ for rs, re_ in removed):
            line_start = line_start or newline_before
            continue
        word = re.sub(r"<[^>]*>", "", m.group(0)).casefold().strip(".,!?;:\"'")
        if not word:
            continue
        out.append((word, s, e, line_start or newline_before))
        line_start = False
    return out


def _mark_rollup(marks: _Marks, blocks: tuple[Block, ...]) -> None:
    """Roll-up captions repeat the previous cue's last line(s): keep the text once.

    The overlap must be three words or more, two starting a line, or a whole
    line, so a word the speaker really repeats across cues stays.
    """
    previous: list[tuple[str, int, int, bool]] = []
    for block in blocks:
        current = _caption_tokens(marks.raw, block, marks.spans)
        best = 0
        for k in range(min(len(previous), len(current)), 0, -1):
            if [t[0] for t in previous[-k:]] != [t[0] for t in current[:k]]:
                continue
            whole_line = previous[-k][3] and (k == len(current) or current[k][3])
            if k >= 3 or (k == 2 and previous[-k][3]) or whole_line:
                best = k
                break
        if best:
            end = current[best - 1][2]
            marks.add(current[0][1], end, "markup")
            # A >> inside the repeated line was the previous cue's speaker change.
            marks.breaks = [b for b in marks.breaks if not (b.event == "change" and block.start <= b.pos < end)]
        previous = current


def _mark_boilerplate(marks: _Marks, lex: Lexicons) -> None:
    view = marks.view()
    for m in re.finditer(r"[^\n]+", view.text):
        line = m.group(0).strip()
        if line and any(p.search(line) for p in lex.boilerplate):
            lead = len(m.group(0)) - len(m.group(0).lstrip())
            marks.add_view(view, m.start() + lead, m.start() + lead + len(line), "boiler")


_BRACKET = re.compile(r"\(([^()\n]{1,80})\)|\[([^\[\]\n]{1,80})\]")


def _mark_cues(marks: _Marks, lex: Lexicons, languages: tuple[str, ...], all_caps: bool, captions: bool) -> None:
    view = marks.view()
    text = view.text
    for m in _BRACKET.finditer(text):
        inner = m.group(1) or m.group(2)
        words = re.findall(r"[\w'’-]+", inner.casefold())
        if not words or any(ch.isdigit() for ch in inner):
            continue
        # In captions, brackets are the convention for non-speech information.
        is_cue = captions or all(w in lex.cue_words for w in words)
        letters = [c for c in inner if c.isalpha()]
        if not is_cue and not all_caps and len(words) >= 2 and letters and all(c.isupper() for c in letters):
            is_cue = True
        if not is_cue:
            continue
        marks.add_view(view, m.start(), m.end(), "cue")
        key = _norm_phrase(inner)
        if key in lex.clip_begin:
            marks.breaks.append(_Break(view.to_raw(m.start()), "clip-begin"))
        elif key in lex.clip_end:
            marks.breaks.append(_Break(view.to_raw(m.start()), "clip-end"))
    # Unknown language: every language's spoken cues (a whole-sentence match is safe).
    chosen = lex.spoken_cues.keys() if languages == ("*",) else languages
    spoken = set().union(*(lex.spoken_cues.get(lang, frozenset()) for lang in chosen))
    if not spoken:
        return
    pattern = lex.pattern(
        ("spoken", languages),
        lambda: re.compile(
            _SENTENCE_START + rf"[ \t]*(?P<cue>(?:{_alternation(spoken, word_sep=_WORDS_OR_COMMAS)})[ \t]*[.!?…]+{_CLOSE})(?=\s|$)",
            re.I | re.M,
        ),
    )
    view = marks.view()
    for m in pattern.finditer(view.text):
        marks.add_view(view, m.start("cue"), m.end("cue"), "cue")


_NAME_WORD = rf"(?:[{_UPPER}][{_UPPER}'’.\-]*|MC|Mc|\d+)"
_LABEL = re.compile(
    rf"(?P<name>{_NAME_WORD}(?:[ ]{_NAME_WORD}){{0,4}})"
    r"(?:[ ]?\((?P<party>[^()\n]{1,40})\))?"  # "SEN. JOHN THUNE (R-SD), MAJORITY LEADER:"
    rf"(?:,[ ]?(?P<role>[{_UPPER}0-9][{_UPPER}0-9'’.&/\- ]{{1,60}}?))?"
    r"(?:[ ]?\((?P<paren>[^()\n]{1,40})\))?"  # "BLITZER (voice-over):"
    r"[ ]?:(?=\s)"
)
_TITLE_LABEL = re.compile(r"(?P<name>(?:[A-Z][a-zà-ÿ'’.\-]+|[A-Z]\.|\d+)(?:[ ](?:[A-Z][a-zà-ÿ'’.\-]+|[A-Z]\.|\d+)){0,3}):(?=\s)")
_NOT_SPEAKERS = frozenset(
    "note update breaking warning correction editor's note source photo video watch read more related live "
    "advertisement transcript summary title date time location subject".split()
)


def _label_starts(text: str, change_positions: set[int], all_caps: bool) -> list[int]:
    """Where a speaker label may stand: line starts, after >> marks, after a sentence end."""
    starts = [0] + [m.end() for m in re.finditer(r"\n[ \t]*", text)]
    starts += [_next_nonspace(text, p) for p in change_positions]
    if not all_caps:
        starts += [m.end() for m in re.finditer(r"[.?!][\"”’)]?[ ]+(?=[" + _UPPER + r"]{2,}[^a-z\n]{0,60}:\s)", text)]
    return sorted({_next_nonspace(text, s) if s < len(text) and text[s] in " \t" else s for s in starts})


def _mark_labels(marks: _Marks, all_caps: bool) -> None:
    view = marks.view()
    text = view.text
    change_positions = {view.from_raw(b.pos) for b in marks.breaks if b.event == "change"}
    starts = _label_starts(text, change_positions, all_caps)
    title_counts: dict[str, int] = {}
    title_hits = []
    label_end = -1
    for pos in starts:
        if pos < label_end:  # "SEN. JOHN THUNE:" is one label, not a sentence end before one
            continue
        m = _LABEL.match(text, pos)
        if m and m.group("name").casefold().strip(".") not in _NOT_SPEAKERS and any(c.isalpha() for c in m.group("name")):
            name = " ".join(m.group("name").split())
            role = m.group("role").strip() if m.group("role") else None
            marks.add_view(view, m.start(), m.end(), "label")
            marks.breaks.append(_Break(view.to_raw(m.start()), "speaker", name, role))
            label_end = m.end()
            continue
        if all_caps:
            continue
        t = _TITLE_LABEL.match(text, pos)
        if t and t.group("name").casefold() not in _NOT_SPEAKERS:
            title_counts[t.group("name")] = title_counts.get(t.group("name"), 0) + 1
            title_hits.append(t)
    # A mixed-case "Name:" is a label only if the document uses it as one more
    # than once; a single "Note:" or "Update:" line is content.
    for t in title_hits:
        if title_counts[t.group("name")] >= 2:
            marks.add_view(view, t.start(), t.end(), "label")
            marks.breaks.append(_Break(view.to_raw(t.start()), "speaker", t.group("name"), None))


def _after_comma_conj(text: str, comma: int, conjunctions: set[str]) -> bool:
    """Whether the word right before the comma at `comma` is a conjunction."""
    word = re.search(r"([\w'’]+)$", text[max(0, comma - 12):comma])
    return bool(word and word.group(1).casefold() in conjunctions)


@functools.lru_cache(maxsize=64)
def _filler_pattern(phrases: tuple[str, ...]) -> re.Pattern:
    alternatives = sorted(phrases, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in alternatives)
    return re.compile(rf"(?<![\w'’\-])(?:{body})(?![\w'’\-])", re.I)


def _mark_fillers(marks: _Marks, lex: Lexicons, languages: tuple[str, ...]) -> None:
    contexts: dict[str, set[str]] = {}
    conjunctions: set[str] = set()
    for lang in languages:
        for phrase, ctx in lex.fillers.get(lang, {}).items():
            contexts.setdefault(phrase, set()).update(ctx)
        conjunctions |= lex.conjunctions.get(lang, frozenset())
    # A comma after a conjunction or a word no phrase ends in ("and,", "to,")
    # is only there for the pause the filler made.
    pause_words = conjunctions | (lex.words(languages, "final") if languages != ("*",) else frozenset())
    if not contexts:
        return
    view = marks.view()
    text = view.text
    for m in _filler_pattern(tuple(sorted(contexts))).finditer(text):
        ctx = contexts[_norm_phrase(m.group(0))]
        start, end = m.start(), m.end()
        if 0 < start and end < len(text) and text[start - 1] in _QUOTES and text[end] in _QUOTES:
            continue  # a word in quotes is talked about, not said: 'the word "um"'

        comma_after = end < len(text) and text[end] == ","
        prev = _prev_nonspace(text, start)
        comma_before = prev >= 0 and text[prev] == ","
        sentence_start = _at_sentence_start(text, start)
        prev_word = re.search(r"([\w'’]+)\s*$", text[max(0, start - 12):start])
        after_conj = bool(prev_word and prev_word.group(1).casefold() in conjunctions)
        nxt = _next_nonspace(text, end)
        sentence_end = nxt >= len(text) or text[nxt] in _SENTENCE_END
        take = (
            "always" in ctx
            or ("clause" in ctx and comma_after and (sentence_start or comma_before or after_conj))
            or ("initial" in ctx and sentence_start and (comma_after or sentence_end))
            or ("between" in ctx and comma_before and comma_after)
        )
        if take:
            start, end = _absorb_punctuation(text, start, end)
            # "and, um, the wind": after a conjunction both pause commas go.
            if comma_before and _after_comma_conj(text, prev, pause_words) and text[end - 1:end] == ",":
                start = prev
            marks.add_view(view, start, end, "filler")
        elif "tag" in ctx and comma_before and sentence_end:
            marks.add_view(view, prev, end, "filler")


_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_REPEAT_SEP = re.compile(r"[ \t]*(?:,|--|—|–)?\s*")
_MAX_REPEAT_WORDS = 4


def _repetitions(text: str, lex: Lexicons) -> list[tuple[int, int]]:
    """Spans of the first copy (and its separator) of a word or phrase said twice in a row.

    "the, the resistance" and "the Russian, the Russian media" lose their first
    copy; emphasis ("very, very") and legitimate doubles ("had had") stay.
    """
    words = [(m.group(0).casefold(), m.start(), m.end()) for m in _WORD.finditer(text)]
    folded = [w for w, _, _ in words]
    # Only where a word comes back within four words can a repetition start.
    candidates = sorted({i for k in range(1, _MAX_REPEAT_WORDS + 1) for i, (a, b) in enumerate(zip(folded, folded[k:], strict=False)) if a == b})
    spans = []
    done = -1
    for i in candidates:
        if i <= done:
            continue
        for k in range(min(_MAX_REPEAT_WORDS, (len(words) - i) // 2), 0, -1):
            if folded[i] != folded[i + k] or folded[i:i + k] != folded[i + k:i + 2 * k]:
                continue
            first, second = words[i:i + k], words[i + k:i + 2 * k]
            # Each copy is one phrase: its words parted by single spaces.
            if any(text[a[2]:b[1]] != " " for copy in (first, second) for a, b in itertools.pairwise(copy)):
                continue
            sep = text[first[-1][2]:second[0][1]]
            if not sep or not _REPEAT_SEP.fullmatch(sep):
                continue
            phrase = [w for w, _, _ in first]
            if any(ch.isdigit() for w in phrase for ch in w) or not any(ch.isalpha() for w in phrase for ch in w):
                continue
            if all(w in lex.emphatic for w in phrase):
                continue
            if not re.search(r"[,\-—–]", sep) and all(w in lex.doubles for w in phrase):
                continue
            spans.append((first[0][1], second[0][1]))
            done = i + k - 1
            break
    return spans

# Transcripts mark a cut-off with "--"; an em or en dash is ordinary punctuation
# in written news ("WASHINGTON (AP) — The Senate"), a cut-off only at a turn's end.
_DASH_CUT = re.compile(r"[ \t]*(?:--(?=[ \t]*(?:\n|$)|[ \t]+[" + _UPPER + r"])|[—–](?=[ \t]*(?:\n|$)))")


def _mark_disfluencies(marks: _Marks, lex: Lexicons, languages: tuple[str, ...], all_caps: bool) -> None:
    view = marks.view()
    text = view.text
    for start, end in _repetitions(text, lex):
        marks.add_view(view, start, end, "disfluency")
    # False starts cut off by a dash: "And if -- Sorry, go ahead."
    view = marks.view()
    text = view.text
    if not all_caps:
        for m in _DASH_CUT.finditer(text):
            start = m.start()
            boundary = max(text.rfind(ch, 0, start) for ch in ".?!,\n")
            frag_start = _next_nonspace(text, boundary + 1)
            fragment = text[frag_start:start]
            if 0 < len(fragment.split()) <= 8:
                marks.add_view(view, frag_start, m.end(), "disfluency")
    # A short sentence that ends in a word no sentence ends in: "From their."
    function_words = lex.words(languages, "final")
    if function_words:
        pattern = lex.pattern(
            ("final", languages),
            lambda: re.compile(
                _SENTENCE_START
                + rf"[ \t]*(?P<frag>(?:[\w'’]+[ \t,]+){{0,3}}(?:{_alternation(function_words)})[ \t]*[.?]{_CLOSE})(?=\s|$)",
                re.I | re.M,
            ),
        )
        view = marks.view()
        for m in pattern.finditer(view.text):
            marks.add_view(view, m.start("frag"), m.end("frag"), "disfluency")
    # An abandoned question restarted as a new one: "or are they, what's the latest?"
    aux, pronouns, wh = (lex.words(languages, c) for c in ("aux", "pronoun", "wh"))
    conjunctions = set().union(*(lex.conjunctions.get(lang, frozenset()) for lang in languages))
    if aux and pronouns and wh:
        conj = rf"(?:(?:{_alternation(conjunctions)})[ \t]+)?" if conjunctions else ""
        pattern = lex.pattern(
            ("restart", languages),
            lambda: re.compile(
                rf"(?<![\w'’\-])(?P<frag>{conj}(?:{_alternation(aux)})[ \t]+(?:{_alternation(pronouns)}),[ \t]+)"
                rf"(?=(?:{_alternation(wh)})(?![\w'’\-]))",
                re.I,
            ),
        )
        view = marks.view()
        for m in pattern.finditer(view.text):
            marks.add_view(view, m.start("frag"), m.end("frag"), "disfluency")


# --------------------------------------------------------------------------- render


def _nfc_ops(text: str) -> list[tuple[int, int, str]]:
    if unicodedata.is_normalized("NFC", text):
        return []
    ops = []
    i = 0
    n = len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = text[i:j]
        normal = unicodedata.normalize("NFC", cluster)
        if normal != cluster:
            ops.append((i, j, normal))
        i = j
    return ops


def _raw_is_upper(view: _View, raw_pos: int) -> bool:
    return view.raw[raw_pos].isupper()


# Whitespace that may need normalising: anything but a lone space between words.
_ODD_WHITESPACE = re.compile(r"\s{2,}|[^\S ]|^ | $")


def _capitalisation_ops(kept: str, view: _View, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A sentence whose opening filler or false start was removed starts with a capital again."""
    ops = []
    for start, end, kind in spans:
        # Only where the removed words carried the sentence's capital.
        if kind not in ("filler", "disfluency", "cue") or not _raw_is_upper(view, start):
            continue
        p = _next_nonspace(kept, view.from_raw(end))
        if p < len(kept) and kept[p].islower() and _at_sentence_start(kept, p):
            ops.append((p, p + 1, kept[p].upper()))
    return sorted(set(ops))


def _render(
    raw: str,
    spans: list[tuple[int, int, str]],
    replacements: list[tuple[int, int, str]],
    break_positions: list[int],
    keep_paragraphs: bool,
) -> tuple[str, list[Edit]]:
    view = _View(raw, spans)
    kept = view.text
    ops: list[tuple[int, int, str]] = []  # on kept-text offsets
    # A turn break lands on the first kept character at or after it.
    breaks = sorted({view.from_raw(p) for p in break_positions})
    runs = {m.span() for m in _ODD_WHITESPACE.finditer(kept)}
    for b in breaks:  # a single space before a turn break must become a paragraph break
        if 0 < b <= len(kept) and kept[b - 1] == " " and (b < 2 or not kept[b - 2].isspace()):
            runs.add((b - 1, b))
    for start, end in sorted(runs):
        ws = kept[start:end]
        if start == 0 or end == len(kept):
            sep = ""
        else:
            k = bisect.bisect_left(breaks, start + 1)
            turn_break = k < len(breaks) and breaks[k] <= end
            sep = "\n\n" if turn_break or (keep_paragraphs and ws.count("\n") >= 2) else " "
        if ws != sep:
            ops.append((start, end, sep))
    for start, end, value in replacements:
        vs = view.from_raw(start)
        if view.to_raw(vs) == start and vs + (end - start) <= len(kept):
            ops.append((vs, vs + (end - start), value))
    ops.extend(_nfc_ops(kept))
    ops.extend(_capitalisation_ops(kept, view, spans))
    ops.sort()
    edits = [Edit(kind, s, e, raw[s:e]) for s, e, kind in spans]
    pieces = []
    pos = 0
    for s, e, value in ops:
        if s < pos:  # overlapping repair (e.g. an entity inside a whitespace run): first wins
            continue
        pieces.append(kept[pos:s])
        pieces.append(value)
        pos = e
        # A kept-text range may cross removed spans: split it per fragment.
        first = True
        for rs, re_ in _raw_pieces(view, s, e):
            piece_value = value if first else ""
            if raw[rs:re_] != piece_value:
                edits.append(Edit("normalize", rs, re_, raw[rs:re_], piece_value))
            first = False
    pieces.append(kept[pos:])
    edits.sort(key=lambda ed: (ed.start, ed.end))
    return "".join(pieces), edits


def _raw_pieces(view: _View, vstart: int, vend: int) -> list[tuple[int, int]]:
    out = []
    i = bisect.bisect_right(view.view_starts, vstart) - 1
    pos = vstart
    while pos < vend and i < len(view.fragments):
        a, b = view.fragments[i]
        off = pos - view.view_starts[i]
        take = min(vend - pos, (b - a) - off)
        out.append((a + off, a + off + take))
        pos += take
        i += 1
    return out


def raw_to_clean_offsets(edits: list[Edit] | tuple[Edit, ...]):
    """A function mapping a raw offset to the cleaned-text offset of the same place."""
    starts = [e.start for e in edits]
    shift = [0]
    for e in edits:
        shift.append(shift[-1] + len(e.text) - len(e.replacement))

    def to_clean(pos: int) -> int:
        i = bisect.bisect_right(starts, pos) - 1
        if i >= 0 and edits[i].end > pos:  # inside an edit: its replacement's start
            return edits[i].start - shift[i]
        return pos - shift[i + 1]

    return to_clean


def apply_edits(raw: str, edits: tuple[Edit, ...] | list[Edit]) -> str:
    """The cleaned text: the raw text with every edit applied."""
    out, pos = [], 0
    for e in sorted(edits, key=lambda ed: ed.start):
        out.append(raw[pos:e.start])
        out.append(e.replacement)
        pos = e.end
    out.append(raw[pos:])
    return "".join(out)


def rebuild_raw(clean: str, edits: tuple[Edit, ...] | list[Edit]) -> str:
    """Undo every edit: the raw text from the cleaned text and the audit trail."""
    out, clean_pos, shift = [], 0, 0
    for e in sorted(edits, key=lambda ed: ed.start):
        at = e.start - shift
        out.append(clean[clean_pos:at])
        out.append(e.text)
        clean_pos = at + len(e.replacement)
        shift += len(e.text) - len(e.replacement)
    out.append(clean[clean_pos:])
    return "".join(out)


# --------------------------------------------------------------------------- turns


def _resolve_names(breaks: list[_Break]) -> list[_Break]:
    """A later short label ("REYES") names the full speaker given earlier ("ANNA REYES")."""
    full: dict[str, tuple[str, str | None]] = {}
    out = []
    for b in breaks:
        if b.event != "speaker" or not b.speaker:
            out.append(b)
            continue
        words = b.speaker.split()
        key = b.speaker.casefold()
        if len(words) >= 2:
            full.setdefault(words[-1].casefold(), (b.speaker, b.role))
            full[key] = (b.speaker, b.role)
            out.append(b)
        elif key in full:
            name, role = full[key]
            out.append(_Break(b.pos, "speaker", name, b.role or role))
        else:
            out.append(b)
    return out


def _build_turns(
    text: str, breaks: list[_Break], to_clean, blocks: tuple[Block, ...], timeline: tuple[TimedSpan, ...]
) -> tuple[Turn, ...]:
    events = sorted(breaks, key=lambda b: b.pos)
    # Speakers named by the format (JSON speaker field, WebVTT voice) start turns too.
    last = None
    for block in blocks:
        if block.speaker and block.speaker != last:
            events.append(_Break(block.start, "speaker", block.speaker, None))
        last = block.speaker or last
    events.sort(key=lambda b: (b.pos, b.event != "clip-begin"))
    events = _resolve_names(events)
    speaker: str | None = None
    role: str | None = None
    in_clip = False
    saved: tuple[str | None, str | None] = (None, None)
    boundaries: list[tuple[int, str | None, str | None, bool]] = [(0, None, None, False)]
    for b in events:
        if b.event == "speaker":
            speaker, role = b.speaker, b.role
        elif b.event == "change":
            speaker, role = None, None
        elif b.event == "clip-begin":
            saved, in_clip, speaker, role = (speaker, role), True, None, None
        elif b.event == "clip-end":
            in_clip = False
            speaker, role = saved
        boundaries.append((to_clean(b.pos), speaker, role, in_clip))
    turns: list[Turn] = []
    for i, (start, spk, rl, clip) in enumerate(boundaries):
        end = boundaries[i + 1][0] if i + 1 < len(boundaries) else len(text)
        end = max(start, min(end, len(text)))
        chunk = text[start:end]
        if not chunk.strip():
            continue
        s = start + len(chunk) - len(chunk.lstrip())
        e = start + len(chunk.rstrip())
        if turns and turns[-1].end >= s:  # a zero-width break right after another
            continue
        turns.append(Turn(s, e, spk, rl, *media_time(timeline, s, e), clip))
    return tuple(turns)


# --------------------------------------------------------------------------- entry point


@dataclass(frozen=True)
class CleanResult:
    text: str
    edits: tuple[Edit, ...]
    turns: tuple[Turn, ...]
    timeline: tuple[TimedSpan, ...]


def _is_all_caps(raw: str, blocks: tuple[Block, ...]) -> bool:
    """Caption text is often all capitals; some rules read case and must not run on it."""
    sample = "".join(raw[b.start:b.end] for b in blocks[:50])[:3000]
    upper, lower = sum(map(str.isupper, sample)), sum(map(str.islower, sample))
    return upper > 0 and upper > 9 * lower


def clean_transcript(
    parsed: ParsedTranscript,
    profile: str = "full",
    language: str | None = None,
    lexicons: Lexicons | None = None,
) -> CleanResult:
    """Clean one parsed transcript.

    profile: full removes every artifact kind; light keeps fillers and
    disfluencies; none only drops format structure (caption headers and
    timings) and normalises whitespace. language: the document's language
    when known, to choose filler and cue lexicons (all of them otherwise).
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown cleaning profile {profile!r}; choose one of {', '.join(PROFILES)}")
    lex = lexicons or Lexicons.load()
    raw = parsed.raw_text
    marks = _Marks(raw)
    _mark_structure(marks, parsed.blocks)
    replacements: list[tuple[int, int, str]] = []
    all_caps = _is_all_caps(raw, parsed.blocks)
    languages = lex.languages(language)
    if profile != "none":
        replacements = _mark_inline_markup(marks)
        if parsed.format in ("srt", "vtt"):
            _mark_rollup(marks, parsed.blocks)
        _mark_boilerplate(marks, lex)
        _mark_cues(marks, lex, languages, all_caps, captions=parsed.format in ("srt", "vtt"))
        _mark_labels(marks, all_caps)
    if profile == "full":
        _mark_fillers(marks, lex, languages)
        _mark_disfluencies(marks, lex, languages, all_caps)
    speaker_starts = [b.start for i, b in enumerate(parsed.blocks) if b.speaker and (i == 0 or parsed.blocks[i - 1].speaker != b.speaker)]
    text, edits = _render(
        raw,
        marks.spans,
        replacements,
        [b.pos for b in marks.breaks] + speaker_starts,
        keep_paragraphs=parsed.format in ("txt", "json"),
    )
    to_clean = raw_to_clean_offsets(edits)
    timeline = tuple(
        TimedSpan(to_clean(b.start), to_clean(b.end), b.start_seconds, b.end_seconds)
        for b in parsed.blocks
        if b.start_seconds is not None and to_clean(b.end) > to_clean(b.start)
    )
    turns = _build_turns(text, marks.breaks, to_clean, parsed.blocks, timeline)
    return CleanResult(text, tuple(edits), turns, timeline)
