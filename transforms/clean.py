"""Clean broadcast transcripts: remove artifacts, keep every word of content, record each edit.

Passes mark spans of the raw text for removal, each seeing the text the earlier
passes left (a View); a final render normalises whitespace and Unicode and
turns the marks into an edit list from which the raw text can be rebuilt.
"""
from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from schemas.records import Block, Edit, ParsedTranscript, TimedSpan, Turn, cue_finder, media_time

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
    # What the passes derive from the lexicons per language (compiled patterns,
    # word unions), built on first use and pickled with the lexicons: a
    # document pays for a lookup, not for building them again.
    patterns: dict = field(default_factory=dict, compare=False, repr=False)

    def cached(self, key: tuple, build):
        try:
            return self.patterns[key]
        except KeyError:
            value = self.patterns[key] = build()
            return value

    def pattern(self, key: tuple, build) -> re.Pattern:
        return self.cached(key, build)

    def words(self, languages: tuple[str, ...], word_class: str) -> frozenset[str]:
        """A word class for the given languages; every language's when unknown."""

        def build() -> frozenset[str]:
            chosen = {lang for lang, _ in self.word_classes} if languages == ("*",) else set(languages)
            return frozenset().union(*(self.word_classes.get((lang, word_class), frozenset()) for lang in chosen))

        return self.cached(("words", languages, word_class), build)

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


def _first_letters(phrases) -> str:
    """The characters the phrases start with, escaped for a character class (an apostrophe either way)."""
    firsts = {p[0] for p in phrases if p}
    if firsts & set("'’"):
        firsts |= set("'’")
    return "".join(re.escape(c) for c in sorted(firsts))


# Patterns that open with a lookbehind are tried at every position of the text;
# the ones below are found instead from a cheap scan for what must come just
# before them (a stop, a newline, a non-word character), and then matched at
# the few places the scan finds. The results are pattern.finditer()'s.


def _scanned_matches(pattern: re.Pattern, scanner: re.Pattern, text: str, reach: int) -> list[re.Match]:
    """pattern.finditer(text) for a pattern that opens with a lookbehind, without trying every position.

    Past the text's start, the pattern can only match 1 to `reach` characters
    after where `scanner` matches; it is tried there alone.
    """
    found = []
    m = pattern.match(text)
    if m:
        found.append(m)
    cur = m.end() if m else 0
    pos = 0
    while (hit := scanner.search(text, pos)) is not None:
        h = hit.start()
        for q in range(max(h + 1, cur), min(h + 1 + reach, len(text) + 1)):
            m = pattern.match(text, q)
            if m:
                found.append(m)
                cur = m.end()
                break
        pos = h + 1
    return found


def _sentence_matches(pattern: re.Pattern, scanner: re.Pattern, text: str) -> list[re.Match]:
    """For a pattern that opens with _SENTENCE_START: a sentence starts one to three
    characters after a stop or a newline, which `scanner` finds."""
    return _scanned_matches(pattern, scanner, text, 3)


def _word_start_matches(pattern: re.Pattern, scanner: re.Pattern, text: str) -> list[re.Match]:
    """For a pattern that opens with a not-after-a-word lookbehind: `scanner` matches
    the one character before wherever the pattern may match."""
    return _scanned_matches(pattern, scanner, text, 1)


# --------------------------------------------------------------------------- marks and views


class _Break(NamedTuple):
    """A turn starts at raw position `pos`."""

    pos: int
    event: str  # speaker, change, clip-begin, clip-end
    speaker: str | None = None
    role: str | None = None


class _View:
    """The raw text minus the spans removed so far, with a map back to raw offsets."""

    __slots__ = ("fragments", "view_starts", "raw_starts", "text", "raw")

    def __init__(self, raw: str, spans: list[tuple[int, int, str]]):
        fragments: list[tuple[int, int]] = []
        pos = 0
        for start, end, _ in spans:
            if start > pos:
                fragments.append((pos, start))
            if end > pos:
                pos = end
        if pos < len(raw):
            fragments.append((pos, len(raw)))
        self.fragments = fragments
        self.raw_starts = [a for a, _ in fragments]
        self.view_starts = list(itertools.accumulate([b - a for a, b in fragments], initial=0))[:-1]
        self.text = raw if not spans else "".join([raw[a:b] for a, b in fragments])
        self.raw = raw

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
    _view: _View | None = field(default=None, repr=False, compare=False)  # of the current spans

    def add(self, start: int, end: int, kind: str) -> None:
        """Mark raw[start:end] removed, minus whatever is removed already."""
        if end <= start:
            return
        spans = self.spans
        i = bisect.bisect_left(spans, (start,))
        if i > 0 and spans[i - 1][1] > start:
            i -= 1
        pieces = []
        pos = start
        j = i
        while j < len(spans) and spans[j][0] < end:
            s, e, _ = spans[j]
            if s > pos:
                pieces.append((pos, s, kind))
            pos = max(pos, e)
            j += 1
        if pos < end:
            pieces.append((pos, end, kind))
        if pieces:
            self._view = None
        for piece in pieces:
            bisect.insort(spans, piece)

    def append(self, start: int, end: int, kind: str) -> None:
        """add(), for a span that starts where or after every span so far ends."""
        if self.spans and self.spans[-1][1] > start:
            self.add(start, end, kind)
        elif end > start:
            self.spans.append((start, end, kind))
            self._view = None

    def add_view(self, view: _View, vstart: int, vend: int, kind: str) -> None:
        if vend > vstart:
            self.add(view.to_raw(vstart), view.to_raw(vend - 1) + 1, kind)

    def view(self) -> _View:
        """The text the spans leave; passes that removed nothing hand the next one the same view."""
        if self._view is None:
            self._view = _View(self.raw, self.spans)
        return self._view


