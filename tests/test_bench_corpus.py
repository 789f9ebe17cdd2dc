"""The benchmark corpus generator: reproducible for a seed, every format, and all of it ingestible."""
from __future__ import annotations

import gzip
import importlib.util
import json
import sys

import pytest

from tests.conftest import REPO, SHARED, run_cli

# bench/ is not a package: load bench/corpus.py by its path.
_spec = importlib.util.spec_from_file_location("bench_corpus", REPO / "bench" / "corpus.py")
corpus = importlib.util.module_from_spec(_spec)
sys.modules["bench_corpus"] = corpus  # dataclasses look their module up
_spec.loader.exec_module(corpus)

SIZE = 200_000
pytestmark = pytest.mark.skipif(
    not (SHARED / corpus.SENTENCES_DIR).is_dir(), reason="../shared/corpora/lingua-testdata is not present"
)


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    return out, corpus.generate(out, SIZE, seed=7, shared=SHARED)


def _files(directory):
    return {p.name: p.read_bytes() for p in sorted((directory / corpus.TRANSCRIPTS).iterdir())}


def test_same_seed_same_bytes_other_seed_other_bytes(small_corpus, tmp_path):
    out, _ = small_corpus
    again = corpus.generate(tmp_path / "again", SIZE, seed=7, shared=SHARED)
    assert _files(tmp_path / "again") == _files(out)
    assert again == json.loads((out / corpus.MANIFEST).read_text(encoding="utf-8"))
    corpus.generate(tmp_path / "other", SIZE, seed=8, shared=SHARED)
    assert _files(tmp_path / "other") != _files(out)


def test_every_kind_and_language_and_the_size(small_corpus):
    out, manifest = small_corpus
    assert {f["kind"] for f in manifest["files"]} == set(corpus.KINDS)
    assert {f["language"] for f in manifest["files"]} == set(corpus.LANGUAGE_WEIGHTS)
    assert SIZE <= manifest["raw_bytes"] < SIZE + corpus.LONG_RANGE[1]
    files = _files(out)
    for f in manifest["files"]:
        data = files[f["path"].split("/")[-1]]
        if f["kind"] == "txt-gz":
            data = gzip.decompress(data)
        assert len(data) == f["raw_bytes"]
        if f["kind"] == "txt-utf16":
            assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
        text = data.decode("utf-16" if f["kind"] == "txt-utf16" else "utf-8")
        assert {"srt": "-->", "vtt": "WEBVTT", "vtt-rollup": "WEBVTT", "json": '"segments"'}.get(f["kind"], "\n\n") in text


def test_every_generated_file_becomes_a_document(small_corpus, tmp_path):
    out, manifest = small_corpus
    result = run_cli("run", "--input", corpus.input_glob(out), "--output", str(tmp_path / "out"), "--date", "2026-01-01")
    assert result.returncode == 0, result.stderr
    (run,) = (tmp_path / "out" / "_runs").glob("*.json")
    counts = json.loads(run.read_text())["counts"]
    assert counts["documents"] == manifest["documents"]
    assert counts["errors"] == 0
    assert counts["segments"] > manifest["documents"]
