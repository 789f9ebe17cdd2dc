"""Offline IPTC Media Topics tagging from weighted keyword lexicons, one per language.

TopicClassifier tags one text segment; document_topics combines segment tags into document topics.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from schemas.records import Topic

if TYPE_CHECKING:  # importlib.resources.abc is 3.11+; the annotation alone is enough
    from importlib.resources.abc import Traversable

FALLBACK_LANGUAGE = "en"
STOP_SECTION = "stop"

# Scoring constants (see TopicClassifier.scores).
BACKGROUND = 1.0  # "no topic" evidence in any text
BACKGROUND_PER_TOKEN = 0.02  # and per word of text
MIN_EVIDENCE = 2.5  # one strong term or two weak ones, so "Thank you, Mr President." stays untagged
MIN_SCORE = 0.25
# A secondary topic must score at least this share of the primary one: a passing mention of money
# in a football report is not an economy story. The largest share that keeps every devset
# expectation (a storm bulletin is weather, disaster and economy); chosen on the development part.
SECONDARY_MIN_RATIO = 0.4
MAX_TOPICS = 5
DOCUMENT_MIN_SCORE = 0.1
# Inflection endings are stripped only while a stem this long remains ("bus" keeps its "s").
_MIN_STEM = 3
_EXACT_RANK = 10_000  # above any stem rank

_TOKEN = re.compile(r"[^\W_]+")
_TERM_WEIGHT = re.compile(r"(.+?)\s*\(\s*(\d+(?:\.\d+)?)\s*\)")
# Letters that NFKD does not decompose but that writers often type either way.
_FOLD = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})


def normalize(text: str) -> str:
    """Case- and accent-folded text, so 'Élection' and 'election' meet."""
    text = text.casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD)


def tokenize(text: str) -> list[str]:
    # Apostrophes and hyphens split words: French "l'économie" yields "economie".
    return _TOKEN.findall(normalize(text))


# --------------------------------------------------------------------------- light stemming
#
# Inflection only (number and gender), never derivation, applied alike to lexicon words and to
# text, so one lexicon entry covers its inflected forms ("alumno" -> alumna, alumnos, alumnas).
# Folded text goes in (see normalize); a stem is only a lookup key and need not be a word.
# After J. Savoy's light stemmers for Romance languages (as in Lucene's *LightStemmer). A lexicon
# opts in with "@stem es"; English and German lexicons do without (their @inflect endings and
# word* patterns already cover what a light stemmer would, and stemming English gained nothing).


def stem_es(word: str) -> str:
    """Spanish: plural -s/-es (-ces -> -z) and the gender vowel: 'políticas', 'político' -> 'politic'."""
    if len(word) < 5:
        return word
    if word[-1] in "oae":
        return word[:-1]
    if word[-1] == "s":
        if word.endswith("eses"):  # ingleses -> ingles
            return word[:-2]
        if word.endswith("ces"):  # veces -> vez
            return word[:-3] + "z"
        if word[-2] in "oae":
            return word[:-2]
    return word


# French feminine endings and their masculine, longest first (folded: ère -> ere).
_FR_FEMININE = (
    ("trice", "teur"),  # directrice -> directeur
    ("euse", "eur"),  # chanteuse -> chanteur
    ("enne", "en"),  # européenne -> européen
    ("onne", "on"),  # championne -> champion
    ("elle", "el"),  # culturelle -> culturel
    ("ette", "et"),
    ("ere", "er"),  # boulangère -> boulanger
    ("ive", "if"),  # sportive -> sportif
)


def stem_fr(word: str) -> str:
    """French: plural -s/-x (-aux -> -al), feminine forms, a final -e: 'députées', 'député' -> 'deput'."""
    if len(word) < 5:
        return word
    if word.endswith("aux") and not word.endswith("eaux"):  # journaux -> journal
        word = word[:-3] + "al"
    elif word[-1] in "sx":
        word = word[:-1]
    if len(word) < 5:
        return word
    for feminine, masculine in _FR_FEMININE:
        if word.endswith(feminine) and len(word) - len(feminine) >= 3:
            word = word[: -len(feminine)] + masculine
            break
    if word.endswith("ee"):  # armée, députée
        return word[:-2]
    if word.endswith("e"):
        return word[:-1]
    return word


STEMMERS = {"es": stem_es, "fr": stem_fr}


@runtime_checkable
class TopicModel(Protocol):
    """What the pipeline needs from a topic tagger; a --topic-model alternative implements this."""

    def classify(self, text: str, language: str) -> tuple[Topic, ...]: ...


# --------------------------------------------------------------------------- taxonomy


@dataclass(frozen=True)
class Taxonomy:
    """Labels with their codes and parents, read from a JSON file a user can extend."""

    codes: dict[str, str]  # label -> code
    parents: dict[str, str]  # label -> parent label, for labels below the top level
    extra_terms: dict[str, dict[str, list[str]]]  # language -> label -> lexicon lines given in the taxonomy file

    @property
    def top_level(self) -> frozenset[str]:
        return frozenset(label for label in self.codes if label not in self.parents)

    def ancestors(self, label: str) -> tuple[str, ...]:
        """The label itself and every label above it: a hit counts for all of them."""
        chain = [label]
        while chain[-1] in self.parents:
            chain.append(self.parents[chain[-1]])
        return tuple(chain)

    def depth(self, label: str) -> int:
        return len(self.ancestors(label)) - 1

    def resolve(self, name: str) -> str | None:
        """A label given by label text or by code."""
        name = name.strip()
        if name in self.codes:
            return name
        lowered = name.casefold()
        for label, code in self.codes.items():
            if lowered in (label.casefold(), code.casefold()):
                return label
        return None

    @classmethod
    def parse(cls, data: dict, origin: str = "taxonomy") -> Taxonomy:
        entries = data.get("topics")
        if not isinstance(entries, list) or not entries:
            raise ValueError(f"{origin}: expected a non-empty 'topics' list")
        codes: dict[str, str] = {}
        for entry in entries:
            label, code = entry.get("label"), entry.get("code")
            if not label or not code:
                raise ValueError(f"{origin}: every topic needs a label and a code: {entry!r}")
            if label in codes:
                raise ValueError(f"{origin}: duplicate label {label!r}")
            codes[label] = code
        by_code = {code: label for label, code in codes.items()}
        parents: dict[str, str] = {}
        extra: dict[str, dict[str, list[str]]] = defaultdict(dict)
        for entry in entries:
            label = entry["label"]
            parent = entry.get("parent")
            if parent:
                resolved = parent if parent in codes else by_code.get(parent)
                if resolved is None:
                    raise ValueError(f"{origin}: {label!r} names unknown parent {parent!r}")
                parents[label] = resolved
            for language, lines in (entry.get("terms") or {}).items():
                extra[language.casefold()][label] = [lines] if isinstance(lines, str) else list(lines)
        taxonomy = cls(codes, parents, dict(extra))
        for label in parents:  # a cycle would make ancestors() loop forever
            seen: set[str] = set()
            node: str | None = label
            while node is not None:
                if node in seen:
                    raise ValueError(f"{origin}: parent cycle through {label!r}")
                seen.add(node)
                node = parents.get(node)
        return taxonomy


# --------------------------------------------------------------------------- lexicons

# A word pattern: kind is "exact", "prefix" (stem*), "suffix" (*stem) or "infix" (*stem*).
Pattern = tuple[str, str]


def parse_term(term: str) -> tuple[Pattern, ...]:
    """A lexicon term as word patterns, tokenised the way text is, so 'e-mail*' is two words."""
    patterns: list[Pattern] = []
    for chunk in normalize(term).split():
        lead, trail = chunk.startswith("*"), chunk.endswith("*")
        words = _TOKEN.findall(chunk)
        for i, word in enumerate(words):
            first, last = i == 0, i == len(words) - 1
            if first and lead and last and trail:
                kind = "infix"
            elif first and lead:
                kind = "suffix"
            elif last and trail:
                kind = "prefix"
            else:
                kind = "exact"
            patterns.append((kind, word))
    return tuple(patterns)


@dataclass(frozen=True)
class LexiconLine:
    label: str  # resolved taxonomy label, or STOP_SECTION
    weight: float
    term: str


@dataclass(frozen=True)
class LexiconFile:
    """A lexicon file's contents: its directives and its (section name, weight, term) entries."""

    inflections: tuple[str, ...]
    stemmer: str | None  # a key of STEMMERS, from "@stem <language>"
    entries: tuple[tuple[str, float, str], ...]