# --------------------------------------------------------------------------- context helpers


def _run_start(text: str, end: int, run: re.Pattern) -> int:
    """Where the run of characters matching `run` (a class, starred) that ends at `end` starts."""
    width = 64
    while True:
        lo = max(0, end - width)
        taken = run.match(text[lo:end][::-1]).end()
        if taken < end - lo or lo == 0:
            return end - taken
        width *= 4


# Runs of whitespace are usually one space, but a text whose words were removed
# can be mostly whitespace: long runs are skipped in C.
_SPACE_RUN = re.compile(r"\s*")
_NOT_SPACE = re.compile(r"\S")


def _prev_nonspace(text: str, pos: int) -> int:
    if pos > 0 and text[pos - 1].isspace():
        pos = _run_start(text, pos, _SPACE_RUN)
    return pos - 1


def _next_nonspace(text: str, pos: int) -> int:
    if pos < len(text) and text[pos].isspace():
        m = _NOT_SPACE.search(text, pos)
        return m.start() if m else len(text)
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
            marks.append(gap_start + lead, gap_start + lead + len(stripped), "markup")  # the gaps come in order


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
# ">>" or ">>>" not glued to a word. The lookbehind comes after the first ">"
# so the scan can skip from one ">" to the next.
_SPEAKER_CHANGE = re.compile(r">(?<![^\s(\[]>)>{1,2}(?=\s|$|[A-Za-z" + _UPPER[:-1] + r"])")
_MUSIC = re.compile(r"[♪♫🎵🎶]+")
_INLINE_TIME = re.compile(r"[\[(]\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]")
_ASS_OVERRIDE = re.compile(r"\{\\[^{}\n]{0,40}\}")


def _mark_inline_markup(marks: _Marks) -> list[tuple[int, int, str]]:
    """Caption tags, >> marks, music notes, inline timestamps. Returns entity replacements."""
    view = marks.view()
    text = view.text
    for pattern in (_TAG, _MUSIC, _INLINE_TIME, _ASS_OVERRIDE):
        # The music notes are outside the Basic Plane, where the scanner cannot skip ahead.
        if pattern is _MUSIC and not any(note in text for note in "♪♫🎵🎶"):
            continue
        for m in pattern.finditer(text):
            marks.add_view(view, m.start(), m.end(), "markup")
    if ">>" in text:
        for m in _SPEAKER_CHANGE.finditer(text):
            marks.add_view(view, m.start(), m.end(), "markup")
            marks.breaks.append(_Break(view.to_raw(m.start()), "change"))
    replacements = []
    if "&" not in text:
        return replacements
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
_INLINE_TAG = re.compile(r"<[^>]*>")


def _removed_in(spans: list[tuple[int, int, str]], start: int, end: int) -> list[tuple[int, int]]:
    """The removed spans that overlap raw[start:end] (spans are sorted and disjoint)."""
    i = bisect.bisect_left(spans, (start,))
    if i > 0 and spans[i - 1][1] > start:
        i -= 1
    out = []
    while i < len(spans) and spans[i][0] < end:
        s, e, _ = spans[i]
        if e > start:
            out.append((s, e))
        i += 1
    return out


_CUE_PUNCTUATION = ".,!?;:\"'"


class _CueTokens:
    """The tokens of a cue's payload, markup skipped: normalised words, raw spans, and which start a line.

    Words come from whole-string operations. Markup that is whole tokens (">>"
    at a line start) is blanked out first; markup inside a token ("<i>WE</i>")
    needs every token's span. Spans and line starts are otherwise worked out
    only when a repeat needs them.
    """

    __slots__ = ("words", "_text", "_read", "_offset", "_spans", "_kept", "_dropped", "_markup")

    def __init__(self, raw: str, block: Block, spans: list[tuple[int, int, str]]):
        text = raw[block.start:block.end]
        self._text = self._read = text  # _read: the text with whole-token markup blanked out
        self._offset = block.start
        self._spans: list[tuple[int, int]] | None = None  # of every token read, kept or not
        self._dropped: set[int] = set()  # tokens read that lie in markup
        self._markup: list[tuple[int, int]] = []  # blanked ranges, local offsets
        removed = [(max(rs, block.start) - block.start, min(re_, block.end) - block.start) for rs, re_ in _removed_in(spans, block.start, block.end)]
        if removed and all((a == 0 or text[a - 1].isspace()) and (b == len(text) or text[b].isspace()) for a, b in removed):
            self._markup = removed
            pieces, pos = [], 0
            for a, b in removed:
                pieces += [text[pos:a], " " * (b - a)]
                pos = b
            self._read = "".join(pieces) + text[pos:]
            removed = []
        read = self._read
        words = list(map(str.strip, read.casefold().split(), itertools.repeat(_CUE_PUNCTUATION)))
        if "<" in read:
            words = [word if "<" not in word else _INLINE_TAG.sub("", token).casefold().strip(_CUE_PUNCTUATION) for word, token in zip(words, read.split(), strict=True)]
        if removed:  # markup inside tokens: skip the tokens wholly inside it
            token_spans = self.all_spans()
            starts = [s for s, _ in token_spans]
            for rs, re_ in removed:
                i = bisect.bisect_left(starts, rs + self._offset)
                while i < len(starts) and token_spans[i][1] <= re_ + self._offset:
                    self._dropped.add(i)
                    i += 1
        self._kept = None  # indices of the kept tokens, when not all are
        if self._dropped or not all(words):
            self._kept = [i for i, word in enumerate(words) if word and i not in self._dropped]
            words = [words[i] for i in self._kept]
        self.words = words

    def all_spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            offset, read = self._offset, self._read
            spaced = read.replace("\n", " ")
            if spaced.isprintable():  # spaces and newlines only: measure the pieces between single spaces
                pieces = spaced.split(" ")
                starts = list(itertools.compress(map(operator.add, itertools.accumulate(map(len, pieces), initial=offset), itertools.count()), pieces))
                self._spans = list(zip(starts, map(operator.add, starts, map(len, filter(None, pieces))), strict=True))
            else:
                self._spans = [(offset + m.start(), offset + m.end()) for m in _TOKEN.finditer(read)]
        return self._spans

    def span(self, i: int) -> tuple[int, int]:
        return self.all_spans()[i if self._kept is None else self._kept[i]]

    def _newline_before(self, local: int) -> bool:
        return local == 0 or "\n" in self._text[max(0, local - 3):local]

    def starts_line(self, i: int) -> bool:
        """Whether kept token i starts a line: the first one does, and so does one after a newline,
        also when the newline came before markup skipped just before it (empty words carry nothing)."""
        if i == 0:
            return True
        start = self.span(i)[0] - self._offset
        if self._newline_before(start):
            return True
        after = self.span(i - 1)[1] - self._offset
        if self._markup:
            skipped = (m.start() for a, b in self._markup if after <= a and b <= start for m in _TOKEN.finditer(self._text, a, b))
        else:
            spans = self.all_spans()
            skipped = (spans[r][0] - self._offset for r in self._dropped if after <= spans[r][0] - self._offset < start)
        return any(map(self._newline_before, skipped))


