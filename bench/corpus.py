#!/usr/bin/env python3
"""A seeded generator of broadcast transcripts for the benchmarks: every format, four languages, real artifacts.

`python bench/corpus.py --size 10MB --out DIR --seed 7` writes DIR/transcripts/*
and DIR/corpus.json (what was written); `generate(out_dir, total_bytes, seed)`
does the same from Python. Sizes are decimal (1 MB = 10**6 bytes) and count
the raw transcript bytes the pipeline reads: decompressed for .gz, as encoded
(two bytes a character) for UTF-16. Same seed, same size: the same bytes.

The sentences are real ones (en, de, es, fr) from the lingua test data in
../shared/corpora/lingua-testdata/sentences (Apache-2.0, see its SOURCE.md),
read at generation time and never copied into this repository. Around them
the generator puts what broadcast transcripts carry: speaker labels in CNN
style ("BLITZER:", "ANNA REYES, CNN ANCHOR:"), `>>` speaker changes in
captions, stage cues ((CROSSTALK), (BEGIN VIDEO CLIP), [MUSIC]), spoken cues
("Take a listen."), fillers (um, uh, äh, euh, este), stutters ("the, the"),
web boilerplate lines, italics in captions and roll-up captions that repeat
each previous line. Most transcripts are 5-60 KB, a few are long (to 600 KB).
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

GENERATOR_VERSION = 1  # bump when the output for a seed changes: cached corpora are rebuilt
DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared"
SENTENCES_DIR = Path("corpora") / "lingua-testdata" / "sentences"
MANIFEST = "corpus.json"
TRANSCRIPTS = "transcripts"

LANGUAGE_WEIGHTS = {"en": 0.55, "de": 0.15, "es": 0.15, "fr": 0.15}
# kind -> (weight, file extension); the kinds are the formats and encodings newsbeam reads.
KINDS = {
    "txt": (0.22, "txt"),
    "txt-gz": (0.12, "txt.gz"),
    "txt-utf16": (0.08, "txt"),
    "srt": (0.16, "srt"),
    "vtt": (0.12, "vtt"),
    "vtt-rollup": (0.12, "vtt"),
    "json": (0.18, "json"),
}
# Sizes of one transcript in bytes: most are 5-60 KB (a segment to an hour of
# broadcast), LONG_SHARE of them 60-600 KB (a day of rolling captions).
TYPICAL_MEDIAN, TYPICAL_SIGMA, TYPICAL_RANGE = 18_000, 0.6, (5_000, 60_000)
LONG_SHARE, LONG_RANGE = 0.05, (60_000, 600_000)
MIN_DOCUMENT_BYTES = 1_000
CHARS_PER_SECOND = 15.0  # speech rate, for caption and JSON timings
CAPTION_LINE_CHARS = 32
UPPER_CASE_CAPTIONS = {"en": 0.6}  # US broadcast captions are mostly capitals; elsewhere rarely (0.1)


@dataclass(frozen=True)
class Speaker:
    name: str  # "Anna Reyes"
    role: str | None  # "CNN ANCHOR"
    label: str  # what the transcript writes before the colon: "REYES", "ANNA REYES, CNN ANCHOR"


@dataclass(frozen=True)
class Language:
    people: tuple[str, ...]
    roles: tuple[str, ...]
    generic_labels: tuple[str, ...]
    fillers: tuple[str, ...]  # before a sentence or after a comma
    cues: tuple[str, ...]
    spoken_cues: tuple[str, ...]
    clip: tuple[str, str]
    boilerplate_top: tuple[str, ...]
    boilerplate_bottom: tuple[str, ...]
    titles: tuple[str, ...]


LANGUAGES = {
    "en": Language(
        people=("Wolf Blitzer", "Anna Reyes", "Clare Sebastian", "Jake Tapper", "Dana Bash", "Marcus Holt",
                "Priya Raman", "Tom Foreman", "Elena Ortiz", "John King", "Kaitlan Collins", "Sam Okafor"),
        roles=("CNN ANCHOR", "CNN CORRESPONDENT", "CNN CHIEF POLITICAL CORRESPONDENT", "CNN SENIOR ANALYST",
               "FORMER FBI DEPUTY DIRECTOR", "U.S. SENATOR", "HOST"),
        generic_labels=("UNIDENTIFIED MALE", "UNIDENTIFIED FEMALE", "CROWD"),
        fillers=("um", "uh", "you know", "I mean", "um", "uh"),
        cues=("(CROSSTALK)", "(LAUGHTER)", "[MUSIC]", "(APPLAUSE)", "(INAUDIBLE)", "(COMMERCIAL BREAK)", "[MUSIC PLAYING]"),
        spoken_cues=("Take a listen.", "We'll be right back.", "Let's take a look.", "Stay with us."),
        clip=("(BEGIN VIDEO CLIP)", "(END VIDEO CLIP)"),
        boilerplate_top=("THIS IS A RUSH TRANSCRIPT. THIS COPY MAY NOT BE IN ITS FINAL FORM AND MAY BE UPDATED.",),
        boilerplate_bottom=("Copyright 2024 Cable News Network. All rights reserved.", "Share this article",
                            "Read more", "Sign up for our newsletter", "Advertisement"),
        titles=("Evening Report", "The Situation Room", "Newsroom", "State of the Union", "Morning Briefing"),
    ),
    "de": Language(
        people=("Anna Berger", "Jan Hofmann", "Claudia Weber", "Lukas Schmidt", "Miriam Yilmaz", "Peter Krause"),
        roles=("SPRECHERIN", "REPORTER", "KORRESPONDENTIN", "MODERATOR", "MINISTERIN"),
        generic_labels=("SPRECHERIN", "SPRECHER", "REPORTER"),
        fillers=("äh", "ähm", "äh", "na ja"),
        cues=("[MUSIK]", "[APPLAUS]", "[LACHEN]", "(UNVERSTÄNDLICH)"),
        spoken_cues=("Gleich geht es weiter.", "Bleiben Sie dran.", "Hören wir mal rein."),
        clip=("(BEGIN VIDEO CLIP)", "(END VIDEO CLIP)"),
        boilerplate_top=(),
        boilerplate_bottom=("Artikel teilen", "Mehr lesen", "Anzeige", "Copyright 2024 Norddeutscher Rundfunk. Alle Rechte vorbehalten. All rights reserved."),
        titles=("Tagesthemen", "Nachrichten am Abend", "Das Wetter", "Wirtschaft kompakt"),
    ),
    "es": Language(
        people=("Lucía Fernández", "Carlos Méndez", "Sofía Ramírez", "Javier Torres", "Marta Gil", "Diego Navarro"),
        roles=("PRESENTADORA", "CORRESPONSAL", "PRESENTADOR", "ANALISTA"),
        generic_labels=("PRESENTADORA", "PRESENTADOR", "HOMBRE NO IDENTIFICADO"),
        fillers=("este", "eh", "o sea", "pues", "ehm"),
        cues=("[MÚSICA]", "[APLAUSOS]", "[RISAS]", "(INAUDIBLE)"),
        spoken_cues=("Volvemos enseguida.", "No se vayan.", "Escuchemos."),
        clip=("(BEGIN VIDEO CLIP)", "(END VIDEO CLIP)"),
        boilerplate_top=(),
        boilerplate_bottom=("Compartir este artículo", "Leer más", "Publicidad", "Suscríbete a nuestro boletín"),
        titles=("Noticias de la noche", "Mercados al cierre", "El tiempo", "Edición matinal"),
    ),
    "fr": Language(
        people=("Claire Dubois", "Julien Martin", "Amina Benali", "Paul Lefèvre", "Sophie Laurent", "Marc Girard"),
        roles=("PRÉSENTATRICE", "ENVOYÉ SPÉCIAL", "PRÉSENTATEUR", "JOURNALISTE"),
        generic_labels=("PRÉSENTATRICE", "PRÉSENTATEUR", "JOURNALISTE"),
        fillers=("euh", "euh", "ben", "bah", "tu vois"),
        cues=("[MUSIQUE]", "[APPLAUDISSEMENTS]", "[RIRES]", "(INAUDIBLE)"),
        spoken_cues=("On se retrouve après la pause.", "Restez avec nous.", "Écoutons."),
        clip=("(BEGIN VIDEO CLIP)", "(END VIDEO CLIP)"),
        boilerplate_top=(),
        boilerplate_bottom=("Partager cet article", "Lire aussi", "Publicité", "Abonnez-vous à notre newsletter"),
        titles=("Le journal de 20 heures", "Édition du soir", "La météo", "Le point éco"),
    ),
}

_LOWER_AFTER_FILLER = frozenset(
    "The A An We It This There They He She And But So Der Die Das Wir Es Und Aber Ich "
    "El La Los Las Un Una Y Pero Le Les Une Et Mais Il Elle On Nous Je".split()
)
_FIRST_WORD = re.compile(r"^(\w+)(\s)", re.U)


@dataclass
class Item:
    """One piece of a transcript before rendering: a speaker's turn, a cue paragraph, a clip marker."""

    kind: str  # "turn", "cue"
    text: str = ""
    speaker: Speaker | None = None
    sentences: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CorpusFile:
    path: str  # relative to the corpus directory
    kind: str
    language: str
    bytes: int  # on disk
    raw_bytes: int  # what the pipeline reads: decompressed