def read_lexicon(text: str, origin: str) -> LexiconFile:
    """A lexicon file's directives and entries, from its text."""
    inflections: list[str] = []
    stemmer: str | None = None
    entries: list[tuple[str, float, str]] = []
    section: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("@inflect"):
            inflections += [normalize(s) for s in line[len("@inflect") :].replace(",", " ").split()]
            continue
        if line.startswith("@stem"):
            stemmer = line[len("@stem") :].strip().casefold()
            if stemmer not in STEMMERS:
                raise ValueError(f"{origin}:{number}: no stemmer for {stemmer!r}; known: {', '.join(sorted(STEMMERS))}")
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if section is None:
            raise ValueError(f"{origin}:{number}: term outside a [label] section")
        entries += [(section, weight, term) for weight, term in _weighted_terms(line, f"{origin}:{number}")]
    return LexiconFile(tuple(inflections), stemmer, tuple(entries))


def _weighted_terms(line: str, where: str) -> list[tuple[float, str]]:
    weight = 1.0
    head, sep, rest = line.partition(":")
    if sep:
        try:
            weight = float(head)
        except ValueError:
            raise ValueError(f"{where}: expected 'weight: term, term', got {line!r}") from None
        line = rest
    if weight <= 0:
        raise ValueError(f"{where}: weights must be positive")
    out: list[tuple[float, str]] = []
    for term in (t.strip() for t in line.split(",")):
        if not term:
            continue
        override = _TERM_WEIGHT.fullmatch(term)
        if override:  # "fans (0.5)": one term weighing other than its line
            term, term_weight = override.group(1).strip(), float(override.group(2))
        else:
            term_weight = weight
        if term_weight <= 0:
            raise ValueError(f"{where}: weights must be positive")
        out.append((term_weight, term))
    return out


