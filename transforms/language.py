"""Language of documents and segments from langdetect's profiles, deterministic and fast.
A vectorised naive-Bayes scorer (numpy) that stops early on a fixed sample replaces langdetect's random sampling; no Beam here."""
from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from langdetect import PROFILES_DIRECTORY
from langdetect.detector import Detector
from langdetect.utils.ngram import NGram

UND = "und"

# langdetect's smoothing: every n-gram multiplies a language's probability by
# p(n-gram | language) + ALPHA / BASE_FREQ, so an n-gram a language never saw
# costs it a constant factor instead of ruling it out. langdetect uses
# ALPHA = 0.5 (jittered per trial). TRIGRAM_WEIGHT scales the log-probability
# of trigrams, the most specific evidence (1 = langdetect's).
#
# langdetect's profiles were cut at different depths: most keep n-grams down
# to a relative frequency of about 1e-4, those of ca, cy, et, ko, lt, lv, ro,
# sl and vi down to 1e-5. An n-gram only the deep profiles list then counts
# for them alone, though it may be as common in the others: Chinese lines
# read as Korean (whose profile lists many more rare Han bigrams), Croatian
# as Slovene. Dropping n-grams rarer than MIN_PROFILE_FREQ from every
# profile evens that out.
#
# All three fit by `tools/eval_language.py --tune` on held-out lines 200-799
# of the lingua data (best mean accuracy over length buckets, averaged
# without and with the true document prior). Against langdetect's 0.5, 1
# and no cut they make 4% fewer errors on texts of 1-20 characters and 7%
# fewer on 21-50 without a prior, and no more on longer ones.
ALPHA = 0.1
TRIGRAM_WEIGHT = 1.0
MIN_PROFILE_FREQ = 5e-5
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
# accuracy of 0.84 over single words, word pairs and sentences; 0.986 for
# 0.984 over sentences alone). Fit for the least log-loss by
# `tools/eval_language.py --tune` on held-out lines 200-799 of the lingua
# test data (the evaluation reads lines 0-199).
TEMPERATURE = 4.75

# Log prior odds, after tempering, that a segment is in its document's
# language. A fixed bonus, so it counts for less as a text grows: it is worth
# 5.5 * 4.75 = 26 nats of log-likelihood, what about 16 characters of a
# sentence give its language over the runner-up (1.6 nats a character,
# median on held-out sentences), or 6 characters over a typical other one.
# So "Yes." and "OK, thanks" keep the document's language, a quoted sentence
# in another one does not. Tuned by the same `--tune` run: best mean accuracy
# over length buckets if 10% of segments are not in their document's language.
PRIOR_LOG_ODDS = 5.5

# Like langdetect, which stops sampling once one language passes 0.99999, a
# text is first scored on a sample of its n-grams: those ending at every
# third character (each character then sits in exactly one sampled trigram),
# or, in a long text, at most _SAMPLE_POSITIONS of them spread evenly over
# it. If the best language then leads the runner-up by EARLY_MARGIN tempered
# nats (prior included), the rest is never scored and the score is the
# posterior given the sample; otherwise every n-gram is. On a mix of news
# sentences 84% of the segments of 101-200 characters and 96% of 201-300
# stop there, so the cost hardly grows with length beyond 100 characters.
# The sample is fixed by each text's own characters: still one answer per
# text in any batch. EARLY_MARGIN from `--tune` on held-out lines 200-799:
# the smallest margin that costs no length bucket more than 0.02 points of
# accuracy, without a prior, with the true one or a wrong one.
EARLY_MARGIN = 7.0
_SAMPLE_STRIDE = 3
_SAMPLE_POSITIONS = 128

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
_BLOCK_ROWS = 2048

# Every text is preceded by NUL and a space: the NUL (no id, no flags) keeps
# n-grams from reaching into the previous text, the space is the leading
# space langdetect puts in front of a text's first word.
_SEPARATOR = "\x00 "

# Per-character flags of the featuriser (uint8).
_KNOWN = 1  # the normalised character is in some profile n-gram
_SPACE = 2  # normalises to ' ': a word boundary
_UPPER = 4  # normalised character is upper case (NGram.capitalword)

