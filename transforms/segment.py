"""Split a cleaned transcript into segments: one speaker, whole sentences, one topic, bounded size.

Boundaries come from speaker turns and clips first; inside a turn, topic shifts are
found by lexical cohesion (TextTiling, Hearst 1997) and size bounds are then enforced.

Inside a turn: sentences -> content words (stopwords dropped, words cut to a prefix)
and character bigrams -> cosine of the windows either side of every sentence gap ->
depth scores -> valleys deeper than a cutoff become boundaries, deepest first, unless
the sentences on either side share their vocabulary after all (absolutely, or compared
with how alike neighbouring stretches of this turn usually are) -> stretches longer than
max_chars are cut at their deepest valley -> fragments under min_chars are merged.
Each segment records why it opens (OPENS_TURN, OPENS_TOPIC, OPENS_SIZE): only the
first two claim a change there.
"""
from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from schemas.records import TimedSpan, Turn, cue_finder, media_time

DATA_DIR = Path(__file__).resolve().parent / "data"
STOPWORD_DIR = DATA_DIR / "segment"
DEFAULT_MIN_CHARS = 200
DEFAULT_MAX_CHARS = 2000


# Why a segment starts where it does. Only TURN and TOPIC claim that something
# changed there; a SIZE cut only keeps a long stretch within max_chars.
OPENS_TURN = "turn"  # the start of a speaker turn or clip (the first segment too)
OPENS_TOPIC = "topic"  # a topic shift found by lexical cohesion inside a turn
OPENS_SIZE = "size"  # a cut at a sentence boundary to stay within max_chars


@dataclass(frozen=True)
class SegmentSpan:
    start: int
    end: int
    speaker: str | None
    speaker_role: str | None
    start_seconds: float | None
    end_seconds: float | None
    opens: str = OPENS_TURN  # OPENS_TURN, OPENS_TOPIC or OPENS_SIZE


@dataclass(frozen=True)
class Cohesion:
    """Parameters of the topic-shift detector (TextTiling on sentence blocks).

    Fit with `tools/eval_segmentation.py --tune` on the tuning split; the
    figures it reports come from the other split.
    """

    # Each side of a sentence gap is compared as a window of whole sentences
    # holding at least this many content words (at most max_window_sentences).
    window_words: int = 50
    max_window_sentences: int = 12
    # Weight, next to the content words, of the windows' character n-grams (all
    # words): steady within one language, they collapse where the language
    # changes, and they match inflected forms that the content words miss.
    profile_weight: float = 0.5
    profile_ngram: int = 2
    # Content words are cut to this many characters, a crude stemmer for any
    # language ("storms", "stormy" -> "storm"); 0 keeps them whole.
    prefix: int = 5
    # Moving-average width over the gap similarities before depth scoring.
    smoothing: int = 1
    # A valley is a candidate boundary when its depth exceeds min_depth. (Hearst's
    # cutoff relative to the turn's valleys, mean - c * std, was tuned down to
    # nothing on real text, and on a turn of evenly spaced topics, where std is
    # near 0, it rejected valleys barely shallower than the rest: those at the
    # turn's edges.) What is relative to the turn is the confirmation below.
    min_depth: float = 0.08
    # Fewest sentences on each side of a topic boundary.
    min_sentences: int = 3
    # A proposed boundary stays only if the content words of the sentences on
    # either side (up to confirm_sentences each) have a cosine of at most merge_above.
    confirm_sentences: int = 16
    merge_above: float = 0.1
    # ... and of at most merge_relative times the turn's own reference: the
    # reference_quantile of the cosines between the confirm_sentences before and
    # after every sentence gap. Texts differ in how many words any two stretches
    # share (languages without a stopword list, little repetition), and an
    # absolute bar alone keeps cuts between stretches as alike as any in the turn.
    merge_relative: float = 0.6
    reference_quantile: float = 0.9


DEFAULT_COHESION = Cohesion()


_ABBREVIATIONS = str(DATA_DIR / "abbreviations.txt")
_AMBIGUOUS_ABBREVIATIONS = str(STOPWORD_DIR / "abbreviations-ambiguous.txt")


@functools.lru_cache(maxsize=4)
def _abbreviations(path: str) -> frozenset[str]:
    return frozenset(_word_list(Path(path)))


def _word_list(path: Path) -> list[str]:
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.extend(w.casefold() for w in line.split())
    return words


