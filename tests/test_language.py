"""Language tagger: determinism, clear cases, priors, restrictions, early stopping, faithfulness to langdetect, the devset."""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from transforms import language
from transforms.language import UND, LanguageGuess, LanguageTagger

SHARED = Path(os.environ.get("NEWSBEAM_SHARED", Path(__file__).resolve().parents[2] / "shared"))
LINGUA = SHARED / "corpora" / "lingua-testdata"
DEVSET = SHARED / "devset"

PARAGRAPHS = {
    "en": "The city council met on Tuesday evening to discuss the new budget, and several "
    "residents asked why the library would close earlier during the winter months.",
    "de": "Der Stadtrat hat am Dienstagabend über den neuen Haushalt beraten, und mehrere "
    "Bürger wollten wissen, warum die Bibliothek im Winter früher schließen soll.",
    "es": "El ayuntamiento se reunió el martes por la noche para debatir el nuevo presupuesto "
    "y varios vecinos preguntaron por qué la biblioteca cerrará antes durante el invierno.",
    "fr": "Le conseil municipal s'est réuni mardi soir pour discuter du nouveau budget, et "
    "plusieurs habitants ont demandé pourquoi la bibliothèque fermera plus tôt cet hiver.",
    "ru": "Городской совет собрался во вторник вечером, чтобы обсудить новый бюджет, и "
    "несколько жителей спросили, почему библиотека зимой будет закрываться раньше.",
    "zh-cn": "市议会星期二晚上开会讨论新的预算，几位居民询问为什么图书馆在冬季要提前关门。"
    "议员们表示，这是为了节省开支，但是他们会继续听取市民的意见。",
    "ja": "市議会は火曜日の夜に新しい予算について話し合い、何人かの住民は冬の間に図書館が"
    "早く閉まる理由を尋ねました。議員たちは経費を節約するためだと説明しました。",
}
CODE_SWITCH = "Wir schaffen das, sagte die Kanzlerin am Montag in Berlin."
TRICKY = [
    "",
    "NASA and the USA said so.",
    "McDonald's ÉCOLE Ünïcode",
    "東京Tokyo大学 は ABC です",
    "Tiếng Việt có dấu",
    "Tie\u0301ng Vie\u0323t",  # combining marks that langdetect composes
    "write to a@b.com or see http://example.org/x?y=1 today",
    "  leading   and trailing   spaces  ",
    "a\u2019s «quoted» “text” — dash…",
    "emoji 😀 and 𝐀𝐁 bold letters",
    "Ｆｕｌｌwidth ＡＢＣ",
    "数字123と、句読点。",
    "nul\x00inside",
    "Ünïcode ŞţĂ ț ș",
]


@pytest.fixture(scope="module")
def tagger() -> LanguageTagger:
    return LanguageTagger()


def lingua_lines(kind: str, per_language: int, min_chars: int = 0) -> list[str]:
    """First lines of every lingua file of a language langdetect knows."""
    if not (LINGUA / kind).is_dir():
        pytest.skip(f"shared lingua test data not present at {LINGUA}")
    known = set(language.available_languages())
    lines: list[str] = []
    for path in sorted((LINGUA / kind).glob("*.txt")):
        if {"zh": "zh-cn", "nb": "no"}.get(path.stem, path.stem) not in known:
            continue
        usable = [t for t in path.read_text(encoding="utf-8").splitlines() if len(t) >= min_chars]
        lines += usable[:per_language]
    return lines


def test_same_text_same_answer_across_calls_taggers_and_pickling(tagger):
    texts = [*PARAGRAPHS.values(), "Yes.", "OK, thanks", CODE_SWITCH, *TRICKY]
    first = [tagger.detect(t) for t in texts]
    assert [tagger.detect(t) for t in texts] == first
    assert tagger.detect_many(texts) == first
    assert LanguageTagger().detect_many(texts) == first
    restored = pickle.loads(pickle.dumps(tagger))
    assert restored.languages == tagger.languages
    assert restored.detect_many(texts) == first


def test_a_texts_score_does_not_depend_on_its_batch(tagger):
    texts = [*PARAGRAPHS.values(), CODE_SWITCH, "Yes.", PARAGRAPHS["en"] * 40]
    alone = [tagger.detect(t) for t in texts]
    together = tagger.detect_many(texts)
    shuffled = tagger.detect_many(texts[::-1])[::-1]
    assert together == alone == shuffled  # bit-equal scores, not just the same labels


def test_empty_batch(tagger):
    assert tagger.detect_many([]) == []
    assert tagger.detect_many([], []) == []


def test_chunking_of_large_batches_changes_nothing(tagger, monkeypatch):
    texts = [*PARAGRAPHS.values(), CODE_SWITCH, "Yes."] * 5
    expected = tagger.detect_many(texts)
    monkeypatch.setattr(language, "_CHUNK_CHARS", 300)
    assert tagger.detect_many(texts) == expected