def _mark_rollup(marks: _Marks, blocks: tuple[Block, ...]) -> None:
    """Roll-up captions repeat the previous cue's last line(s): keep the text once.

    The overlap must be three words or more, two starting a line, or a whole
    line, so a word the speaker really repeats across cues stays.
    """
    previous: _CueTokens | None = None
    repeated: list[tuple[int, int]] = []  # raw ranges whose >> breaks go
    for block in blocks:
        current = _CueTokens(marks.raw, block, marks.spans)
        words = current.words
        best = 0
        if previous is not None:
            previous_words = previous.words
            n = len(previous_words)
            for k in range(min(n, len(words)), 0, -1):
                if previous_words[-k] != words[0] or previous_words[-k:] != words[:k]:
                    continue
                if k >= 3:
                    best = k
                    break
                line = previous.starts_line(n - k)
                if (k == 2 and line) or (line and (k == len(words) or current.starts_line(k))):
                    best = k
                    break
        if best:
            end = current.span(best - 1)[1]
            marks.add(current.span(0)[0], end, "markup")
            repeated.append((block.start, end))
        previous = current
    if repeated:
        # A >> inside the repeated line was the previous cue's speaker change.
        inside = _range_finder(repeated)
        marks.breaks = [b for b in marks.breaks if not (b.event == "change" and inside(b.pos))]


def _range_finder(ranges: list[tuple[int, int]]):
    """A test for 'pos lies in one of the ranges', by bisection when they are in order and disjoint."""
    if any(a[1] > b[0] for a, b in itertools.pairwise(ranges)):
        return lambda pos: any(start <= pos < end for start, end in ranges)
    starts = [start for start, _ in ranges]

    def inside(pos: int) -> bool:
        i = bisect.bisect_right(starts, pos) - 1
        return i >= 0 and pos < ranges[i][1]

    return inside


# Patterns that refer to a group by number or name cannot be joined into one.
_GROUP_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


def _boilerplate_search(lex: Lexicons):
    """One search for 'any boilerplate pattern matches this line', the patterns joined when they can be."""

    def build():
        patterns = lex.boilerplate
        if patterns and len({p.flags for p in patterns}) == 1 and not any(_GROUP_REFERENCE.search(p.pattern) for p in patterns):
            try:
                return re.compile("|".join(p.pattern for p in patterns), patterns[0].flags)
            except re.error:  # e.g. inline flags, repeated group names
                pass
        return None

    joined = lex.cached(("boilerplate",), build)
    return joined.search if joined else (lambda line: any(p.search(line) for p in lex.boilerplate))


def _mark_boilerplate(marks: _Marks, lex: Lexicons) -> None:
    if not lex.boilerplate:
        return
    view = marks.view()
    lines = view.text.split("\n")
    stripped = list(map(str.strip, lines))
    hits = [i for i in itertools.compress(itertools.count(), map(_boilerplate_search(lex), stripped)) if stripped[i]]
    if not hits:
        return
    line_starts = list(itertools.accumulate(map(len, lines), initial=0))
    for i in hits:
        start = line_starts[i] + i + len(lines[i]) - len(lines[i].lstrip())
        marks.add_view(view, start, start + len(stripped[i]), "boiler")


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
    spoken = _spoken_cue_patterns(lex, languages)
    if not spoken:
        return
    view = marks.view()
    for m in _sentence_matches(*spoken, view.text):
        marks.add_view(view, m.start("cue"), m.end("cue"), "cue")