@functools.lru_cache(maxsize=4)
def stopword_lists(directory: str = str(STOPWORD_DIR)) -> dict[str, frozenset[str]]:
    """Language code -> stopwords, from stopwords-<code>.txt files (loaded once)."""
    return {
        p.name[len("stopwords-"):-len(".txt")]: frozenset(_word_list(p))
        for p in sorted(Path(directory).glob("stopwords-*.txt"))
    }


# A sentence may end after a stop (and closing quotes or brackets) followed by
# space: . ! ? … and the stops of other scripts (Devanagari and Bengali danda,
# Arabic question mark, Urdu full stop, Armenian, Ethiopic, Myanmar). The
# ideographic stops of Chinese and Japanese end a sentence with no space after.
_SPACED_STOPS = ".!?…‼⁇⁈⁉।॥؟۔։።፧။"
_IDEOGRAPHIC_STOPS = "。！？｡"
_CLOSERS = "\"'”’)»」』）】〕〉》"
_CANDIDATE = re.compile(rf"[{_SPACED_STOPS}{_IDEOGRAPHIC_STOPS}]*[{_IDEOGRAPHIC_STOPS}][{_CLOSERS}]*|[{_SPACED_STOPS}]+[{_CLOSERS}]*(?=\s|$)")
_WORD_BEFORE = re.compile(r"(\S+)$")
# Georgian Mkhedruli letters count as lower-case in Unicode but start sentences too.
_CASELESS_LOWER = re.compile(r"[\u10d0-\u10ff]")