def parse_size(text: str) -> int:
    """'10MB', '1GB', '200KB', '1.5 MB' or a number of bytes (decimal units)."""
    m = re.fullmatch(r"\s*([\d.]+)\s*([KMG]?B?)\s*", text.upper())
    if not m:
        raise ValueError(f"not a size: {text!r} (try 200KB, 10MB, 1GB)")
    factor = {"": 1, "B": 1, "K": 10**3, "KB": 10**3, "M": 10**6, "MB": 10**6, "G": 10**9, "GB": 10**9}[m.group(2)]
    return int(float(m.group(1)) * factor)


def format_size(n: int) -> str:
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= factor:
            return f"{n / factor:g}{unit}"
    return f"{n}B"


def load_sentences(shared: Path) -> dict[str, tuple[str, ...]]:
    directory = shared / SENTENCES_DIR
    out = {}
    for code in LANGUAGE_WEIGHTS:
        path = directory / f"{code}.txt"
        if not path.is_file():
            raise FileNotFoundError(f"no lingua sentences at {path} (pass --shared, the folder holding corpora/)")
        out[code] = tuple(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return out


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def document_size(rng: random.Random) -> int:
    if rng.random() < LONG_SHARE:
        lo, hi = LONG_RANGE
        return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))
    lo, hi = TYPICAL_RANGE
    return int(min(hi, max(lo, rng.lognormvariate(math.log(TYPICAL_MEDIAN), TYPICAL_SIGMA))))