def _spoken_cue_patterns(lex: Lexicons, languages: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern] | None:
    """A whole sentence that is a spoken production cue, and its scanner (see _sentence_matches)."""

    def build():
        # Unknown language: every language's spoken cues (a whole-sentence match is safe).
        chosen = lex.spoken_cues.keys() if languages == ("*",) else languages
        spoken = set().union(*(lex.spoken_cues.get(lang, frozenset()) for lang in chosen))
        if not spoken:
            return None
        phrases = _alternation(spoken, word_sep=_WORDS_OR_COMMAS)
        return (
            lex.pattern(
                ("spoken", languages),
                lambda: re.compile(
                    _SENTENCE_START + rf"[ \t]*(?P<cue>(?:{phrases})[ \t]*[.!?…]+{_CLOSE})(?=\s|$)",
                    re.I | re.M,
                ),
            ),
            re.compile(rf"[.!?…\n][\"'”’)]?\s?[ \t]*(?=[{_first_letters(spoken)}])(?:{phrases})", re.I),
        )

    return lex.cached(("spoken-scan", languages), build)


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


# Every label ends in a colon before a space, on the line it starts on.
_LABEL_COLON = re.compile(r":(?=\s)")
_INDENT = re.compile(r"[ \t]*")
_LABEL_AFTER_STOP = re.compile(r"[.?!][\"”’)]?[ ]+(?=[" + _UPPER + r"]{2,}[^a-z\n]{0,60}:\s)")


def _label_starts(text: str, change_positions: set[int], all_caps: bool, colons: list[int]) -> list[int]:
    """Where a speaker label may stand: line starts, after >> marks, after a sentence end.

    Only places with one of `colons` later on their line can hold a label.
    """
    starts = {0}
    line = -2
    for colon in colons:
        if line < 0 or text.find("\n", line + 1, colon) >= 0:
            line = text.rfind("\n", 0, colon)
            if line >= 0:
                starts.add(_INDENT.match(text, line + 1).end())
    starts.update(_next_nonspace(text, p) for p in change_positions)
    if not all_caps:
        starts.update(m.end() for m in _LABEL_AFTER_STOP.finditer(text))
    out = set()
    for s in starts:
        if s < len(text) and text[s] in " \t":
            s = _next_nonspace(text, s)
        i = bisect.bisect_left(colons, s)
        if i < len(colons) and text.find("\n", s, colons[i]) < 0:
            out.add(s)
    return sorted(out)


def _mark_labels(marks: _Marks, all_caps: bool) -> None:
    view = marks.view()
    text = view.text
    colons = [m.start() for m in _LABEL_COLON.finditer(text)]
    if not colons:
        return
    change_positions = {view.from_raw(b.pos) for b in marks.breaks if b.event == "change"}
    starts = _label_starts(text, change_positions, all_caps, colons)
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


_LAST_WORD = re.compile(r"([\w'’]+)$")
_LAST_WORD_THEN_SPACE = re.compile(r"([\w'’]+)\s*$")


def _after_comma_conj(text: str, comma: int, conjunctions: set[str]) -> bool:
    """Whether the word right before the comma at `comma` is a conjunction."""
    word = _LAST_WORD.search(text, max(0, comma - 12), comma)
    return bool(word and word.group(1).casefold() in conjunctions)


@functools.lru_cache(maxsize=64)
def _filler_pattern(phrases: tuple[str, ...]) -> re.Pattern:
    alternatives = sorted(phrases, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in alternatives)
    return re.compile(rf"(?<![\w'’\-])(?:{body})(?![\w'’\-])", re.I)


def _filler_scanner(phrases: tuple[str, ...]) -> re.Pattern:
    """For _word_start_matches: a non-word character, then the start of a filler phrase.

    The phrases are grouped by their first character, which is checked first,
    so most word starts cost a character-class test.
    """
    groups: dict[str, list[str]] = {}
    for p in phrases:
        alternative = r"\s+".join(re.escape(w) for w in p.split())
        groups.setdefault(p[0], []).append(alternative[len(re.escape(p[0])):])
    first = "".join(re.escape(c) for c in groups)
    body = "|".join(f"{re.escape(c)}(?:{'|'.join(rests)})" for c, rests in groups.items())
    return re.compile(rf"[^\w'’\-](?=[{first}])(?:{body})(?![\w'’\-])", re.I)


def _filler_lexicon(lex: Lexicons, languages: tuple[str, ...]):
    """(contexts per phrase, conjunctions, pause words, pattern, first words, scanner) for the languages in force.

    A match of the pattern starts with a whole _WORD token that case-folds to
    one of the first words, or (phrases that start otherwise, like "¿no") where
    the scanner finds it.
    """

    def build():
        contexts: dict[str, set[str]] = {}
        conjunctions: set[str] = set()
        for lang in languages:
            for phrase, ctx in lex.fillers.get(lang, {}).items():
                contexts.setdefault(phrase, set()).update(ctx)
            conjunctions |= lex.conjunctions.get(lang, frozenset())
        # A comma after a conjunction or a word no phrase ends in ("and,", "to,")
        # is only there for the pause the filler made.
        pause_words = conjunctions | (lex.words(languages, "final") if languages != ("*",) else frozenset())
        phrases = tuple(sorted(contexts))
        first_words = frozenset(p.split()[0] for p in phrases if _WORD.fullmatch(p.split()[0]))
        others = tuple(p for p in phrases if p.split()[0] not in first_words)
        scanner = _filler_scanner(others) if others else None
        return contexts, frozenset(conjunctions), pause_words, _filler_pattern(phrases), first_words, scanner

    return lex.cached(("fillers", languages), build)