class _WordIndex:
    """Finds the patterns that match one token: exact words (inflected), stems, suffixes, infixes."""

    def __init__(self, inflections: Sequence[str], stemmer: Callable[[str], str] | None = None) -> None:
        self.inflections = tuple(sorted(set(inflections), key=len, reverse=True))
        self.stemmer = stemmer
        # "stemmed" holds exact words under their light stem, so "alumno" also answers "alumnas".
        kinds = ("exact", "stemmed", "prefix", "suffix", "infix")
        self.by_kind: dict[str, dict[str, list[int]]] = {k: {} for k in kinds}
        self._lengths: dict[str, tuple[int, ...]] = {}

    def add(self, pattern: Pattern, value: int) -> None:
        kind, stem = pattern
        self.by_kind[kind].setdefault(stem, []).append(value)
        if kind == "exact" and self.stemmer is not None:
            self.by_kind["stemmed"].setdefault(self.stemmer(stem), []).append(value)

    def freeze(self) -> None:
        self._lengths = {k: tuple(sorted({len(s) for s in d}, reverse=True)) for k, d in self.by_kind.items()}

    def bases(self, token: str) -> list[str]:
        """The token as written, then every base left by stripping one inflection ending."""
        bases = [token]
        for ending in self.inflections:
            if token.endswith(ending) and len(token) - len(ending) >= _MIN_STEM:
                bases.append(token[: -len(ending)])
        return bases

    def stem(self, word: str) -> str:
        return self.stemmer(word) if self.stemmer is not None else word

    def matches(self, token: str) -> list[tuple[int, int]]:
        """(specificity, value) for every matching pattern; an exact word outranks any stem."""
        found: list[tuple[int, int]] = []
        exact = self.by_kind["exact"]
        for i, base in enumerate(self.bases(token)):
            for value in exact.get(base, ()):
                # The word as written outranks every pattern. A base found by stripping
                # an ending ranks like a stem of its length: "degrees" (weather) is not
                # read as "degree" (education), nor German "Schulden" as "Schuld".
                found.append((_EXACT_RANK + len(base) if i == 0 else 2 * len(base) + 1, value))
        if self.stemmer is not None:
            # Same light stem: ranks like a prefix pattern of the stem's length, so "vaccin*"
            # and an entry "vaccinée" (stem "vaccin") both count for the token "vaccins".
            stem = self.stemmer(token)
            for value in self.by_kind["stemmed"].get(stem, ()):
                found.append((2 * len(stem), value))
        # Stem ranks are doubled so an inflected exact word (2n + 1) sits between stems.
        prefix = self.by_kind["prefix"]
        for length in self._lengths["prefix"]:
            if length <= len(token):
                for value in prefix.get(token[:length], ()):
                    found.append((2 * length, value))
        suffix = self.by_kind["suffix"]
        for base in self.bases(token):
            for length in self._lengths["suffix"]:
                if length <= len(base):
                    for value in suffix.get(base[-length:], ()):
                        found.append((2 * length, value))
        infix = self.by_kind["infix"]
        for length in self._lengths["infix"]:
            for start in range(len(token) - length + 1):
                for value in infix.get(token[start : start + length], ()):
                    found.append((2 * length, value))
        return found