def split_sentences(text: str, start: int = 0, end: int | None = None, abbreviations: frozenset[str] | None = None) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of text[start:end], trimmed of whitespace.

    Knows abbreviations ("Dr.", "U.S.", "z. B.") and initials, and never cuts a
    decimal ("3.5", "2,1"), since a boundary needs whitespace after the stop
    (except after the ideographic 。！？, which are never decimal points).
    """
    end = len(text) if end is None else end
    abbrevs = abbreviations if abbreviations is not None else _abbreviations(_ABBREVIATIONS)
    ambiguous = _abbreviations(_AMBIGUOUS_ABBREVIATIONS)
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _CANDIDATE.finditer(text, start, end):
        stop = m.end()
        if m.group(0)[-1] in _CLOSERS and stop < end and text[stop].isalnum():
            continue  # 「はい。」と言った, “好。”他说: the quote ends, the sentence goes on
        if m.group(0)[0] == ".":
            before = _WORD_BEFORE.search(text, max(start, m.start() - 40), m.start() + 1)
            token = before.group(1).casefold() if before else ""
            nxt = re.match(r"\s*(\S)", text[stop:stop + 20])
            if token in abbrevs and (token[:-1] not in ambiguous or (nxt and nxt.group(1).isdigit())):
                continue
            if re.fullmatch(r"[^\W\d_]\.", token) or re.fullmatch(r"(?:[^\W\d_]\.){2,}", token):
                continue
            if nxt and nxt.group(1).islower() and not _CASELESS_LOWER.match(nxt.group(1)):
                continue  # "etc. and", "z. b. die": the sentence goes on
        _append(text, spans, pos, stop)
        pos = stop
    _append(text, spans, pos, end)
    return spans


def _append(text: str, spans: list[tuple[int, int]], start: int, end: int) -> None:
    chunk = text[start:end]
    if chunk.strip():
        s = start + len(chunk) - len(chunk.lstrip())
        spans.append((s, s + len(chunk.strip())))


# ---------------------------------------------------------------------------
# Words: content words (the topic) and character n-grams (the language).

_WORD = re.compile(r"[^\W\d_]+")
# Scripts written without spaces: a "word" is a whole clause, so they are read
# as character bigrams instead.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Without a stopword list, a short word (up to this many characters) that
# occurs in at least this share of a turn's sentences is taken for a function word.
_SHORT_WORD = 4
_FREQUENT_SHARE = 0.1
# A text is taken to be in a listed language when that list covers this share of its words.
_MIN_STOPWORD_SHARE = 0.2


def _words(text: str) -> list[str]:
    out: list[str] = []
    for w in _WORD.findall(text.casefold()):
        if _UNSPACED.search(w):
            out.extend(w[i:i + 2] for i in range(max(1, len(w) - 1)))
        elif len(w) > 1:
            out.append(w)
    return out


def _guess_stopwords(words: list[str], language: str | None) -> frozenset[str] | None:
    """The stopword list of `language`, or of the listed language the words fit best.

    None when the language has no list or no list fits: the caller then falls
    back to language-independent heuristics.
    """
    lists = stopword_lists()
    if language:
        return lists.get(language.split("-")[0].split("_")[0].casefold())
    if not words:
        return None
    share, code = max((sum(w in sw for w in words) / len(words), code) for code, sw in lists.items())
    return lists[code] if share >= _MIN_STOPWORD_SHARE else None


def _content_terms(sentence_words: list[list[str]], stopwords: frozenset[str] | None, prefix: int) -> list[list[str]]:
    """Per sentence, its words without stopwords, cut to `prefix` characters.

    Without a stopword list, short words frequent in the turn are dropped instead.
    """
    if stopwords is None:
        df: dict[str, int] = {}
        for ws in sentence_words:
            for w in set(ws):
                if len(w) <= _SHORT_WORD:
                    df[w] = df.get(w, 0) + 1
        least = max(2.0, _FREQUENT_SHARE * len(sentence_words))
        stopwords = frozenset(w for w, c in df.items() if c >= least)
    return [[w[:prefix] if prefix else w for w in ws if w not in stopwords] for ws in sentence_words]


def _char_ngrams(words: list[str], n: int) -> list[str]:
    padded = [f" {w} " for w in words]
    return [w[i:i + n] for w in padded for i in range(len(w) - n + 1)]


# ---------------------------------------------------------------------------
# Lexical cohesion between neighbouring windows of sentences.


def _window_bounds(sizes: np.ndarray, window_words: int, max_sentences: int) -> tuple[np.ndarray, np.ndarray]:
    """For each gap g (between sentence g-1 and g, 1 <= g < n): window starts left, ends right."""
    n = len(sizes)
    prefix = np.concatenate(([0], np.cumsum(sizes)))
    gaps = np.arange(1, n)
    left = np.searchsorted(prefix, prefix[gaps] - window_words, side="right") - 1
    left = np.clip(left, np.maximum(0, gaps - max_sentences), gaps - 1)
    right = np.searchsorted(prefix, prefix[gaps] + window_words, side="left")
    right = np.clip(right, gaps + 1, np.minimum(n, gaps + max_sentences))
    return left, right


_CHUNK_CELLS = 2_000_000  # dense sentence x vocabulary cells per block of gaps


def _window_cosines(terms: list[list[str]], left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """For the gap before each sentence g = 1..n-1: cosine of the term counts of
    sentences [left, g) and [g, right) (left and right at index g - 1)."""
    n = len(terms)
    flat = list(itertools.chain.from_iterable(terms))
    vocab = {w: i for i, w in enumerate(dict.fromkeys(flat))}
    rows = np.repeat(np.arange(n), [len(t) for t in terms])
    cols = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
    out = np.zeros(n - 1)
    if not len(cols):
        return out
    gaps = np.arange(1, n)
    # Blocks of gaps keep the dense count matrix small on very long turns.
    per_block = max(1, _CHUNK_CELLS // max(1, len(vocab)) // 2)
    for b0 in range(0, n - 1, per_block):
        b1 = min(n - 1, b0 + per_block)
        lo, hi = int(left[b0:b1].min()), int(right[b0:b1].max())
        sel = (rows >= lo) & (rows < hi)
        local, inverse = np.unique(cols[sel], return_inverse=True)
        counts = np.zeros((hi - lo + 1, max(1, len(local))))
        np.add.at(counts, (rows[sel] - lo + 1, inverse), 1.0)
        cum = np.cumsum(counts, axis=0)
        g = gaps[b0:b1] - lo
        a = cum[g] - cum[left[b0:b1] - lo]
        c = cum[right[b0:b1] - lo] - cum[g]
        norm = np.sqrt((a * a).sum(axis=1) * (c * c).sum(axis=1))
        dot = (a * c).sum(axis=1)
        out[b0:b1] = np.divide(dot, norm, out=np.zeros_like(dot), where=norm > 0)
    return out


def _depths(scores: np.ndarray) -> np.ndarray:
    """Hearst's depth score of each gap: how far it lies below the peaks climbed on either side."""
    n = len(scores)
    depth = np.zeros(n)
    for g in range(n):
        lpeak = scores[g]
        i = g
        while i > 0 and scores[i - 1] >= lpeak:
            i -= 1
            lpeak = scores[i]
        rpeak = scores[g]
        i = g
        while i < n - 1 and scores[i + 1] >= rpeak:
            i += 1
            rpeak = scores[i]
        depth[g] = (lpeak - scores[g]) + (rpeak - scores[g])
    return depth