def _filler_matches(pattern: re.Pattern, first_words: frozenset[str], scanner: re.Pattern | None, words: _Words) -> list[re.Match]:
    """pattern.finditer(words.text), tried only at tokens that open a phrase and where the scanner points."""
    text = words.text
    folded = words.folded
    starts = [words.start(i) for i in itertools.compress(itertools.count(), map(first_words.__contains__, folded))]
    if scanner is not None:
        starts = sorted({*starts, *(m.start() for m in _word_start_matches(pattern, scanner, text))})
    found = []
    cur = 0
    for start in starts:
        if start >= cur:
            m = pattern.match(text, start)
            if m:
                found.append(m)
                cur = m.end()
    return found


def _mark_fillers(marks: _Marks, lex: Lexicons, languages: tuple[str, ...]) -> _Words | None:
    """Mark fillers; returns the tokens of the text left, for the disfluency pass."""
    contexts, conjunctions, pause_words, pattern, first_words, scanner = _filler_lexicon(lex, languages)
    if not contexts:
        return None
    view = marks.view()
    text = view.text
    words = _Words(text)
    removed: list[tuple[int, int]] = []
    for m in _filler_matches(pattern, first_words, scanner, words):
        # A match that case-folds to no listed phrase (a dotted capital İ for i) is not one.
        ctx = contexts.get(_norm_phrase(m.group(0)))
        if ctx is None:
            continue
        start, end = m.start(), m.end()
        if 0 < start and end < len(text) and text[start - 1] in _QUOTES and text[end] in _QUOTES:
            continue  # a word in quotes is talked about, not said: 'the word "um"'

        comma_after = end < len(text) and text[end] == ","
        prev = _prev_nonspace(text, start)
        comma_before = prev >= 0 and text[prev] == ","
        sentence_start = _at_sentence_start(text, start)
        prev_word = _LAST_WORD_THEN_SPACE.search(text[max(0, start - 12):start])
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
            removed.append((start, end))
        elif "tag" in ctx and comma_before and sentence_end:
            marks.add_view(view, prev, end, "filler")
            removed.append((prev, end))
    if not removed:
        return words
    return words.without(_merged(removed), marks.view().text)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of ranges, as sorted disjoint ranges (empty ones dropped)."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
# A character in no _WORD token: not a word character, or a hyphen or apostrophe
# without a word character on both sides.
_NOT_IN_WORD = re.compile(r"[^\w ](?:(?<![-'’])|(?<!\w.)|(?!\w))")


# Blanking in bytes: a Latin-1 character stays if it can be in a token (a word
# character, a hyphen, an apostrophe, DEL standing in for "’"), else becomes a space.
_IN_WORD_BYTES = bytes(b if chr(b).isalnum() or chr(b) in "_-' \x7f" else 32 for b in range(256))
_WIDE_NOT_IN_WORD = "“”‘„—–…"
_DANGLING = re.compile(r"[-'\x7f](?:(?<!\w.)|(?!\w))")


def _blank_non_words(text: str) -> str:
    """_NOT_IN_WORD.sub(" ", text): every character in no _WORD token made a space."""
    if "\x7f" not in text:
        latin = text
        if not text.isascii():
            # Typographic quotes and dashes are the usual characters past Latin-1.
            latin = latin.replace("’", "\x7f")
            for ch in _WIDE_NOT_IN_WORD:
                if ch in latin:
                    latin = latin.replace(ch, " ")
        try:
            encoded = latin.encode("latin-1")
        except UnicodeEncodeError:
            pass
        else:
            blanked = encoded.translate(_IN_WORD_BYTES).decode("latin-1")
            if "'" in blanked or "-" in blanked or "\x7f" in blanked:
                blanked = _DANGLING.sub(" ", blanked).replace("\x7f", "’")
            return blanked
    return _NOT_IN_WORD.sub(" ", text)


class _Words:
    """The _WORD tokens of a text, found with whole-string operations.

    Every character in no token is blanked to a space; the tokens are then what
    the spaces part. folded[i] is token i case-folded, text[start(i):end(i)] the
    token; offsets are worked out only for the tokens asked about.
    """

    __slots__ = ("text", "folded", "_written", "_pieces", "_piece_of", "_piece_starts", "_base", "_stretches", "_stretch_starts")

    def __init__(self, text: str):
        self.text = text
        self._written: list[str] | None = None  # the tokens as written, where case folding changed a length ("ß" -> "ss")
        self._piece_of: list[int] | None = None
        self._base: _Words | None = None
        blanked = _blank_non_words(text)
        casefolded = blanked.casefold()
        self._pieces = casefolded.split(" ")
        self.folded = list(filter(None, self._pieces))
        if len(casefolded) != len(blanked):
            self._pieces = blanked.split(" ")
            self._written = list(filter(None, self._pieces))

    def start(self, i: int) -> int:
        if self._base is not None:  # tokens of a text with ranges taken out: find the stretch token i is in
            k = bisect.bisect_right(self._stretch_starts, i) - 1
            new_first, old_first, shift = self._stretches[k]
            return self._base.start(old_first + i - new_first) - shift
        if self._piece_of is None:
            self._piece_of = list(itertools.compress(itertools.count(), self._pieces))
            self._piece_starts = list(itertools.accumulate(map(len, self._pieces), initial=0))
        j = self._piece_of[i]
        return self._piece_starts[j] + j  # each piece is preceded by one space

    def end(self, i: int) -> int:
        return self.start(i) + len((self._written or self.folded)[i])

    def without(self, removed: list[tuple[int, int]], text: str) -> _Words:
        """The tokens of `text`, which is this text with the `removed` ranges (sorted, disjoint) taken out.

        Removals take whole tokens and what lies between them; where one could
        join or split tokens (word characters meet), the text is read afresh.
        """
        old = self.text
        tokens = range(len(self.folded))
        stretches: list[tuple[int, int, int]] = []  # (new first token, old first token, shift) of each stretch kept
        first = 0
        shift = 0
        folded: list[str] = []
        written: list[str] | None = [] if self._written is not None else None
        for a, b in removed:
            if 0 < a and b < len(old) and _WORD_CHAR.match(old, a - 1) and _WORD_CHAR.match(old, b):
                return _Words(text)
            lo = bisect.bisect_left(tokens, a, key=self.start)
            hi = bisect.bisect_left(tokens, b, lo, key=self.start)
            if (lo > 0 and self.end(lo - 1) > a) or (hi > lo and self.end(hi - 1) > b):
                return _Words(text)
            stretches.append((len(folded), first, shift))
            folded += self.folded[first:lo]
            if written is not None:
                written += self._written[first:lo]
            first = hi
            shift += b - a
        stretches.append((len(folded), first, shift))
        folded += self.folded[first:]
        if written is not None:
            written += self._written[first:]
        if len(text) != len(old) - shift:
            return _Words(text)
        words = object.__new__(_Words)
        words.text, words.folded, words._written, words._pieces, words._piece_of = text, folded, written, [], None
        words._base, words._stretches, words._stretch_starts = self, stretches, [s[0] for s in stretches]
        return words