@pytest.mark.parametrize("code", sorted(PARAGRAPHS))
def test_clear_paragraphs(tagger, code):
    guess = tagger.detect(PARAGRAPHS[code])
    assert guess.language == code
    assert guess.score > 0.9


@pytest.mark.parametrize("text", ["", "123 456", "...", "!!", "   ", "12:30, 14:45", "😀 👍", "OK"])
def test_too_little_to_judge_is_und(tagger, text):
    assert tagger.detect(text) == LanguageGuess(UND, 0.0)
    assert tagger.detect(text, prior="en") == LanguageGuess(UND, 0.0)


@pytest.mark.parametrize("text", ["Yes.", "OK, thanks"])
@pytest.mark.parametrize("prior", ["de", "en"])
def test_short_segments_inherit_the_document_language(tagger, text, prior):
    assert tagger.detect(text, prior=prior).language == prior


def test_a_quoted_sentence_overrides_the_prior(tagger):
    guess = tagger.detect(CODE_SWITCH, prior="en")
    assert guess.language == "de"
    assert guess.score > 0.5
    # The prior still raises the document language's share of the posterior.
    assert guess.score < tagger.detect(CODE_SWITCH).score


def test_unknown_priors_are_ignored(tagger):
    plain = tagger.detect("Yes.")
    assert tagger.detect("Yes.", prior=UND) == plain
    assert tagger.detect("Yes.", prior="xx") == plain
    assert tagger.detect_many(["Yes.", "Ja."], [None, None]) == tagger.detect_many(["Yes.", "Ja."])
    with pytest.raises(ValueError):
        tagger.detect_many(["Yes.", "Ja."], ["en"])


def test_language_restriction():
    restricted = LanguageTagger(["en", "DE "])
    assert restricted.languages == ("de", "en")
    assert LanguageTagger("en,de").languages == ("de", "en")
    assert restricted.detect(PARAGRAPHS["de"]).language == "de"
    assert restricted.detect(PARAGRAPHS["en"]).language == "en"
    for text in (PARAGRAPHS["fr"], PARAGRAPHS["ja"]):
        assert restricted.detect(text).language in {"en", "de", UND}
    assert pickle.loads(pickle.dumps(restricted)).languages == ("de", "en")


@pytest.mark.parametrize("languages", [["en", "klingon"], ["english"], ["zh"], []])
def test_unknown_language_codes_are_refused(languages):
    with pytest.raises(ValueError, match="unknown language|at least one"):
        LanguageTagger(languages)


def test_scores_are_probabilities(tagger):
    texts = [*PARAGRAPHS.values(), *TRICKY, "Yes.", "a", "ab cd", "zzzz qqqq"]
    for prior in (None, "en", "ja"):
        for guess in tagger.detect_many(texts, [prior] * len(texts)):
            assert 0.0 <= guess.score <= 1.0
            assert (guess.language == UND) == (guess.score == 0.0)
            assert guess.language == UND or guess.language in tagger.languages


def test_module_is_beam_free():
    source = Path(language.__file__).read_text(encoding="utf-8")
    assert "apache_beam" not in source


def _langdetect_sums(tagger: LanguageTagger, texts: list[str]) -> np.ndarray:
    """Sum of the tagger's per-n-gram scores over the n-grams langdetect itself extracts."""
    import langdetect.detector_factory as factory_module

    factory_module.init_factory()
    factory = factory_module._factory
    order = [factory.langlist.index(code) for code in tagger.languages]
    epsilon = language.ALPHA / language.BASE_FREQ
    sums = np.zeros((len(texts), len(order)))
    for i, text in enumerate(texts):
        detector = factory.create()
        detector.append(text)
        detector.cleaning_text()
        for gram in detector._extract_ngrams():
            probs = np.asarray(factory.word_lang_prob_map[gram])[order]
            probs = np.where(probs >= language.MIN_PROFILE_FREQ, probs, 0.0)  # the tagger's pruning
            weight = language.TRIGRAM_WEIGHT if len(gram) == 3 else 1.0
            sums[i] += weight * np.log1p(probs / epsilon)
    return sums


def test_ngrams_are_exactly_langdetects(tagger, monkeypatch):
    # With langdetect's own Latin-stripping threshold the tagger must see the
    # very n-grams langdetect extracts, so its sums (over all n-grams: no early
    # stopping in log_likelihoods) equal ours up to float32.
    monkeypatch.setattr(language, "_LATIN_STRIP_RATIO", 0.5)
    texts = [*PARAGRAPHS.values(), CODE_SWITCH, *TRICKY, "Ab", "ABC def", "x  y"]
    if (LINGUA / "word-pairs").is_dir():
        texts += lingua_lines("word-pairs", 2) + lingua_lines("sentences", 1)
    got, _ = tagger.log_likelihoods(texts)
    want = _langdetect_sums(tagger, texts)
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-3)


