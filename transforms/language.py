"""Language of documents and segments from langdetect's profiles, deterministic and fast.
An exact, vectorised naive-Bayes scorer (numpy) replaces langdetect's random sampling; no Beam here."""
from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from langdetect import PROFILES_DIRECTORY
from langdetect.detector import Detector
from langdetect.utils.ngram import NGram

UND = "und"

# langdetect's smoothing: every n-gram multiplies a language's probability by
# p(n-gram | language) + ALPHA / BASE_FREQ, so an n-gram a language never saw
# costs it a constant factor instead of ruling it out. langdetect uses
# ALPHA = 0.5 (jittered per trial). Trigrams are the most specific evidence,
# while every character of one is counted again in its bigrams and unigram,
# so their log-probabilities weigh TRIGRAM_WEIGHT times as much. Both fit by
# `tools/eval_language.py --tune` (best mean accuracy over length buckets on
# held-out lines 200-799 of the lingua data; ALPHA 0.2 and weight 1.5 make
# 3-6% fewer errors on texts up to 50 characters than langdetect's 0.5 and 1,
# and about as many on longer ones).
ALPHA = 0.2
TRIGRAM_WEIGHT = 1.5
BASE_FREQ = Detector.BASE_FREQ

# langdetect reads at most this many characters of a text; beyond that a
# document's language is settled and only the cost would grow.
MAX_TEXT_LENGTH = 10_000

# Below this letter weight a text says nothing reliable ("OK", "12:30", "!!").
# Letters include combining marks (Indic vowel signs). A character of a
# syllabic or logographic script (Han, kana, Hangul) carries a short word's
# worth and names its script's few languages on its own, so it counts 3.
MIN_LETTER_WEIGHT = 3
_SYLLABLE_WEIGHT = 3

# Summed n-gram log-likelihoods are far too confident: each character sits in
# up to three overlapping n-grams and the n-grams of a word are anything but
# independent. Dividing the log-likelihood ratios by this temperature before
# the softmax makes the score roughly calibrated (mean confidence 0.82 for an
# accuracy of 0.83 over single words, word pairs and sentences; 0.986 for
# 0.983 over sentences alone). Fit for the least log-loss by
# `tools/eval_language.py --tune` on held-out lines 200-799 of the lingua
# test data (the evaluation reads lines 0-199).
TEMPERATURE = 5.5

# Log prior odds, after tempering, that a segment is in its document's
# language. A fixed bonus, so it counts for less as a text grows: it is worth
# 5.5 * 5.5 = 30 nats of log-likelihood, what about 16 characters of a
# sentence give its language over the runner-up (1.8 nats a character,
# median on held-out sentences), or 6 characters over a typical other one.
# So "Yes." and "OK, thanks" keep the document's language, a quoted sentence
# in another one does not. Tuned by the same `--tune` run: best mean accuracy
# over length buckets if 10% of segments are not in their document's language.
PRIOR_LOG_ODDS = 5.5

# langdetect drops the Latin letters of a text with over twice as many
# non-Latin characters: there they are names, acronyms and URLs. We drop them
# already when they are fewer than 1.5 times the non-Latin ones (the text is
# at least 40% another script): scraped news pages, such as many Urdu lines
# of the lingua data, open with an English site header that otherwise
# outvotes the content. No change on held-out lines without such headers.
_LATIN_STRIP_RATIO = 1.5

# Texts are processed in chunks of about this many characters: the working
# arrays of a chunk stay in cache, and one call's memory stays bounded.
_CHUNK_CHARS = 1 << 16
# Rows gathered per summation block: a block (rows x languages x 4 bytes)
# should stay in L2 cache while it is added up.
_BLOCK_ROWS = 4096

# Layout of the per-code-point info word (uint32) the featuriser reads.
_ID_MASK = 0xFFF  # compact id of the normalised character, 0 = in no n-gram
_ID_BITS = 12
_SPACE = 1 << 12  # normalises to ' ': a word boundary
_UPPER = 1 << 13  # normalised character is upper case (NGram.capitalword)
_LATIN = 1 << 14  # 'A' <= ch <= 'z', counted by Detector.cleaning_text
_NONLATIN = 1 << 15  # >= U+0300 outside Latin Extended Additional, ditto
_BIGRAM_MASK = (1 << (2 * _ID_BITS)) - 1  # the last two characters of a key
# A character's tally is latin + nonlatin << 20 + letter weight << 40, so one
# sum over a text counts all three.
_FIELD = (1 << 20) - 1