_WORD_CHAR = re.compile(r"[\w'’\-]")
_REPEAT_SEP = re.compile(r"[ \t]*(?:,|--|—|–)?\s*")
_MAX_REPEAT_WORDS = 4


def _repetitions(text: str, lex: Lexicons, words: _Words | None = None) -> list[tuple[int, int]]:
    """Spans of the first copy (and its separator) of a word or phrase said twice in a row.

    "the, the resistance" and "the Russian, the Russian media" lose their first
    copy; emphasis ("very, very") and legitimate doubles ("had had") stay.
    """
    if words is None or words.text is not text:
        words = _Words(text)
    folded = words.folded
    n = len(folded)
    # Only where a word comes back within four words can a repetition start.
    following = zip(*(folded[k:] for k in range(1, _MAX_REPEAT_WORDS + 1)), strict=False)  # the next four words
    candidates = list(itertools.compress(itertools.count(), map(operator.contains, following, folded)))
    candidates += [i for i in range(max(0, n - _MAX_REPEAT_WORDS), n) if folded[i] in folded[i + 1:]]

    def word(i: int) -> tuple[str, int, int]:
        start = words.start(i)
        return folded[i], start, start + len((words._written or folded)[i])

    spans = []
    done = -1
    for i in candidates:
        if i <= done:
            continue
        for k in range(min(_MAX_REPEAT_WORDS, (n - i) // 2), 0, -1):
            if folded[i] != folded[i + k] or folded[i:i + k] != folded[i + k:i + 2 * k]:
                continue
            first, second = [word(j) for j in range(i, i + k)], [word(j) for j in range(i + k, i + 2 * k)]
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


_NINE_WORDS = re.compile(r"(?:\S+\s+){8}\S")


def _last_of(text: str, chars: str, end: int) -> int:
    """max(text.rfind(ch, 0, end) for ch in chars), looking back only as far as the nearest one."""
    width = 64
    while True:
        lo = max(0, end - width)
        found = max(text.rfind(ch, lo, end) for ch in chars)
        if found >= 0 or lo == 0:
            return found
        width *= 4


# Where _DASH_CUT can match: the start of a "--" or an em or en dash.
_DASH = re.compile(r"[-—–](?:(?<=-)(?=-)|(?<=[—–]))")


def _dash_cuts(text: str) -> list[re.Match]:
    """_DASH_CUT.finditer(text), tried only before dashes."""
    found = []
    cur = pos = 0
    while (hit := _DASH.search(text, pos)) is not None:
        d = hit.start()
        start = d
        while start > cur and text[start - 1] in " \t":
            start -= 1
        m = _DASH_CUT.match(text, start)
        if m:
            found.append(m)
            cur = m.end()
        pos = max(d + 1, cur)
    return found


# What the words of a sentence-final fragment and the spaces between them are made of.
_FRAGMENT_RUN = re.compile(r"[\w'’ \t,]*")


def _final_word_patterns(lex: Lexicons, languages: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern] | None:
    """A short sentence ending in a word no sentence ends in, and its scanner (see _final_fragments)."""

    def build():
        function_words = lex.words(languages, "final")
        if not function_words:
            return None
        pattern = lex.pattern(
            ("final", languages),
            lambda: re.compile(
                _SENTENCE_START
                + rf"[ \t]*(?P<frag>(?:[\w'’]+[ \t,]+){{0,3}}(?:{_alternation(function_words)})[ \t]*[.?]{_CLOSE})(?=\s|$)",
                re.I | re.M,
            ),
        )
        # A "." or "?" right after a function word (or after a space): one lookbehind per word length.
        by_length: dict[int, list[str]] = {}
        for w in sorted(function_words):
            by_length.setdefault(len(w), []).append(re.sub(r"['’]", "['’]", re.escape(w)))
        behind = "|".join(f"(?<=(?:{'|'.join(words)})[.?])" for _, words in sorted(by_length.items()))
        return pattern, re.compile(rf"[.?](?:(?<=[ \t][.?])|{behind})", re.I)

    return lex.cached(("final-scan", languages), build)


def _final_fragments(pattern: re.Pattern, scanner: re.Pattern, text: str) -> list[re.Match]:
    """pattern.finditer(text) for the final-word pattern, tried only before a "." or "?" that may end one.

    The fragment before the stop is words, spaces and commas, and its sentence
    starts where that run does, or one or two characters (a space, a closing
    quote) later.
    """
    found = []
    cur = pos = 0
    while (hit := scanner.search(text, pos)) is not None:
        stop = hit.start()
        if stop >= cur:
            run = _run_start(text, stop, _FRAGMENT_RUN)
            for q in range(max(run, cur), min(run + 3, stop + 1)):
                m = pattern.match(text, q)
                if m:
                    found.append(m)
                    cur = m.end()
                    break
        pos = stop + 1
    return found


def _restart_patterns(lex: Lexicons, languages: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern | None, int] | None:
    """An abandoned question restarted, its scanner (see _restart_fragments) and its most words."""

    def build():
        aux, pronouns, wh = (lex.words(languages, c) for c in ("aux", "pronoun", "wh"))
        conjunctions = set().union(*(lex.conjunctions.get(lang, frozenset()) for lang in languages))
        if not (aux and pronouns and wh):
            return None
        conj = rf"(?:(?:{_alternation(conjunctions)})[ \t]+)?" if conjunctions else ""
        pattern = lex.pattern(
            ("restart", languages),
            lambda: re.compile(
                rf"(?<![\w'’\-])(?P<frag>{conj}(?:{_alternation(aux)})[ \t]+(?:{_alternation(pronouns)}),[ \t]+)"
                rf"(?=(?:{_alternation(wh)})(?![\w'’\-]))",
                re.I,
            ),
        )
        phrases = [*conjunctions, *aux, *pronouns]
        if not all(_WORD_CHARS.fullmatch(w) for p in phrases for w in p.split()):
            return pattern, None, 0  # words the scanner cannot step over: try everywhere
        # A comma after a pronoun, then a question word: one lookbehind per pronoun length.
        by_length: dict[int, list[str]] = {}
        for p in sorted(pronouns):
            if " " in p:
                by_length = {}
                break
            by_length.setdefault(len(p), []).append(re.sub(r"['’]", "['’]", re.escape(p)))
        behind = "|".join(f"(?<=(?:{'|'.join(words)}),)" for _, words in sorted(by_length.items()))
        scanner = re.compile(rf",{'(?:' + behind + ')' if behind else ''}[ \t]+(?:{_alternation(wh)})", re.I)
        most_words = max(len(p.split()) for p in aux) + max(len(p.split()) for p in pronouns)
        most_words += max((len(p.split()) for p in conjunctions), default=0)
        return pattern, scanner, most_words

    return lex.cached(("restart-scan", languages), build)


_WORD_CHARS = re.compile(r"[\w'’\-]+")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_'’-"


def _restart_fragments(pattern: re.Pattern, scanner: re.Pattern | None, most_words: int, text: str) -> list[re.Match]:
    """pattern.finditer(text) for the restart pattern, tried only at the few words before a comma the scanner finds."""
    if scanner is None:
        return list(pattern.finditer(text))
    found = []
    cur = pos = 0
    while (hit := scanner.search(text, pos)) is not None:
        comma = hit.start()
        if comma >= cur:
            # The fragment is whole words parted by spaces or tabs: step back over them.
            word_starts = []
            end = comma
            for _ in range(most_words):
                start = end
                while start > 0 and _is_word_char(text[start - 1]):
                    start -= 1
                if start == end:
                    break
                word_starts.append(start)
                end = start
                while end > 0 and text[end - 1] in " \t":
                    end -= 1
                if end == start:
                    break
            for q in reversed(word_starts):
                if q >= cur:
                    m = pattern.match(text, q)
                    if m:
                        found.append(m)
                        cur = m.end()
                        break
        pos = comma + 1
    return found


def _mark_disfluencies(marks: _Marks, lex: Lexicons, languages: tuple[str, ...], all_caps: bool, words: _Words | None = None) -> None:
    view = marks.view()
    text = view.text
    for start, end in _repetitions(text, lex, words):
        marks.add_view(view, start, end, "disfluency")
    # False starts cut off by a dash: "And if -- Sorry, go ahead."
    view = marks.view()
    text = view.text
    if not all_caps:
        for m in _dash_cuts(text):
            start = m.start()
            boundary = _last_of(text, ".?!,\n", start)
            frag_start = _next_nonspace(text, boundary + 1)
            # One to eight words: no ninth word starts before the dash.
            if frag_start < start and not _NINE_WORDS.match(text, frag_start, start):
                marks.add_view(view, frag_start, m.end(), "disfluency")
    # A short sentence that ends in a word no sentence ends in: "From their."
    final = _final_word_patterns(lex, languages)
    if final:
        view = marks.view()
        for m in _final_fragments(*final, view.text):
            marks.add_view(view, m.start("frag"), m.end("frag"), "disfluency")
    # An abandoned question restarted as a new one: "or are they, what's the latest?"
    restart = _restart_patterns(lex, languages)
    if restart:
        view = marks.view()
        for m in _restart_fragments(*restart, view.text):
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
_NOT_A_SPACE = re.compile(r"[^\S ]\s*")  # whitespace other than " ", to the end of its run
_NEWLINE_RUN = re.compile(r"\n\s*")
_SPACES = re.compile(r"  +")


def _odd_whitespace(text: str) -> set[tuple[int, int]]:
    """The spans of _ODD_WHITESPACE.finditer(text): whole runs of whitespace, found without stopping at every space."""
    runs = set()
    # Every whitespace character but " " is unprintable: when "\n" is the only one, look for it alone.
    breaks = _NEWLINE_RUN if text.replace("\n", "").isprintable() else _NOT_A_SPACE
    for m in breaks.finditer(text):
        start = m.start()
        while start > 0 and text[start - 1] == " ":
            start -= 1
        runs.add((start, m.end()))
    if "  " in text:  # runs of spaces only
        n = len(text)
        for m in _SPACES.finditer(text):
            start, end = m.span()
            if not (start > 0 and text[start - 1].isspace()) and not (end < n and text[end].isspace()):
                runs.add((start, end))
    if text[:1] == " " and not text[1:2].isspace():
        runs.add((0, 1))
    if text[-1:] == " " and not text[-2:-1].isspace():
        runs.add((len(text) - 1, len(text)))
    return runs


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
    runs = _odd_whitespace(kept)
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
    edits = [_edit(kind, s, e, raw[s:e], "") for s, e, kind in spans]
    view_starts, raw_starts, fragment_ends = view.view_starts, view.raw_starts, [b for _, b in view.fragments]
    pieces = []
    pos = 0
    for s, e, value in ops:
        if s < pos:  # overlapping repair (e.g. an entity inside a whitespace run): first wins
            continue
        pieces.append(kept[pos:s])
        pieces.append(value)
        pos = e
        i = bisect.bisect_right(view_starts, s) - 1
        rs = raw_starts[i] + s - view_starts[i]
        if s < e and e - view_starts[i] <= fragment_ends[i] - raw_starts[i]:  # within one fragment, as most repairs are
            if raw[rs:rs + e - s] != value:
                edits.append(_edit("normalize", rs, rs + e - s, raw[rs:rs + e - s], value))
            continue
        # A kept-text range may cross removed spans: split it per fragment.
        first = True
        for rs, re_ in _raw_pieces(view, s, e):
            piece_value = value if first else ""
            if raw[rs:re_] != piece_value:
                edits.append(_edit("normalize", rs, re_, raw[rs:re_], piece_value))
            first = False
    pieces.append(kept[pos:])
    edits.sort(key=operator.attrgetter("start", "end"))
    return "".join(pieces), edits


# A document makes an Edit per removed span and whitespace repair (thousands for
# a caption file) and a Turn per turn: these build the frozen records straight
# from a dict of their fields, without a setattr call per field. _faithful()
# keeps the plain constructor if a record stops being a dataclass they build exactly.
_new_object = object.__new__
_set_attribute = object.__setattr__


def _build_edit(kind: str, start: int, end: int, text: str, replacement: str) -> Edit:
    edit = _new_object(Edit)
    _set_attribute(edit, "__dict__", {"kind": kind, "start": start, "end": end, "text": text, "replacement": replacement})
    return edit


def _build_turn(start, end, speaker, speaker_role, start_seconds, end_seconds, is_clip) -> Turn:
    turn = _new_object(Turn)
    _set_attribute(turn, "__dict__", {
        "start": start, "end": end, "speaker": speaker, "speaker_role": speaker_role,
        "start_seconds": start_seconds, "end_seconds": end_seconds, "is_clip": is_clip,
    })
    return turn


def _build_timed_span(start, end, start_seconds, end_seconds) -> TimedSpan:
    span = _new_object(TimedSpan)
    _set_attribute(span, "__dict__", {"start": start, "end": end, "start_seconds": start_seconds, "end_seconds": end_seconds})
    return span


def _faithful(build, cls, sample: tuple):
    try:
        made, plain = build(*sample), cls(*sample)
        same = made == plain and list(made.__dict__) == [f.name for f in dataclasses.fields(cls)] and repr(made) == repr(plain)
        same = same and made.__dict__ == plain.__dict__ and hash(made) == hash(plain) and not hasattr(cls, "__post_init__")
    except (AttributeError, TypeError):
        return cls
    return build if same else cls


_edit = _faithful(_build_edit, Edit, ("normalize", 1, 2, "  ", " "))
_turn = _faithful(_build_turn, Turn, (0, 5, "ANNA REYES", "ANCHOR", 1.0, 2.0, False))
_timed_span = _faithful(_build_timed_span, TimedSpan, (0, 5, 1.0, 2.0))


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
    shift = list(itertools.accumulate([len(e.text) - len(e.replacement) for e in edits], initial=0))

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
    cues_around = cue_finder(timeline)
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
        turns.append(_turn(s, e, spk, rl, *media_time(cues_around(s, e), s, e), clip))
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
    sample = "".join([raw[b.start:b.end] for b in blocks[:50]])[:3000]
    # Counted in C: ASCII letters by deleting bytes, the few other characters one by one.
    ascii_part = sample.encode("ascii", "ignore")
    upper = len(ascii_part) - len(ascii_part.translate(None, _ASCII_UPPER))
    lower = len(ascii_part) - len(ascii_part.translate(None, _ASCII_LOWER))
    if len(ascii_part) < len(sample):
        others = _ASCII_RUNS.sub("", sample)
        upper += sum(map(str.isupper, others))
        lower += sum(map(str.islower, others))
    return upper > 0 and upper > 9 * lower


_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))
_ASCII_LOWER = bytes(range(ord("a"), ord("z") + 1))
_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")


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
        words = _mark_fillers(marks, lex, languages)
        _mark_disfluencies(marks, lex, languages, all_caps, words)
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
        _timed_span(start, end, b.start_seconds, b.end_seconds)
        for b in parsed.blocks
        if b.start_seconds is not None and (end := to_clean(b.end)) > (start := to_clean(b.start))
    )
    turns = _build_turns(text, marks.breaks, to_clean, parsed.blocks, timeline)
    return CleanResult(text, tuple(edits), turns, timeline)