# An n-gram key packs the compact ids of its 1-3 characters, 12 bits each,
# the last character lowest; keys are stored shifted left by _ROW_BITS so that
# a hash-table entry is key | row and key ^ entry is the row on a match.
_ID_BITS = 12
_ID_MASK = (1 << _ID_BITS) - 1
_ROW_BITS = 20
_ROW_LIMIT = 1 << _ROW_BITS
_BIGRAM_KEYS = (1 << (2 * _ID_BITS + _ROW_BITS)) - 1  # a shifted key's last two characters
_EMPTY = -1
_HASH_MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

# A character's tally is latin + nonlatin << 20 + letter weight << 40, so one
# sum over a text counts all three (texts are <= MAX_TEXT_LENGTH).
_FIELD = (1 << 20) - 1
_LATIN_TALLY = np.uint64(1)
_VI_MARKS = frozenset(ord(ch) for ch in NGram.DMARK_CLASS)  # all in U+0300-U+0323


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
    """Per BMP code point: its normalised code point, its flags minus _KNOWN, and its tally.

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
    weight = alpha.astype(np.uint64)
    for lo, hi in ((0x3040, 0x3100), (0x4E00, 0xA000), (0xAC00, 0xD7B0)):  # kana, Han, Hangul
        weight[lo:hi][alpha[lo:hi]] = _SYLLABLE_WEIGHT
    latin = (cps >= 0x41) & (cps <= 0x7A)
    # langdetect compares the block *number* with the block *name* here and so
    # never exempts Latin Extended Additional; we follow its intent, which only
    # matters for Vietnamese written mostly in precomposed letters.
    nonlatin = (cps >= 0x300) & ~((cps >= 0x1E00) & (cps <= 0x1EFF))
    flags = (np.where(space, _SPACE, 0) | np.where(upper, _UPPER, 0)).astype(np.uint8)
    tally = latin.astype(np.uint64) | (nonlatin.astype(np.uint64) << np.uint64(20)) | (weight << np.uint64(40))
    return norm, flags, tally


def _padded_size(count: int) -> int:
    """Smallest m * 2^k >= count with m in 1, 3, 5, 7: sizes _halving_sum adds up (<= 14% padding)."""
    return min(m << max(0, (count - 1) // m).bit_length() for m in (1, 3, 5, 7))


# Padded size per row count; a text has at most one row per character.
_PADDED_SIZE = np.array([0, *(_padded_size(c) for c in range(1, MAX_TEXT_LENGTH + 3))], dtype=np.int64)


def _halving_sum(block: np.ndarray) -> np.ndarray:
    """Sum over axis 0 of (m * 2^k, texts, languages), m odd, in a fixed order, in place.

    Every text is added up the same way whatever else is in the block, and
    the halves are contiguous slabs, so each step is one long vector add.
    """
    width = block.shape[0]
    while width % 2 == 0:
        width //= 2
        np.add(block[:width], block[width : 2 * width], out=block[:width])
    for i in range(1, width):
        block[0] += block[i]
    return block[0]


def _code_points(text: str) -> np.ndarray:
    """The code points of _SEPARATOR + text as uint32 (lone surrogates pass through)."""
    return np.frombuffer((_SEPARATOR + text).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


class _Grams(NamedTuple):
    """A chunk of texts as code points, ready to be keyed (see LanguageTagger._grams)."""

    ends: np.ndarray  # per code point: whether an n-gram langdetect uses ends there
    sampled: np.ndarray  # per code point: whether it is in its text's first-look sample
    bounds: np.ndarray  # index of each text's first code point (its separator's NUL), then the total
    lengths: np.ndarray  # per text: code points, separator included
    letters: np.ndarray  # per text: letter weight
    pair: np.ndarray  # per code point: the shifted ids of it and the character before
    shifted: np.ndarray  # per code point: its shifted id

    def positions(self, select: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The selected code points (ascending) and the text of each."""
        where = np.flatnonzero(select)
        first = np.searchsorted(where, self.bounds)
        return where, np.repeat(np.arange(len(self.lengths)), first[1:] - first[:-1])

    def keys(self, where: np.ndarray) -> np.ndarray:
        """Shifted key of the longest n-gram ending at each position: the pair before + the character."""
        return (self.pair.take(where - 1) << _ID_BITS) | self.shifted.take(where)