class _SentenceSource:
    """Sentences of one language in a per-document shuffled order: no repeats until the pool runs out."""

    def __init__(self, pool: tuple[str, ...], rng: random.Random):
        self.pool, self.rng, self.order, self.i = pool, rng, [], 0

    def next(self) -> str:
        if self.i >= len(self.order):
            self.order, self.i = self.rng.sample(range(len(self.pool)), len(self.pool)), 0
        self.i += 1
        return self.pool[self.order[self.i - 1]]


def _cast(rng: random.Random, lang: Language, style: str) -> list[Speaker]:
    """Two to five speakers, labelled the way one show labels them."""
    people = rng.sample(lang.people, k=min(len(lang.people), rng.randint(2, 5)))
    cast = []
    for i, name in enumerate(people):
        role = rng.choice(lang.roles)
        surname = name.split()[-1].upper()
        if style == "cnn":
            # CNN: the full name and role the first time, the surname after; the anchor by surname only.
            label = surname if i == 0 else f"{name.upper()}, {role}"
        elif style == "role":
            label = lang.generic_labels[i % len(lang.generic_labels)] if i < len(lang.generic_labels) else surname
        else:
            label = name.upper()
        cast.append(Speaker(name, role, label))
    return cast


def _disfluent(rng: random.Random, sentence: str, lang: Language, rate: float) -> str:
    """A sentence as spoken: a filler in front or after a comma, a stuttered first word."""
    r = rng.random()
    if r < rate * 0.5:
        filler = rng.choice(lang.fillers)
        if sentence.split(" ", 1)[0] in _LOWER_AFTER_FILLER:  # "Um, the ...", but "Um, Moscow ..."
            sentence = sentence[:1].lower() + sentence[1:]
        sentence = f"{filler[:1].upper()}{filler[1:]}, {sentence}"
    elif r < rate:
        comma = sentence.find(", ")
        if comma > 0:
            sentence = f"{sentence[:comma + 2]}{rng.choice(lang.fillers)}, {sentence[comma + 2:]}"
    if rng.random() < rate * 0.4:
        m = _FIRST_WORD.match(sentence)
        if m and len(m.group(1)) <= 6:
            sentence = f"{m.group(1)}, {m.group(1).lower()}{sentence[m.end(1):]}"
    return sentence