def _turn_terms(sentence_texts: list[str], stopwords: frozenset[str] | None, cohesion: Cohesion, profiles: bool = True) -> tuple[list[list[str]], list[list[str]]]:
    """Per sentence: content terms (the topic) and character n-grams (the language;
    empty lists when not wanted)."""
    words = [_words(t) for t in sentence_texts]
    profile = [_char_ngrams(ws, cohesion.profile_ngram) for ws in words] if profiles and cohesion.profile_weight else [[] for _ in words]
    return _content_terms(words, stopwords, cohesion.prefix), profile


def _gap_depths(content: list[list[str]], profile: list[list[str]], cohesion: Cohesion) -> np.ndarray:
    n = len(content)
    if n < 2:
        return np.zeros(0)
    sizes = np.array([len(t) for t in content])
    left, right = _window_bounds(sizes, cohesion.window_words, cohesion.max_window_sentences)
    scores = _window_cosines(content, left, right)
    if cohesion.profile_weight:
        scores = (scores + cohesion.profile_weight * _window_cosines(profile, left, right)) / (1 + cohesion.profile_weight)
    if cohesion.smoothing > 1 and n > 2:
        k = cohesion.smoothing
        padded = np.pad(scores, (k // 2, k - 1 - k // 2), mode="edge")
        scores = np.convolve(padded, np.ones(k) / k, mode="valid")
    return _depths(scores)


def gap_depths(sentence_texts: list[str], stopwords: frozenset[str] | None, cohesion: Cohesion = DEFAULT_COHESION) -> np.ndarray:
    """Depth score of each gap between consecutive sentences (len(sentence_texts) - 1 values).

    High where the words before a gap and after it have little in common while
    each side agrees with itself: a likely topic shift.
    """
    return _gap_depths(*_turn_terms(sentence_texts, stopwords, cohesion), cohesion)


# ---------------------------------------------------------------------------
# From depth scores to segments.


def _topic_boundaries(sentences: list[tuple[int, int]], depth: np.ndarray, min_chars: int, cohesion: Cohesion) -> list[int]:
    """Indices i of sentences that open a new topic (a boundary at gap i-1/i)."""
    n = len(sentences)
    if n < 2 * max(1, cohesion.min_sentences):
        return []
    # A valley is a local maximum of depth.
    valleys = [g for g in range(len(depth)) if depth[g] > 0 and (g == 0 or depth[g] >= depth[g - 1]) and (g == len(depth) - 1 or depth[g] >= depth[g + 1])]
    if not valleys:
        return []
    cutoff = cohesion.min_depth
    chosen: list[int] = []

    def fits(i: int) -> tuple[bool, bool]:
        """Whether a boundary before sentence i leaves enough sentences and characters
        on both sides, and if not, whether only the turn's own edges are in the way."""
        cuts = sorted([0, *chosen, n])
        k = next(j for j, c in enumerate(cuts) if c >= i)
        lo, hi = cuts[k - 1], cuts[k]
        left_ok = i - lo >= cohesion.min_sentences and sentences[i - 1][1] - sentences[lo][0] >= min_chars
        right_ok = i < hi and hi - i >= cohesion.min_sentences and sentences[hi - 1][1] - sentences[i][0] >= min_chars
        return left_ok and right_ok, (left_ok or lo == 0) and (right_ok or hi == n)

    # Deepest valley first. When its lowest point is too close to a neighbour,
    # the boundary may move down either slope of the same valley while the depth stays above the cutoff.
    for v in sorted((g for g in valleys if depth[g] > cutoff), key=lambda g: (-depth[g], g)):
        lo = v
        while lo > 0 and cutoff < depth[lo - 1] <= depth[lo]:
            lo -= 1
        hi = v
        while hi < len(depth) - 1 and cutoff < depth[hi + 1] <= depth[hi]:
            hi += 1
        for g in sorted(range(lo, hi + 1), key=lambda g: (-depth[g], abs(g - v), g)):
            ok, edge_only = fits(g + 1)
            if ok:
                chosen.append(g + 1)
            if ok or not edge_only:
                break  # a valley next to a chosen boundary is that boundary
    return sorted(chosen)


def _split_long(sentences: list[tuple[int, int]], lo: int, hi: int, depth: np.ndarray, min_chars: int, max_chars: int) -> list[tuple[int, int]]:
    """Sentence ranges covering [lo, hi), each within max_chars where sentences allow.

    A stretch too long is cut at its deepest cohesion valley among the cuts that
    keep the number of pieces at its least and leave min_chars on both sides
    (this last relaxed when impossible), nearest the middle on ties; then again.
    """
    start, end = sentences[lo][0], sentences[hi - 1][1]
    if hi - lo < 2 or end - start <= max_chars:
        return [(lo, hi)]
    # fewest[i]: fewest pieces within max_chars for sentences [lo, i); after[i] for [i, hi).
    fewest = {lo: 0}
    j = lo
    for i in range(lo + 1, hi + 1):
        while j < i - 1 and sentences[i - 1][1] - sentences[j][0] > max_chars:
            j += 1
        fewest[i] = fewest[j] + 1
    after = {hi: 0}
    k = hi
    for i in range(hi - 1, lo - 1, -1):
        while k > i + 1 and sentences[k - 1][1] - sentences[i][0] > max_chars:
            k -= 1
        after[i] = after[k] + 1
    best = None
    for need_chars in (min_chars, 0):
        for i in range(lo + 1, hi):
            left, right = sentences[i - 1][1] - start, end - sentences[i][0]
            if left < need_chars or right < need_chars or fewest[i] + after[i] > fewest[hi]:
                continue
            key = (-round(float(depth[i - 1]), 6), abs(left - right), i)
            if best is None or key < best[0]:
                best = (key, i)
        if best:
            break
    i = best[1] if best else (lo + hi) // 2
    return _split_long(sentences, lo, i, depth, min_chars, max_chars) + _split_long(sentences, i, hi, depth, min_chars, max_chars)


def _merge_short(groups: list[tuple[int, int, str]], min_chars: int, max_chars: int) -> list[tuple[int, int, str]]:
    """Join fragments under min_chars to their predecessor; a merged segment keeps why its first part opened."""
    merged: list[list] = []
    for s, e, opens in groups:
        if merged and (e - s < min_chars or merged[-1][1] - merged[-1][0] < min_chars) and e - merged[-1][0] <= max_chars:
            merged[-1][1] = e
        else:
            merged.append([s, e, opens])
    return [(s, e, opens) for s, e, opens in merged]


def _cosine(a: dict[str, int], b: dict[str, int]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    norm = (sum(v * v for v in a.values()) * sum(v * v for v in b.values())) ** 0.5
    return dot / norm if norm else 0.0


def _reference_similarity(content: list[list[str]], cohesion: Cohesion) -> float:
    """How alike two neighbouring stretches of this turn are at a typical gap:
    the reference_quantile of the cosines of confirm_sentences either side of every gap."""
    n = len(content)
    if n < 2:
        return 0.0
    gaps = np.arange(1, n)
    k = cohesion.confirm_sentences
    sims = _window_cosines(content, np.maximum(0, gaps - k), np.minimum(n, gaps + k))
    return float(np.quantile(sims, cohesion.reference_quantile))


def _confirm_boundaries(content: list[list[str]], cuts: list[int], cohesion: Cohesion) -> list[int]:
    """Drop topic boundaries between segments that share their vocabulary after all.

    Each side is taken whole, up to confirm_sentences next to the boundary: a far
    stronger test than the windows that proposed it. The most similar pair is
    merged first, then its neighbours are compared again.
    """
    cuts = list(cuts)
    if len(cuts) <= 2:
        return cuts
    limit = cohesion.confirm_sentences
    limit_sim = min(cohesion.merge_above, cohesion.merge_relative * _reference_similarity(content, cohesion))

    def similarity(k: int) -> float:
        left: dict[str, int] = {}
        right: dict[str, int] = {}
        for t in content[max(cuts[k - 1], cuts[k] - limit):cuts[k]]:
            for w in t:
                left[w] = left.get(w, 0) + 1
        for t in content[cuts[k]:min(cuts[k + 1], cuts[k] + limit)]:
            for w in t:
                right[w] = right.get(w, 0) + 1
        return _cosine(left, right)

    sims = [similarity(k) for k in range(1, len(cuts) - 1)]
    while sims:
        k = max(range(len(sims)), key=lambda j: (sims[j], -j))
        if sims[k] <= limit_sim:
            break
        del cuts[k + 1], sims[k]
        for j in (k - 1, k):
            if 0 <= j < len(sims):
                sims[j] = similarity(j + 1)
    return cuts


def segment_sentences(
    text: str,
    sentences: list[tuple[int, int]],
    min_chars: int = DEFAULT_MIN_CHARS,
    max_chars: int = DEFAULT_MAX_CHARS,
    stopwords: frozenset[str] | None = None,
    cohesion: Cohesion | None = DEFAULT_COHESION,
    depth: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Character spans grouping consecutive sentences of one turn into segments.

    depth: the gap depths if already computed (gap_depths), as when tuning.
    """
    return [(s, e) for s, e, _ in segment_turn(text, sentences, min_chars, max_chars, stopwords, cohesion, depth)]


def segment_turn(
    text: str,
    sentences: list[tuple[int, int]],
    min_chars: int = DEFAULT_MIN_CHARS,
    max_chars: int = DEFAULT_MAX_CHARS,
    stopwords: frozenset[str] | None = None,
    cohesion: Cohesion | None = DEFAULT_COHESION,
    depth: np.ndarray | None = None,
) -> list[tuple[int, int, str]]:
    """segment_sentences with, for each segment, why it opens: OPENS_TURN (the first),
    OPENS_TOPIC (a cohesion boundary) or OPENS_SIZE (a cut for max_chars)."""
    if not sentences:
        return []
    n = len(sentences)
    cuts = [0, n]
    total = sentences[-1][1] - sentences[0][0]
    if cohesion is not None and n >= 2 * max(1, cohesion.min_sentences) and total >= 2 * min_chars:
        content, profile = _turn_terms([text[s:e] for s, e in sentences], stopwords, cohesion, profiles=depth is None)
        if depth is None:
            depth = _gap_depths(content, profile, cohesion)
        cuts = [0, *_topic_boundaries(sentences, depth, min_chars, cohesion), n]
        if cohesion.merge_above < 1:
            cuts = _confirm_boundaries(content, cuts, cohesion)
    if depth is None or cohesion is None:
        depth = np.zeros(max(0, n - 1))  # no cohesion: long stretches are cut nearest their middle
    groups: list[tuple[int, int, str]] = []
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        for j, (a, b) in enumerate(_split_long(sentences, lo, hi, depth, min_chars, max_chars)):
            opens = OPENS_SIZE if j else OPENS_TOPIC if lo else OPENS_TURN
            groups.append((sentences[a][0], sentences[b - 1][1], opens))
    return _merge_short(groups, min_chars, max_chars)


def segment_transcript(
    text: str,
    turns: tuple[Turn, ...],
    timeline: tuple[TimedSpan, ...] = (),
    min_chars: int = DEFAULT_MIN_CHARS,
    max_chars: int = DEFAULT_MAX_CHARS,
    *,
    language: str | None = None,
    cohesion: Cohesion | None = DEFAULT_COHESION,
) -> list[SegmentSpan]:
    """Segments of a cleaned text; text[s.start:s.end] is each segment's text.

    language (ISO 639-1) picks the stopword list; None guesses it from the
    lists, and a language without a list uses language-independent heuristics.
    cohesion=None turns topic boundaries off (speaker turns and size only).
    """
    if min_chars < 0 or max_chars <= 0 or min_chars > max_chars:
        raise ValueError(f"need 0 <= min_chars <= max_chars, got {min_chars} and {max_chars}")
    if not turns and text.strip():
        turns = (Turn(0, len(text)),)
    stopwords = None
    if cohesion is not None and any(t.end - t.start >= 2 * max(1, min_chars) for t in turns):
        stopwords = _guess_stopwords(_words(text[:20_000]), language)
    segments: list[SegmentSpan] = []
    cues_around = cue_finder(timeline)
    for turn in turns:
        sentences = split_sentences(text, turn.start, turn.end)
        for s, e, opens in segment_turn(text, sentences, min_chars, max_chars, stopwords, cohesion):
            t0, t1 = media_time(cues_around(s, e), s, e)
            segments.append(SegmentSpan(s, e, turn.speaker, turn.speaker_role, t0, t1, opens))
    return segments