def _hash_slots(keys: np.ndarray, bits: int) -> np.ndarray:
    return (keys.view(np.uint64) * _HASH_MULT >> np.uint64(64 - bits)).view(np.int64)


class LanguageTagger:
    """Scores texts against langdetect's language profiles, exactly and without randomness.

    langdetect turns a text into a bag of 1-3 character n-grams and estimates,
    by random sampling, the product over them of p(n-gram | language) +
    ALPHA / BASE_FREQ. Here the logarithm of that product (trigrams weighted
    by TRIGRAM_WEIGHT) is summed over a fixed sample of the n-grams and, when
    that is not yet decisive (EARLY_MARGIN), over all of them, so a text gets
    the same answer on every call, in any batch; a tempered softmax with an
    optional prior on the document's language turns it into a posterior.

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

    # The tables take about 20 MB but rebuild in under a second from the
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
                profile = json.load(f)
            # The 1-3-grams at or above the common cut (see MIN_PROFILE_FREQ);
            # the probability as langdetect computes it, count / n_words.
            totals = profile["n_words"]
            profile["freq"] = {
                g: c for g, c in profile["freq"].items() if 1 <= len(g) <= 3 and c / totals[len(g) - 1] >= MIN_PROFILE_FREQ
            }
            profiles.append(profile)

        # Only n-grams some candidate has seen can separate the candidates:
        # any other n-gram costs every one of them the same log(epsilon).
        vocabulary = sorted({g for p in profiles for g in p["freq"]})
        if len(vocabulary) >= _ROW_LIMIT:
            raise ValueError(f"{len(vocabulary)} n-grams in the profiles; rows have {_ROW_BITS} bits")
        row_of = {g: i for i, g in enumerate(vocabulary)}
        # log(p + eps) - log(eps) = log1p(p / eps): the shift cancels in the
        # posterior and makes a language's unseen n-grams exactly 0.
        loglik = np.zeros((len(vocabulary), len(profiles)), dtype=np.float64)
        for col, profile in enumerate(profiles):
            grams = list(profile["freq"])
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
        char_id = np.zeros(0x10000, dtype=np.int64)
        char_id[[ord(ch) for ch in alphabet]] = np.arange(1, len(alphabet) + 1)
        norm, flags, _ = _char_tables()
        ids = char_id[norm]
        ids[0] = 0  # NUL only separates texts (texts' own NULs become spaces)
        # Raw code point -> id of its normalised form, shifted into key position.
        self._shifted_id = ids << _ROW_BITS
        self._flags = flags | np.where(ids > 0, _KNOWN, 0).astype(np.uint8)
        self._flags[0] = 0

        keys = np.array([self._key(g, char_id) for g in vocabulary], dtype=np.int64) << _ROW_BITS
        self._build_hash(keys)
        # A unigram's row straight from its character's id: the last resort of
        # every lookup needs no hashing.
        self._unigram_row = np.full(1 << _ID_BITS, self._zero_row, dtype=np.int64)
        unigrams = [i for i, g in enumerate(vocabulary) if len(g) == 1]
        self._unigram_row[[int(char_id[ord(vocabulary[i])]) for i in unigrams]] = unigrams

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
        entries = keys | np.arange(len(keys), dtype=np.int64)
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

    def _probe(self, keys: np.ndarray) -> np.ndarray:
        """Row of each shifted key, negative where no candidate language has the n-gram."""
        slots = _hash_slots(keys, self._hash_bits)
        # entry ^ key: the row on a match, negative at an empty slot (the
        # search ends), >= _ROW_LIMIT at another key's slot (probe on).
        found = self._table.take(slots) ^ keys
        pending = np.flatnonzero(found >= _ROW_LIMIT)
        if pending.size:
            found[pending] = -1
            mask = len(self._table) - 1
            slots, keys = slots[pending], keys[pending]
            while pending.size:
                slots = (slots + 1) & mask
                entry = self._table.take(slots) ^ keys
                hit = entry.view(np.uint64) < _ROW_LIMIT
                found[pending[hit]] = entry[hit]
                go_on = entry >= _ROW_LIMIT
                pending, slots, keys = pending[go_on], slots[go_on], keys[go_on]
        return found

    def _rows(self, keys: np.ndarray) -> np.ndarray:
        """Row of the longest n-gram of each key some candidate has (its row covers the rest).

        The all-zero padding row where no candidate has any of them: it adds
        nothing, exactly, so it needs no filtering out.
        """
        rows = self._probe(keys)
        missed = np.flatnonzero(rows < 0)
        if missed.size:
            keys = keys[missed]
            trigram = np.flatnonzero(keys >= 1 << (2 * _ID_BITS + _ROW_BITS))
            if trigram.size:
                rows[missed[trigram]] = self._probe(keys[trigram] & _BIGRAM_KEYS)
            still = np.flatnonzero(rows.take(missed) < 0)
            if still.size:
                rows[missed[still]] = self._unigram_row.take((keys[still] >> _ROW_BITS) & _ID_MASK)
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
        prior_cols = None
        if priors is not None:
            col = self._column
            prior_cols = np.array([col.get(p, -1) for p in priors], dtype=np.int64)  # type: ignore[arg-type]
        # The profiles were learnt from mixed-case text, where upper-case n-grams
        # are rare and mostly English (acronyms): all-capital captions read as
        # lower case. str.isupper() is True only when no cased letter is lower.
        texts = [t.lower() if t.isupper() else t for t in texts]
        loglik, judged = self._evidence(texts, prior_cols, early=True)
        z = self._tempered(loglik, prior_cols)
        best = np.argmax(z, axis=1)
        # Posterior of the winner = 1 / sum(exp(z - z_best)): stable in float64.
        z -= z[np.arange(len(texts)), best][:, None]
        score = 1.0 / np.exp(z).sum(axis=1)
        return [
            LanguageGuess(self._languages[b], s) if ok else LanguageGuess(UND, 0.0)
            for b, s, ok in zip(best.tolist(), score.tolist(), judged.tolist(), strict=True)
        ]

    def log_likelihoods(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per text and language, sum over all n-grams of log1p(p / eps) (float64); and whether judged.

        The first is the text's log-likelihood under each language up to a
        per-text constant, over all of its n-grams (detect_many may stop at a
        sample). A text is not judged (and is tagged 'und') when its letter
        weight is below MIN_LETTER_WEIGHT or no candidate language knows any
        of its n-grams. Public for tuning and evaluation.
        """
        return self._evidence(texts, None, early=False)

    @staticmethod
    def _tempered(loglik: np.ndarray, prior_cols: np.ndarray | None) -> np.ndarray:
        z = loglik / TEMPERATURE
        if prior_cols is not None:
            with_prior = np.flatnonzero(prior_cols >= 0)
            z[with_prior, prior_cols[with_prior]] += PRIOR_LOG_ODDS
        return z

    def _evidence(
        self, texts: Sequence[str], prior_cols: np.ndarray | None, early: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        n = len(texts)
        sums = np.zeros((n, len(self._languages)), dtype=np.float64)
        judged = np.zeros(n, dtype=bool)
        lengths = np.minimum(np.fromiter(map(len, texts), dtype=np.int64, count=n), MAX_TEXT_LENGTH) + len(_SEPARATOR)
        if lengths.sum() <= _CHUNK_CHARS:
            cuts = []
        else:  # where the running length crosses a multiple of _CHUNK_CHARS
            ends = np.cumsum(lengths)
            cuts = sorted(set(np.searchsorted(ends, np.arange(_CHUNK_CHARS, ends[-1], _CHUNK_CHARS)).tolist()) - {0, n})
        for start, stop in zip([0, *cuts], [*cuts, n], strict=True):
            if start == stop:
                continue
            chunk_priors = prior_cols[start:stop] if prior_cols is not None else None
            sums[start:stop], judged[start:stop] = self._score_chunk(texts[start:stop], chunk_priors, early)
        return sums, judged

    def _score_chunk(
        self, texts: Sequence[str], prior_cols: np.ndarray | None, early: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Log-likelihood sums of a chunk's texts (of the sample alone where it decides), and whether judged."""
        n = len(texts)
        grams = self._grams(texts)
        # First look: the sampled n-grams of every text.
        where, owners = grams.positions(grams.ends & grams.sampled)
        sums = self._sum_rows(self._rows(grams.keys(where)), owners, n).astype(np.float64)
        rest = grams.ends & ~grams.sampled
        if early:
            # Known n-grams all score > 0 somewhere: a zero row means no evidence yet.
            decided = (self._margin(self._tempered(sums, prior_cols)) >= EARLY_MARGIN) & sums.any(axis=1)
            if decided.any():
                rest &= np.repeat(~decided, grams.lengths)
        # Then the rest of the n-grams of the texts still undecided.
        where, owners = grams.positions(rest)
        if len(where):
            sums += self._sum_rows(self._rows(grams.keys(where)), owners, n)
        return sums, sums.any(axis=1) & (grams.letters >= MIN_LETTER_WEIGHT)

    @staticmethod
    def _margin(z: np.ndarray) -> np.ndarray:
        """Lead of each row's best value over its second best (infinite with one column)."""
        if z.shape[1] < 2:
            return np.full(len(z), np.inf)
        top = np.partition(z, z.shape[1] - 2, axis=1)
        return top[:, -1] - top[:, -2]

    def _sum_rows(self, rows: np.ndarray, owners: np.ndarray, n_texts: int) -> np.ndarray:
        """Per-text sums of context rows (float32); owners is sorted.

        Each text's rows are padded with zero rows to a size m * 2^k (m odd,
        at most 7) and added up by halving, so a text's sum depends only on
        its own rows, never on the batch it came in: the same text always
        gets the same bits. (np.add.reduceat would too, but is ~20x slower here.)
        """
        n_columns = self._context.shape[1]
        out = np.zeros((n_texts, n_columns), dtype=np.float32)
        if not len(rows):
            return out
        if n_texts == 1:  # one text, one size: skip the layout (same bits)
            index = np.full((_PADDED_SIZE[len(rows)], 1), self._zero_row, dtype=np.int64)
            index[: len(rows), 0] = rows
            out[0] = _halving_sum(self._context.take(index, axis=0))
            return out
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
                # (rows, texts, languages): the halving sum adds contiguous slabs.
                out[members[b : b + step]] = _halving_sum(self._context.take(grid[b : b + step].T, axis=0))
        return out

    # ------------------------------------------------------------- features

    def _grams(self, texts: Sequence[str]) -> _Grams:
        """Where the n-grams langdetect would use end in the texts, and how to key them.

        Follows Detector.append, cleaning_text and _extract_ngrams with
        NGram.add_char, on the concatenation of all texts as integer arrays.
        """
        n = len(texts)
        texts = [t if len(t) <= MAX_TEXT_LENGTH else t[:MAX_TEXT_LENGTH] for t in texts]
        probe = _SEPARATOR.join(texts)
        # Like langdetect: blank URLs and e-mail addresses. Only texts that
        # can match pay for the regular expressions.
        for needle, pattern in (("://", Detector.URL_RE), ("@", Detector.MAIL_RE)):
            if needle in probe:
                texts = [pattern.sub(" ", t) if needle in t else t for t in texts]
                probe = _SEPARATOR.join(texts)
        cps = _code_points(probe)
        starts = np.flatnonzero(cps == 0)
        if len(starts) != n:  # NULs separate the texts; their own ones are spaces to langdetect
            texts = [t.replace("\x00", " ") for t in texts]
            probe = _SEPARATOR.join(texts)
            cps = _code_points(probe)
            starts = np.flatnonzero(cps == 0)
        ascii_only = probe.isascii()
        if not ascii_only:
            # Also like langdetect: compose Vietnamese letter + combining mark.
            # The marks are rare, so look for them in the code points.
            marks = np.flatnonzero((cps - 0x300) <= 0x23)
            marks = [m for m in marks.tolist() if cps[m] in _VI_MARKS]
            if marks:
                texts = list(texts)
                changed = False
                for i in sorted(set((np.searchsorted(starts, marks, side="right") - 1).tolist())):
                    composed = NGram.normalize_vi(texts[i])
                    changed |= composed != texts[i]
                    texts[i] = composed
                if changed:
                    cps = _code_points(_SEPARATOR.join(texts))
                    starts = np.flatnonzero(cps == 0)

        # Per text: Latin letters, other-script characters and letter weight,
        # each in its own 20 bits of one sum.
        _, _, tally_table = _char_tables()
        astral = not ascii_only and cps.max() > 0xFFFF
        tally = tally_table.take(np.minimum(cps, 0xFFFF) if astral else cps)
        if astral:
            # Astral characters (emoji, rare ideographs) are in no profile
            # n-gram; only their script and letterhood count.
            beyond = np.flatnonzero(cps > 0xFFFF)
            tally[beyond] = [(1 << 20) | (int(_is_letter(chr(c))) << 40) for c in cps[beyond].tolist()]
        totals = np.add.reduceat(tally, starts)
        letters = (totals >> np.uint64(40)).astype(np.int64)

        if not ascii_only:
            # cleaning_text: a text mostly in another script loses its Latin
            # letters (names, acronyms, site headers), which would only add noise.
            latin_count = (totals & np.uint64(_FIELD)).astype(np.int64)
            nonlatin_count = ((totals >> np.uint64(20)) & np.uint64(_FIELD)).astype(np.int64)
            strip = (latin_count > 0) & (latin_count < _LATIN_STRIP_RATIO * nonlatin_count)
            if strip.any():
                lengths = np.diff(starts, append=len(cps))
                cps = cps[~(np.repeat(strip, lengths) & ((tally & _LATIN_TALLY) != 0))]
                starts = np.flatnonzero(cps == 0)

        bmp = np.minimum(cps, 0xFFFF) if astral else cps
        shifted = self._shifted_id.take(bmp)
        flags = self._flags.take(bmp)
        if astral:
            beyond = np.flatnonzero(cps > 0xFFFF)
            shifted[beyond] = 0
            flags[beyond] = [_UPPER if chr(c).isupper() else 0 for c in cps[beyond].tolist()]
        # Where an n-gram ends: at a known character, but not inside a run of
        # capitals (NGram.capitalword), and at a space only if it closes a
        # word. Bit arithmetic on the flags, all in bit 0.
        cur, prev = flags[1:], flags[:-1]
        word_before = prev & ~(prev >> 1)  # _KNOWN and not _SPACE
        ends = np.zeros(len(cps), dtype=np.uint8)
        np.bitwise_and(cur & ~((cur & prev) >> 2) & (~(cur >> 1) | word_before), _KNOWN, out=ends[1:])
        # The last two characters of each position, the earlier one dropped
        # if the later one is a space: langdetect starts afresh after a space,
        # so no trigram has one in the middle. The key ending at j is then that
        # pair at j - 1 followed by the character at j.
        pair = shifted.copy()
        pair[1:] |= (shifted[:-1] << _ID_BITS) * ((cur & _SPACE) == 0)

        # The first-look sample: every _SAMPLE_STRIDE-th character of a text,
        # or a wider stride that keeps it to _SAMPLE_POSITIONS in a long one.
        # With one stride for all, a code point is sampled if its index and
        # its text's start are alike modulo the stride.
        bounds = np.append(starts, len(cps))
        lengths = bounds[1:] - bounds[:-1]
        stride = np.maximum(_SAMPLE_STRIDE, -(-lengths // _SAMPLE_POSITIONS))
        if n == 1:
            sampled = np.zeros(len(cps), dtype=bool)
            sampled[:: int(stride[0])] = True
        elif stride.max() == _SAMPLE_STRIDE:
            phase = np.tile(np.arange(_SAMPLE_STRIDE, dtype=np.uint8), -(-len(cps) // _SAMPLE_STRIDE))[: len(cps)]
            sampled = phase == np.repeat((starts % _SAMPLE_STRIDE).astype(np.uint8), lengths)
        else:
            sampled = (np.arange(len(cps)) - np.repeat(starts, lengths)) % np.repeat(stride, lengths) == 0
        return _Grams(ends.view(bool), sampled, bounds, lengths, letters, pair, shifted)


__all__ = ["UND", "LanguageGuess", "LanguageTagger", "available_languages"]