def _word_matches(pattern: Pattern, token: str, index: _WordIndex) -> bool:
    kind, stem = pattern
    if kind == "prefix":
        return token.startswith(stem)
    if kind == "infix":
        return stem in token
    bases = index.bases(token)
    if kind == "exact":
        return stem in bases or (index.stemmer is not None and index.stem(stem) == index.stem(token))
    return any(base.endswith(stem) for base in bases)


class Lexicon:
    """One language's compiled terms: which label weights each token or phrase carries."""

    def __init__(
        self,
        language: str,
        inflections: Sequence[str],
        lines: Sequence[LexiconLine],
        taxonomy: Taxonomy,
        stemmer: str | None = None,
    ) -> None:
        self.language = language
        stem = STEMMERS[stemmer] if stemmer else None
        self.words = _WordIndex(inflections, stem)  # single-word terms
        self.starts = _WordIndex(inflections, stem)  # first words of multi-word terms
        self.term_weights: list[tuple[tuple[str, float], ...]] = []
        self.phrases: list[tuple[Pattern, ...]] = []
        term_ids: dict[tuple[Pattern, ...], int] = {}
        weights: list[dict[str, float]] = []
        for line in lines:
            patterns = parse_term(line.term)
            if not patterns:
                continue
            if patterns not in term_ids:
                term_ids[patterns] = len(weights)
                weights.append({})
                self.phrases.append(patterns)
                (self.words if len(patterns) == 1 else self.starts).add(patterns[0], term_ids[patterns])
            if line.label == STOP_SECTION:
                continue  # a stop term exists only to win the match and count for nothing
            direct = weights[term_ids[patterns]]
            # Listing a term twice under one label should not double it.
            direct[line.label] = max(direct.get(line.label, 0.0), line.weight)
        for direct in weights:
            # A hit counts for the label and everything above it, so a second-level
            # topic's terms also raise its top-level parent.
            labels: dict[str, float] = defaultdict(float)
            for label, weight in direct.items():
                for ancestor in taxonomy.ancestors(label):
                    labels[ancestor] += weight
            self.term_weights.append(tuple(sorted(labels.items())))
        self.words.freeze()
        self.starts.freeze()
        self._cache: dict[str, tuple[int, tuple[int, ...]]] = {}
        self._merged: dict[tuple[int, ...], int] = {}

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_cache"] = {}  # a per-process memo, not worth shipping to workers
        return state

    def _lookup(self, token: str) -> tuple[int, tuple[int, ...]]:
        """(best single-word term or -1, phrases that could start here, longest first)."""
        hit = self._cache.get(token)
        if hit is None:
            singles = self.words.matches(token)
            best = -1
            if singles:
                top = max(rank for rank, _ in singles)
                best = self._claim(tuple(sorted({t for rank, t in singles if rank == top})))
            starts = {value for _, value in self.starts.matches(token)}
            ordered = tuple(sorted(starts, key=lambda t: (-len(self.phrases[t]), t)))
            hit = (best, ordered)
            if len(self._cache) > 200_000:  # vocabulary is Zipfian; a reset now and then is enough
                self._cache.clear()
            self._cache[token] = hit
        return hit

    def _claim(self, terms: tuple[int, ...]) -> int:
        """One term standing for equally specific matches, e.g. "fire" listed under two labels
        in different lines: each label keeps its largest weight."""
        if len(terms) == 1:
            return terms[0]
        claim = self._merged.get(terms)
        if claim is None:
            merged: dict[str, float] = {}
            for term in terms:
                for label, weight in self.term_weights[term]:
                    merged[label] = max(merged.get(label, 0.0), weight)
            claim = len(self.term_weights)
            self.term_weights.append(tuple(sorted(merged.items())))
            self.phrases.append(self.phrases[terms[0]])
            self._merged[terms] = claim
        return claim

    def evidence(self, tokens: Sequence[str]) -> dict[str, float]:
        """Label -> summed term weight; longest phrase wins, repeats count sub-linearly."""
        counts: Counter[int] = Counter()
        i, n = 0, len(tokens)
        while i < n:
            single, phrases = self._lookup(tokens[i])
            for term in phrases:
                rest = self.phrases[term][1:]
                if i + len(rest) < n and all(_word_matches(p, tokens[i + 1 + j], self.starts) for j, p in enumerate(rest)):
                    counts[term] += 1
                    i += len(rest) + 1
                    break
            else:
                if single >= 0:
                    counts[single] += 1
                i += 1
        evidence: dict[str, float] = defaultdict(float)
        for term, count in counts.items():
            # A caption roll-up or an anchor repeating "the storm" should not drown other cues.
            tf = 1.0 + math.log(count)
            for label, weight in self.term_weights[term]:
                evidence[label] += weight * tf
        return evidence