def test_agrees_with_langdetect_on_sentences(tagger):
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    lines = lingua_lines("sentences", per_language=4, min_chars=80)[:200]
    assert len(lines) == 200
    DetectorFactory.seed = 0
    reference = []
    for line in lines:
        try:
            reference.append(detect(line))
        except LangDetectException:
            reference.append(UND)
    ours = [g.language for g in tagger.detect_many(lines)]
    agreement = np.mean([a == b for a, b in zip(ours, reference, strict=True)])
    assert agreement >= 0.95, f"agreement with langdetect {agreement:.1%}"


def test_profiles_are_cut_at_one_depth(tagger):
    # Korean's profile keeps Han bigrams ten times rarer than Chinese's does;
    # uncut, they alone made this short Chinese sentence Korean.
    assert language.MIN_PROFILE_FREQ > 0
    assert tagger.detect("我们一定要坚持反复地看这些文件。").language == "zh-cn"


def test_early_stopping_keeps_the_answers_of_all_ngrams(tagger):
    # The first look decides only when the rest could not overturn it: the
    # languages equal those of scoring every n-gram (with and without a prior).
    lines = lingua_lines("sentences", per_language=3, min_chars=60)
    texts = lines + [" ".join(lines[i : i + 4]) for i in range(0, len(lines), 4)]
    loglik, judged = tagger.log_likelihoods(texts)
    full = [tagger.languages[i] if ok else UND for i, ok in zip(loglik.argmax(axis=1).tolist(), judged, strict=True)]
    assert [g.language for g in tagger.detect_many(texts)] == full
    for prior in ("en", "ru"):
        z = loglik / language.TEMPERATURE
        z[:, tagger.languages.index(prior)] += language.PRIOR_LOG_ODDS
        with_prior = [tagger.languages[i] if ok else UND for i, ok in zip(z.argmax(axis=1).tolist(), judged, strict=True)]
        assert [g.language for g in tagger.detect_many(texts, [prior] * len(texts))] == with_prior


def test_early_stopping_reads_a_sample_of_the_whole_text(tagger):
    # The sample is spread over the text: an English lead-in does not decide a
    # German article, which is decided on the sample alone (its evidence
    # falls short of all n-grams') with a clear score.
    text = PARAGRAPHS["en"] + " " + PARAGRAPHS["de"] * 6
    guess = tagger.detect(text)
    assert guess.language == "de"
    assert guess.score > 0.99
    sample, _ = tagger._evidence([text], None, early=True)
    everything, _ = tagger.log_likelihoods([text])
    assert (sample <= everything).all() and (sample < everything).any()


def test_early_stopping_does_not_depend_on_the_batch(tagger):
    # Long texts (a wider sample stride) and short ones in one chunk, or alone.
    texts = [PARAGRAPHS["ru"] * 30, *PARAGRAPHS.values(), "Yes.", CODE_SWITCH, PARAGRAPHS["ja"] * 12]
    priors = ["ru", None, "de", "en", None, "fr", None, None, "en", "en", "ja"]
    alone = [tagger.detect(t, p) for t, p in zip(texts, priors, strict=True)]
    assert tagger.detect_many(texts, priors) == alone
    assert tagger.detect_many(texts[::-1], priors[::-1])[::-1] == alone


@pytest.mark.skipif(not (DEVSET / "expected.json").is_file(), reason=f"shared devset not present at {DEVSET}")
def test_devset_documents_get_their_expected_language(tagger):
    expected = json.loads((DEVSET / "expected.json").read_text(encoding="utf-8"))
    assert expected
    for name, facts in expected.items():
        raw = subprocess.run(
            [sys.executable, str(SHARED / "tools" / "score_cleaning.py"), "--raw", str(DEVSET / name)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=True,
        ).stdout
        guess = tagger.detect(raw)
        assert guess.language == facts["language"], name
        # Its lines of a few words, as segments with the document's language
        # as prior, keep it (all-capital captions included).
        lines = [line for line in raw.splitlines() if sum(word.isalpha() for word in line.split()) >= 3]
        assert lines, name
        tags = {g.language for g in tagger.detect_many(lines, [guess.language] * len(lines))}
        assert tags == {facts["language"]}, name


def test_all_capital_text_is_read_as_its_language_not_as_english():
    tagger = LanguageTagger()
    for text, expected in (
        ("BONJOUR À TOUS, LE CONSEIL MUNICIPAL A VOTÉ LE BUDGET CE SOIR APRÈS UN LONG DÉBAT.", "fr"),
        ("EL GOBIERNO ANUNCIÓ HOY NUEVAS MEDIDAS PARA LA ECONOMÍA DEL PAÍS.", "es"),
        ("DIE REGIERUNG HAT HEUTE NEUE MASSNAHMEN FÜR DIE WIRTSCHAFT ANGEKÜNDIGT.", "de"),
        (">> GOOD EVENING. A POWERFUL STORM HIT THE COAST TODAY.", "en"),
    ):
        assert tagger.detect(text).language == expected, text