_VI_MARKS = frozenset(ord(ch) for ch in NGram.DMARK_CLASS)  # all in U+0300-U+0323
_EMPTY = -1
_ROW_BITS = 20  # a hash-table entry is key << _ROW_BITS | row
_ROW_MASK = (1 << _ROW_BITS) - 1
_HASH_MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing


@dataclass(frozen=True)
class LanguageGuess:
    language: str  # ISO 639-1 as langdetect names them ('en', 'de', 'zh-cn'), or 'und'
    score: float  # posterior probability of `language`, in [0, 1]; 0.0 for 'und'


def available_languages() -> tuple[str, ...]:
    """Codes of the language profiles langdetect ships, sorted."""
    return tuple(sorted(p.name for p in Path(PROFILES_DIRECTORY).iterdir() if not p.name.startswith(".")))


def _is_letter(ch: str) -> bool:
    # Combining marks count: Indic vowel signs are half of what is written.
    return ch.isalpha() or unicodedata.category(ch).startswith("M")


@functools.lru_cache(maxsize=1)
def _char_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per BMP code point: its normalised code point, its info bits minus the id, and its tally.

    Built by calling langdetect's own NGram.normalize on every character, so
    the two cannot drift apart; every profile n-gram is made of BMP
    characters. Cached per process (about 0.1 s).
    """
    chars = [chr(c) for c in range(0x10000)]
    normalised = [NGram.normalize(ch) for ch in chars]
    norm = np.fromiter((ord(n) for n in normalised), dtype=np.int64, count=0x10000)
    space = np.fromiter((n == " " for n in normalised), dtype=bool, count=0x10000)
    upper = np.fromiter((n.isupper() for n in normalised), dtype=bool, count=0x10000)
    alpha = np.fromiter(map(_is_letter, chars), dtype=bool, count=0x10000)
    cps = np.arange(0x10000)
    weight = alpha.astype(np.uint32)
    for lo, hi in ((0x3040, 0x3100), (0x4E00, 0xA000), (0xAC00, 0xD7B0)):  # kana, Han, Hangul
        weight[lo:hi][alpha[lo:hi]] = _SYLLABLE_WEIGHT
    latin = (cps >= 0x41) & (cps <= 0x7A)
    # langdetect compares the block *number* with the block *name* here and so
    # never exempts Latin Extended Additional; we follow its intent, which only
    # matters for Vietnamese written mostly in precomposed letters.
    nonlatin = (cps >= 0x300) & ~((cps >= 0x1E00) & (cps <= 0x1EFF))
    info = (np.where(space, _SPACE, 0) | np.where(upper, _UPPER, 0) | np.where(latin, _LATIN, 0) | np.where(nonlatin, _NONLATIN, 0)).astype(
        np.uint32
    )
    tally = latin.astype(np.uint64) | (nonlatin.astype(np.uint64) << np.uint64(20)) | (weight.astype(np.uint64) << np.uint64(40))
    return norm, info, tally


def _padded_size(count: int) -> int:
    """Smallest m * 2^k >= count with m in 1, 3, 5, 7: sizes _halving_sum adds up (<= 14% padding)."""
    return min(m << max(0, (count - 1) // m).bit_length() for m in (1, 3, 5, 7))


# Padded size per row count; a text has at most one row per character.
_PADDED_SIZE = np.array([0, *(_padded_size(c) for c in range(1, MAX_TEXT_LENGTH + 3))], dtype=np.int64)


def _halving_sum(block: np.ndarray) -> np.ndarray:
    """Sum over axis 1 of (texts, m * 2^k, languages), m odd, in a fixed order, in place."""
    width = block.shape[1]
    while width % 2 == 0:
        width //= 2
        np.add(block[:, :width], block[:, width : 2 * width], out=block[:, :width])
    for i in range(1, width):
        block[:, 0] += block[:, i]
    return block[:, 0]


def _hash_slots(keys: np.ndarray, bits: int) -> np.ndarray:
    return (keys.view(np.uint64) * _HASH_MULT >> np.uint64(64 - bits)).view(np.int64)


class LanguageTagger:
    """Scores texts against langdetect's language profiles, exactly and without randomness.

    langdetect turns a text into a bag of 1-3 character n-grams and estimates,
    by random sampling, the product over them of p(n-gram | language) +
    ALPHA / BASE_FREQ. Here the logarithm of that product (trigrams weighted
    by TRIGRAM_WEIGHT) is summed over every n-gram, so a text gets the same
    answer on every call, in any batch; a tempered softmax with an optional
    prior on the document's language turns it into a posterior.

    detect_many() is the fast path: one call for many texts costs a few numpy
    passes over their characters. detect() is detect_many() for one text.
    """

    def __init__(self, languages: Sequence[str] | None = None) -> None:
        known = available_languages()
        if languages is None:
            chosen = known
        else:
            if isinstance(languages, str):  # "en,de" from a command line
                languages = languages.split(",")
            requested = [str(code).strip().lower() for code in languages]
            unknown = sorted({code for code in requested if code not in known})
            if unknown:
                raise ValueError(
                    f"unknown language code(s) {', '.join(map(repr, unknown))}; "
                    f"langdetect has profiles for: {', '.join(known)}"
                )
            chosen = tuple(sorted(set(requested)))
            if not chosen:
                raise ValueError("languages must name at least one language")
        self._languages: tuple[str, ...] = chosen
        self._build()

    @property
    def languages(self) -> tuple[str, ...]:
        return self._languages

    # The tables take about 25 MB but rebuild in under a second from the
    # shipped profiles, so a pickled tagger (say, a DoFn attribute) is just
    # its language list.
    def __getstate__(self) -> dict[str, object]:
        return {"languages": self._languages}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._languages = tuple(state["languages"])  # type: ignore[arg-type]
        self._build()

    def __repr__(self) -> str:
        return f"LanguageTagger(languages={list(self._languages)!r})"

    # ------------------------------------------------------------------ model

    def _build(self) -> None:
        self._column = {code: i for i, code in enumerate(self._languages)}
        profiles = []
        for code in self._languages:
            with open(Path(PROFILES_DIRECTORY) / code, encoding="utf-8") as f:
                profiles.append(json.load(f))

        # Only n-grams some candidate has seen can separate the candidates:
        # any other n-gram costs every one of them the same log(epsilon).
        vocabulary = sorted({g for p in profiles for g in p["freq"] if 1 <= len(g) <= 3})
        row_of = {g: i for i, g in enumerate(vocabulary)}
        # log(p + eps) - log(eps) = log1p(p / eps): the shift cancels in the
        # posterior and makes a language's unseen n-grams exactly 0.
        loglik = np.zeros((len(vocabulary), len(profiles)), dtype=np.float64)
        for col, profile in enumerate(profiles):
            grams = [g for g in profile["freq"] if 1 <= len(g) <= 3]
            rows = np.fromiter((row_of[g] for g in grams), dtype=np.int64, count=len(grams))
            freq = np.fromiter((profile["freq"][g] for g in grams), dtype=np.float64, count=len(grams))
            total = np.array(profile["n_words"], dtype=np.float64)[[len(g) - 1 for g in grams]]
            weight = np.where([len(g) == 3 for g in grams], TRIGRAM_WEIGHT, 1.0)
            loglik[rows, col] = weight * np.log1p(freq / total / (ALPHA / BASE_FREQ))

        # Every n-gram ending at a character is a suffix of the longest one
        # ending there (" ab" -> "ab" -> "b"), so a row holds the n-gram's own
        # score plus those of its suffixes: one lookup and one row per
        # character instead of three. The last row is all zeros (padding).
        context = loglik.copy()
        for cut in (1, 2):
            suffix_rows = np.array([row_of.get(g[cut:], -1) if len(g) > cut else -1 for g in vocabulary])
            has = suffix_rows >= 0
            context[has] += loglik[suffix_rows[has]]
        self._context = np.vstack([context, np.zeros((1, len(profiles)))]).astype(np.float32)
        self._zero_row = len(vocabulary)

        # Characters get compact ids so an n-gram packs into one integer.
        alphabet = sorted({ch for g in vocabulary for ch in g} | {" "})
        if len(alphabet) > _ID_MASK:
            raise ValueError(f"{len(alphabet)} distinct characters in the profiles; ids have {_ID_BITS} bits")
        char_id = np.zeros(0x10000, dtype=np.uint32)
        char_id[[ord(ch) for ch in alphabet]] = np.arange(1, len(alphabet) + 1, dtype=np.uint32)
        norm, info, _ = _char_tables()
        self._info = info | char_id[norm]  # raw code point -> info of its normalised form

        keys = np.array([self._key(g, char_id) for g in vocabulary], dtype=np.int64)
        self._build_hash(keys)

    @staticmethod
    def _key(gram: str, char_id: np.ndarray) -> int:
        key = 0
        for ch in gram:
            key = (key << _ID_BITS) | int(char_id[ord(ch)])
        return key

    def _build_hash(self, keys: np.ndarray) -> None:
        """Linear-probing table key -> row, so a lookup is a few numpy gathers."""
        bits = max(int(len(keys) * 4 - 1).bit_length(), 4)  # load factor <= 1/4: short probes
        mask = (1 << bits) - 1
        table = np.full(1 << bits, _EMPTY, dtype=np.int64)
        entries = (keys << _ROW_BITS) | np.arange(len(keys), dtype=np.int64)
        pending = np.arange(len(keys))
        slots = _hash_slots(keys, bits)
        while pending.size:
            free = table[slots] == _EMPTY
            # Several keys may want one free slot: the first takes it, the rest probe on.
            taken, first = np.unique(slots[free], return_index=True)
            winners = pending[free][first]
            table[taken] = entries[winners]
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            still = ~placed[pending]
            pending, slots = pending[still], (slots[still] + 1) & mask
        self._hash_bits = bits
        self._table = table

    def _lookup(self, keys: np.ndarray) -> np.ndarray:
        """Row of each key, -1 where no candidate language has the n-gram."""
        mask = len(self._table) - 1
        slots = _hash_slots(keys, self._hash_bits)
        entry = self._table[slots]
        rows = np.where((entry >> _ROW_BITS) == keys, entry & _ROW_MASK, -1)
        # Keys whose slot holds another key probe on; an empty slot ends the search.
        pending = np.flatnonzero((rows < 0) & (entry != _EMPTY))
        slots, keys = slots[pending], keys[pending]
        while pending.size:
            slots = (slots + 1) & mask
            entry = self._table[slots]
            hit = (entry >> _ROW_BITS) == keys
            rows[pending[hit]] = entry[hit] & _ROW_MASK
            go_on = ~hit & (entry != _EMPTY)
            pending, slots, keys = pending[go_on], slots[go_on], keys[go_on]
        return rows

    # --------------------------------------------------------------- scoring

    def detect(self, text: str, prior: str | None = None) -> LanguageGuess:
        """Language of one text; `prior` is the enclosing document's language, if known."""
        return self.detect_many([text], [prior])[0]

    def detect_many(
        self, texts: Sequence[str], priors: Sequence[str | None] | None = None
    ) -> list[LanguageGuess]:
        """Languages of many texts in a few vectorised passes: the fast path.

        priors[i], if given and one of the candidate languages, is the language
        of the document texts[i] comes from; None or 'und' means no prior.
        """
        if priors is not None and len(priors) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(priors)} priors")
        loglik, judged = self.log_likelihoods(texts)
        z = loglik / TEMPERATURE
        if priors is not None:
            col = self._column
            prior_cols = np.array([col.get(p, -1) if p is not None else -1 for p in priors], dtype=np.int64)
            with_prior = np.flatnonzero(prior_cols >= 0)
            z[with_prior, prior_cols[with_prior]] += PRIOR_LOG_ODDS
        best = np.argmax(z, axis=1)
        # Posterior of the winner = 1 / sum(exp(z - z_best)): stable in float64.
        z -= z[np.arange(len(texts)), best][:, None]
        score = 1.0 / np.exp(z).sum(axis=1)
        return [
            LanguageGuess(self._languages[b], s) if ok else LanguageGuess(UND, 0.0)
            for b, s, ok in zip(best.tolist(), score.tolist(), judged.tolist(), strict=True)
        ]

    def log_likelihoods(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per text and language, sum over n-grams of log1p(p / eps) (float64); and whether judged.

        The first is the text's log-likelihood under each language up to a
        per-text constant. A text is not judged (and is tagged 'und') when its
        letter weight is below MIN_LETTER_WEIGHT or no candidate language knows
        any of its n-grams. Public for tuning and evaluation.
        """
        n = len(texts)
        sums = np.zeros((n, len(self._languages)), dtype=np.float64)
        judged = np.zeros(n, dtype=bool)
        lengths = [min(len(t), MAX_TEXT_LENGTH) + 1 for t in texts]
        if sum(lengths) <= _CHUNK_CHARS:
            cuts = []
        else:  # where the running length crosses a multiple of _CHUNK_CHARS
            ends = np.cumsum(lengths)
            cuts = sorted(set(np.searchsorted(ends, np.arange(_CHUNK_CHARS, ends[-1], _CHUNK_CHARS)).tolist()) - {0, n})
        for start, stop in zip([0, *cuts], [*cuts, n], strict=True):
            if start == stop:
                continue
            rows, owners, letters = self._features(texts[start:stop])
            sums[start:stop] = self._sum_rows(rows, owners, stop - start)
            has_evidence = np.zeros(stop - start, dtype=bool)
            has_evidence[owners] = True
            judged[start:stop] = has_evidence & (letters >= MIN_LETTER_WEIGHT)
        return sums, judged

    def _sum_rows(self, rows: np.ndarray, owners: np.ndarray, n_texts: int) -> np.ndarray:
        """Per-text sums of context rows; owners is sorted.

        Each text's rows are padded with zero rows to a size m * 2^k (m odd,
        at most 7) and added up by halving, so a text's sum depends only on its own rows,
        never on the batch it came in: the same text always gets the same
        bits. (np.add.reduceat would too, but is ~20x slower here.)
        """
        out = np.zeros((n_texts, self._context.shape[1]), dtype=np.float32)
        if n_texts == 1:  # one text, one size: skip the layout (same bits)
            if len(rows):
                index = np.full((1, _PADDED_SIZE[len(rows)]), self._zero_row, dtype=np.int64)
                index[0, : len(rows)] = rows
                out[0] = _halving_sum(self._context.take(index, axis=0))
            return out.astype(np.float64)
        counts = np.bincount(owners, minlength=n_texts)
        size = _PADDED_SIZE[counts]
        # Lay the texts out size by size in one flat index buffer, then
        # scatter every row into its text's slot in one go.
        order = np.argsort(size, kind="stable")
        sorted_size = size[order]
        base = np.zeros(n_texts, dtype=np.int64)
        base[order] = np.cumsum(sorted_size) - sorted_size
        index = np.full(int(sorted_size.sum()), self._zero_row, dtype=np.int64)
        index[np.arange(len(rows)) + (base - (np.cumsum(counts) - counts))[owners]] = rows
        bounds = [0, *(np.flatnonzero(sorted_size[1:] != sorted_size[:-1]) + 1).tolist(), n_texts]
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            p = int(sorted_size[lo])
            if p == 0:
                continue
            members = order[lo:hi]
            grid = index[base[members[0]] : base[members[0]] + p * len(members)].reshape(len(members), p)
            step = max(1, _BLOCK_ROWS // p)
            for b in range(0, len(members), step):
                out[members[b : b + step]] = _halving_sum(self._context.take(grid[b : b + step], axis=0))
        return out.astype(np.float64)

    # ------------------------------------------------------------- features

    def _features(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Context rows of the n-grams langdetect would extract, their text index, letter weights.

        Follows Detector.append, cleaning_text and _extract_ngrams with
        NGram.add_char, on the concatenation of all texts as integer arrays.
        """
        if not texts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
        texts = [t[:MAX_TEXT_LENGTH] for t in texts]
        probe = "\x00".join(texts)
        if probe.count("\x00") != len(texts) - 1:  # NULs separate the texts below
            texts = [t.replace("\x00", " ") for t in texts]
            probe = "\x00".join(texts)
        # Like langdetect: blank URLs and e-mail addresses. Only texts that
        # can match pay for the regular expressions.
        for needle, pattern in (("://", Detector.URL_RE), ("@", Detector.MAIL_RE)):
            if needle in probe:
                texts = [pattern.sub(" ", t) if needle in t else t for t in texts]
                probe = "\x00".join(texts)
        # A NUL in front of each text marks where it starts (it normalises to a
        # space: the leading space of the text's first word). The space in
        # front of all gives every position two predecessors.
        cps = np.frombuffer((" \x00" + probe).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        # Also like langdetect: compose Vietnamese letter + combining mark. The
        # marks are rare, so look for them in the code points.
        marks = np.flatnonzero((cps - 0x300) <= 0x23)
        marks = [m for m in marks.tolist() if cps[m] in _VI_MARKS]
        if marks:
            starts = np.flatnonzero(cps == 0)
            texts = list(texts)
            for i in sorted(set(np.searchsorted(starts, marks, side="right").tolist())):
                texts[i - 1] = NGram.normalize_vi(texts[i - 1])
            cps = np.frombuffer((" \x00" + "\x00".join(texts)).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        info, tally = self._char_info(cps)
        start = cps == 0
        owner = np.cumsum(start, dtype=np.int32)  # 1-based; 0 is the space in front
        # Per text: Latin letters, other-script characters and letter weight,
        # each in its own 20 bits of one sum (texts are <= MAX_TEXT_LENGTH).
        totals = np.add.reduceat(tally, np.flatnonzero(start))
        letters = (totals >> np.uint64(40)).astype(np.int64)

        # cleaning_text: a text mostly in another script loses its Latin
        # letters (names, acronyms, site headers), which would only add noise.
        latin_count = (totals & np.uint64(_FIELD)).astype(np.int64)
        nonlatin_count = ((totals >> np.uint64(20)) & np.uint64(_FIELD)).astype(np.int64)
        strip = (latin_count > 0) & (latin_count < _LATIN_STRIP_RATIO * nonlatin_count)
        if strip.any():
            keep = ((info & _LATIN) == 0) | ~np.concatenate(([False], strip))[owner]
            info, start, owner = info[keep], start[keep], owner[keep]

        # Position j (from 2 on) and the two characters before it. Runs of
        # spaces need no collapsing: an n-gram with two spaces is in no profile.
        ids = (info & _ID_MASK).astype(np.int64)
        space = (info & _SPACE) != 0
        upper = (info & _UPPER) != 0
        cur, prev, prev2 = ids[2:], ids[1:-1], ids[:-2]
        # Two capitals in a row (NGram.capitalword): no n-gram ends here.
        step = ~start[2:] & (cur > 0) & ~(upper[2:] & upper[1:-1])
        # Which n-grams end here: the unigram unless it is a space, the bigram
        # if the previous character is known, the trigram too unless this is a
        # word's first character (its window would reach into the last word).
        has2 = step & (prev > 0)
        has3 = has2 & ~space[1:-1] & (prev2 > 0)
        where = np.flatnonzero(has2 | (step & ~space[2:]))
        # Look up the longest n-gram; where no candidate has it, its next
        # shorter suffix, whose row then covers the rest.
        key = (cur | (prev << _ID_BITS) * has2 | (prev2 << (2 * _ID_BITS)) * has3)[where]
        rows = np.full(len(where), -1, dtype=np.int64)
        pending = np.arange(len(where))
        while pending.size:
            found = self._lookup(key)
            rows[pending] = found
            shorter = (found < 0) & (key > _ID_MASK)
            pending, key = pending[shorter], key[shorter]
            key = np.where(key > _BIGRAM_MASK, key & _BIGRAM_MASK, key & _ID_MASK)
        known = rows >= 0
        return rows[known], owner[where[known] + 2] - 1, letters

    def _char_info(self, cps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Info word (id and flags) and tally (counts for one text) of each raw code point."""
        _, _, tally_table = _char_tables()
        if cps.max() <= 0xFFFF:
            return self._info.take(cps), tally_table.take(cps)
        beyond = np.flatnonzero(cps > 0xFFFF)
        bmp = np.minimum(cps, 0xFFFF)
        info, tally = self._info.take(bmp), tally_table.take(bmp)
        # Astral characters (emoji, rare ideographs) are in no profile n-gram and
        # langdetect leaves them as they are; only case and letterhood matter.
        astral = [chr(c) for c in cps[beyond].tolist()]
        info[beyond] = [_NONLATIN | (_UPPER if ch.isupper() else 0) for ch in astral]
        tally[beyond] = [(1 << 20) | (int(_is_letter(ch)) << 40) for ch in astral]
        return info, tally


__all__ = ["UND", "LanguageGuess", "LanguageTagger", "available_languages"]