# --------------------------------------------------------------------------- classifier


def _data_root() -> Traversable:
    return files("transforms") / "data"


def _read(source: str | Path | Traversable) -> str:
    if isinstance(source, (str, Path)):
        return Path(source).read_text(encoding="utf-8")
    return source.read_text(encoding="utf-8")


class TopicClassifier:
    """The default TopicModel: keyword lexicons, offline, a few milliseconds per segment."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        lexicons: dict[str, Lexicon],
        min_score: float = MIN_SCORE,
        min_evidence: float = MIN_EVIDENCE,
        max_topics: int = MAX_TOPICS,
    ) -> None:
        if not lexicons:
            raise ValueError("no topic lexicons loaded")
        self.taxonomy = taxonomy
        self.lexicons = lexicons
        self.min_score = min_score
        self.min_evidence = min_evidence
        self.max_topics = max_topics
        self._top = taxonomy.top_level

    @classmethod
    def load(
        cls,
        taxonomy_path: str | None = None,
        lexicon_dir: str | None = None,
        *,
        min_score: float = MIN_SCORE,
        min_evidence: float = MIN_EVIDENCE,
        max_topics: int = MAX_TOPICS,
    ) -> TopicClassifier:
        """Read the taxonomy and every `<language>.txt` lexicon; defaults are the package data.

        Takes well under a second for the four default languages, so a Beam DoFn can
        call it in setup(); the result pickles without its per-process memo.
        """
        root = _data_root()
        taxonomy_source = Path(taxonomy_path) if taxonomy_path else root / "iptc_topics.json"
        taxonomy = Taxonomy.parse(json.loads(_read(taxonomy_source)), str(taxonomy_source))
        directory: Path | Traversable = Path(lexicon_dir) if lexicon_dir else root / "topics"
        files_by_language = {
            entry.name[: -len(".txt")].casefold(): entry
            for entry in directory.iterdir()
            if entry.name.endswith(".txt") and entry.is_file()
        }
        lexicons: dict[str, Lexicon] = {}
        for language in sorted(set(files_by_language) | set(taxonomy.extra_terms)):
            inflections: tuple[str, ...] = ()
            stemmer: str | None = None
            entries: list[tuple[str, float, str]] = []
            if language in files_by_language:
                source = files_by_language[language]
                lexicon_file = read_lexicon(_read(source), f"{directory}/{source.name}")
                inflections, stemmer, entries = lexicon_file.inflections, lexicon_file.stemmer, list(lexicon_file.entries)
            for label, lines in taxonomy.extra_terms.get(language, {}).items():
                for line in lines:
                    entries += [(label, w, t) for w, t in _weighted_terms(line, f"{taxonomy_source}:{label}")]
            resolved: list[LexiconLine] = []
            for section, weight, term in entries:
                label = STOP_SECTION if section == STOP_SECTION else taxonomy.resolve(section)
                if label is None:
                    raise ValueError(f"lexicon {language}: section [{section}] is not a taxonomy label or code")
                resolved.append(LexiconLine(label, weight, term))
            lexicons[language] = Lexicon(language, inflections, resolved, taxonomy, stemmer)
        return cls(taxonomy, lexicons, min_score=min_score, min_evidence=min_evidence, max_topics=max_topics)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self.lexicons))

    def _evidence(self, tokens: list[str], language: str | None) -> dict[str, float]:
        code = (language or "").casefold().replace("_", "-").split("-")[0]
        if code in self.lexicons:
            return self.lexicons[code].evidence(tokens)
        # Unknown or missing language: the lexicon that recognises the most wins,
        # English first on ties since it is the most common source language.
        best: dict[str, float] = {}
        best_total = 0.0
        order = sorted(self.lexicons, key=lambda lang: (lang != FALLBACK_LANGUAGE, lang))
        for lang in order:
            evidence = self.lexicons[lang].evidence(tokens)
            total = sum(v for k, v in evidence.items() if k in self._top)
            if total > best_total:
                best, best_total = evidence, total
        return best

    def scores(self, text: str, language: str | None) -> dict[str, float]:
        """Labels with at least min_evidence and their scores in [0, 1), before min_score.

        A label's score is its evidence over the strongest label's evidence plus a
        "no topic" allowance that grows with the text's length. Against the strongest
        label rather than the sum, so a storm report keeps "disaster" beside "weather"
        instead of the two splitting one share; the allowance keeps one stray keyword
        in a long text low while a dense short sentence scores high.
        """
        tokens = tokenize(text)
        evidence = self._evidence(tokens, language)
        top_level = [v for k, v in evidence.items() if k in self._top]
        if not top_level:
            return {}
        words = sum(1 for t in tokens if not t.isdigit())
        denominator = max(top_level) + BACKGROUND + BACKGROUND_PER_TOKEN * words
        return {label: value / denominator for label, value in evidence.items() if value >= self.min_evidence}

    def classify(self, text: str, language: str | None) -> tuple[Topic, ...]:
        """Topics clearing the threshold, best first; () when the text names no topic."""
        kept = [(score, label) for label, score in self.scores(text, language).items() if score >= self.min_score]
        if not kept:
            return ()
        floor = SECONDARY_MIN_RATIO * max(score for score, _ in kept)
        kept = [(score, label) for score, label in kept if score >= floor]
        # A parent always scores at least its child; on a tie the parent comes first.
        kept.sort(key=lambda item: (-item[0], self.taxonomy.depth(item[1]), item[1]))
        return tuple(Topic(label, round(score, 4)) for score, label in kept[: self.max_topics])


def document_topics(
    segment_topics: Sequence[tuple[tuple[Topic, ...], int]],
    min_score: float = DOCUMENT_MIN_SCORE,
    max_topics: int = MAX_TOPICS,
) -> tuple[Topic, ...]:
    """A document's topics: segment scores averaged by segment length over the segments that have topics.

    Averaging (rather than re-classifying the whole text) keeps a topic that owns
    a fifth of a bulletin, so a storm report followed by oil prices carries both.
    Untagged segments (greetings, hand-overs) are left out so they dilute nothing.
    """
    weighted: dict[str, float] = defaultdict(float)
    total = 0
    for topics, length in segment_topics:
        if not topics or length <= 0:
            continue
        total += length
        for topic in topics:
            weighted[topic.label] += topic.score * length
    if total == 0:
        return ()
    ranked = sorted(((value / total, label) for label, value in weighted.items()), key=lambda x: (-x[0], x[1]))
    return tuple(Topic(label, round(score, 4)) for score, label in ranked if score >= min_score)[:max_topics]