def build_items(rng: random.Random, code: str, sentences: tuple[str, ...], target_chars: int) -> tuple[list[Item], list[Speaker]]:
    """Turns, cues and clips until the content reaches `target_chars` characters."""
    lang = LANGUAGES[code]
    source = _SentenceSource(sentences, rng)
    cast = _cast(rng, lang, rng.choice(("cnn", "cnn", "role", "full")))
    disfluency = rng.uniform(0.05, 0.35)
    items: list[Item] = []
    chars = 0
    previous = None
    while chars < target_chars:
        r = rng.random()
        if r < 0.05 and items:
            items.append(Item("cue", rng.choice(lang.cues)))
            chars += 12
            continue
        if r < 0.08 and items:
            # A played clip: its own speaker, between clip markers.
            begin, end = lang.clip
            clip_speaker = Speaker("", None, rng.choice(lang.generic_labels))
            clip = [_disfluent(rng, source.next(), lang, disfluency) for _ in range(rng.randint(1, 3))]
            items += [Item("cue", begin), Item("turn", speaker=clip_speaker, sentences=clip), Item("cue", end)]
            chars += sum(map(len, clip)) + 40
            continue
        candidates = [s for s in cast if s is not previous] or cast
        speaker = cast[0] if previous is not cast[0] and rng.random() < 0.5 else rng.choice(candidates)
        previous = speaker
        turn = [_disfluent(rng, source.next(), lang, disfluency) for _ in range(max(1, int(rng.expovariate(1 / 4))))]
        if rng.random() < 0.06:
            turn.append(rng.choice(lang.spoken_cues))
        if rng.random() < 0.04:
            turn.insert(rng.randrange(len(turn) + 1), rng.choice(lang.cues))
        items.append(Item("turn", speaker=speaker, sentences=turn))
        chars += sum(len(s) + 1 for s in turn) + len(speaker.label) + 4
    return items, cast


def render_txt(rng: random.Random, code: str, items: list[Item]) -> str:
    """A studio transcript: title, rush-transcript notice, 'LABEL: text' paragraphs, web boilerplate."""
    lang = LANGUAGES[code]
    labelled = rng.random() < 0.85  # some transcripts (like the seed) carry no labels at all
    parts = [rng.choice(lang.titles)]
    if lang.boilerplate_top and rng.random() < 0.5:
        parts += list(lang.boilerplate_top)
    for item in items:
        if item.kind == "cue":
            parts.append(item.text)
        elif labelled:
            parts.append(f"{item.speaker.label}: {' '.join(item.sentences)}")
        else:
            parts.append(" ".join(item.sentences))
    if rng.random() < 0.6:
        parts += rng.sample(lang.boilerplate_bottom, k=rng.randint(1, 2))
    return "\n\n".join(parts) + "\n"


def _caption_lines(rng: random.Random, items: list[Item], upper: bool) -> list[tuple[str, bool]]:
    """(line, starts a new speaker) in reading order, wrapped at CAPTION_LINE_CHARS."""
    lines: list[tuple[str, bool]] = []
    for item in items:
        if item.kind == "cue":
            lines.append((item.text.upper() if upper else item.text, False))
            continue
        words = " ".join(item.sentences).split()
        if rng.random() < 0.3:
            words = [f"{item.speaker.label}:"] + words
        line, first = ">>", True
        for word in words:
            if upper:
                word = word.upper()
            if len(line) + 1 + len(word) > CAPTION_LINE_CHARS and line not in ("", ">>"):
                lines.append((line, first))
                line, first = "", False
            line = f"{line} {word}" if line else word
        if line:
            lines.append((line, first))
    return lines


def _stamp(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def render_captions(rng: random.Random, code: str, items: list[Item], fmt: str, rollup: bool) -> str:
    """SRT or WebVTT pop-on captions (two lines a cue), or WebVTT roll-up captions (each cue repeats the last line)."""
    upper = rng.random() < UPPER_CASE_CAPTIONS.get(code, 0.1)
    lines = _caption_lines(rng, items, upper)
    sep = "," if fmt == "srt" else "."
    settings = " align:start position:0%" if fmt == "vtt" and (rollup or rng.random() < 0.3) else ""
    cues: list[str] = []
    clock = rng.uniform(0, 5)
    step = 1 if rollup else 2
    previous = None
    for i in range(0, len(lines), step):
        shown = [line for line, _ in lines[i:i + step]]
        if rng.random() < 0.03 and not upper:
            shown[-1] = f"<i>{shown[-1]}</i>"
        duration = max(1.0, sum(map(len, shown)) / CHARS_PER_SECOND)
        if rollup and previous is not None:
            shown = [previous, *shown]
        previous = shown[-1]
        timing = f"{_stamp(clock, sep)} --> {_stamp(clock + duration, sep)}{settings}"
        number = f"{len(cues) + 1}\n" if fmt == "srt" else ""
        cues.append(f"{number}{timing}\n" + "\n".join(shown))
        clock += duration + (0.0 if rollup else rng.choice((0.0, 0.04, 0.1)))
    if fmt == "srt":
        return "\n\n".join(cues) + "\n"
    return f"WEBVTT\nKind: captions\nLanguage: {code}\n\n" + "\n\n".join(cues) + "\n"


def render_json(rng: random.Random, items: list[Item], cast: list[Speaker]) -> str:
    """A Podcasting 2.0 JSON transcript: a segment per one or two sentences, with speaker and times."""
    segments = []
    clock = 0.0
    for item in items:
        if item.kind == "cue":
            pieces, speaker = [item.text], None
        else:
            speaker = item.speaker.name or None
            pieces = []
            sentences = list(item.sentences)
            while sentences:
                n = rng.choice((1, 1, 2))
                pieces.append(" ".join(sentences[:n]))
                sentences = sentences[n:]
        for body in pieces:
            duration = round(max(0.5, len(body) / CHARS_PER_SECOND), 2)
            segment = {"startTime": round(clock, 2), "endTime": round(clock + duration, 2), "body": body}
            if speaker:
                segment = {"speaker": speaker, **segment}
            segments.append(segment)
            clock += duration
    return json.dumps({"version": "1.0.0", "segments": segments}, ensure_ascii=False, indent=1)


# Rendered bytes per content character, to size a document before rendering it.
# Roll-up captions carry about four bytes per character of speech: every line twice, a timing line per line.
_OVERHEAD = {"txt": 1.03, "txt-gz": 1.03, "txt-utf16": 2.1, "srt": 1.62, "vtt": 1.67, "vtt-rollup": 4.1, "json": 1.7}


def render(rng: random.Random, kind: str, code: str, items: list[Item], cast: list[Speaker]) -> bytes:
    """The file's bytes as written to disk (gzip with a zero mtime, so output is byte-for-byte reproducible)."""
    if kind in ("txt", "txt-gz", "txt-utf16"):
        text = render_txt(rng, code, items)
    elif kind == "json":
        text = render_json(rng, items, cast)
    else:
        text = render_captions(rng, code, items, "srt" if kind == "srt" else "vtt", rollup=kind == "vtt-rollup")
    if kind == "txt-utf16":
        return text.encode("utf-16")  # with a byte-order mark
    data = text.encode("utf-8")
    return gzip.compress(data, compresslevel=6, mtime=0) if kind == "txt-gz" else data


def generate(out_dir: str | Path, total_bytes: int, seed: int = 7, shared: str | Path | None = None) -> dict:
    """Write transcripts totalling about `total_bytes` raw bytes under out_dir/transcripts; return the manifest.

    An existing corpus with the same size, seed and generator version is kept
    as it is (benchmarks reuse their corpora); anything else in out_dir/transcripts is replaced.
    """
    out = Path(out_dir)
    manifest_path = out / MANIFEST
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if (manifest.get("seed"), manifest.get("requested_bytes"), manifest.get("generator_version")) == (
            seed, total_bytes, GENERATOR_VERSION
        ) and len(list((out / TRANSCRIPTS).iterdir())) == len(manifest["files"]):
            return manifest
        manifest_path.unlink()
    sentences = load_sentences(Path(shared) if shared else DEFAULT_SHARED)
    directory = out / TRANSCRIPTS
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.iterdir():
        old.unlink()
    rng = random.Random(seed)
    kind_weights = {k: w for k, (w, _) in KINDS.items()}
    files: list[CorpusFile] = []
    written = 0
    while written < total_bytes:
        remaining = total_bytes - written
        size = document_size(rng)
        if remaining - size < MIN_DOCUMENT_BYTES:
            size = max(remaining, MIN_DOCUMENT_BYTES)
        if len(files) < len(KINDS):  # every kind and language in the first few, however small the corpus
            code, kind = list(LANGUAGE_WEIGHTS)[len(files) % len(LANGUAGE_WEIGHTS)], list(KINDS)[len(files)]
        else:
            code, kind = _pick(rng, LANGUAGE_WEIGHTS), _pick(rng, kind_weights)
        items, cast = build_items(rng, code, sentences[code], int(size / _OVERHEAD[kind]))
        data = render(rng, kind, code, items, cast)
        name = f"{len(files):06d}-{code}-{kind}.{KINDS[kind][1]}"
        (directory / name).write_bytes(data)
        raw = len(gzip.decompress(data)) if kind == "txt-gz" else len(data)
        files.append(CorpusFile(f"{TRANSCRIPTS}/{name}", kind, code, len(data), raw))
        written += raw
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "requested_bytes": total_bytes,
        "raw_bytes": written,
        "disk_bytes": sum(f.bytes for f in files),
        "documents": len(files),
        "by_kind": _totals(files, "kind"),
        "by_language": _totals(files, "language"),
        "files": [asdict(f) for f in files],
    }
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def _totals(files: list[CorpusFile], key: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for f in files:
        entry = out.setdefault(getattr(f, key), {"documents": 0, "raw_bytes": 0})
        entry["documents"] += 1
        entry["raw_bytes"] += f.raw_bytes
    return dict(sorted(out.items()))


def input_glob(out_dir: str | Path) -> str:
    """The --input pattern for `newsbeam run` that matches every transcript of a corpus."""
    return str(Path(out_dir) / TRANSCRIPTS / "*")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="10MB", help="raw transcript bytes in all (200KB, 10MB, 1GB; decimal units)")
    parser.add_argument("--out", required=True, type=Path, help="corpus directory (transcripts/ and corpus.json)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the folder holding corpora/lingua-testdata")
    args = parser.parse_args(argv)
    try:
        total = parse_size(args.size)
        manifest = generate(args.out, total, args.seed, args.shared)
    except (ValueError, FileNotFoundError) as exc:
        parser.error(str(exc))
    sizes = sorted(f["raw_bytes"] for f in manifest["files"])
    print(
        f"{manifest['documents']} transcripts, {manifest['raw_bytes'] / 1e6:.2f} MB raw "
        f"({manifest['disk_bytes'] / 1e6:.2f} MB on disk), seed {manifest['seed']}: {input_glob(args.out)}"
    )
    print(f"  sizes: median {sizes[len(sizes) // 2] / 1e3:.1f} KB, max {sizes[-1] / 1e3:.1f} KB")
    for key in ("by_kind", "by_language"):
        print("  " + ", ".join(f"{k} {v['documents']}" for k, v in manifest[key].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
