# newsbeam: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUTPUT ?= output
SHARED ?= ../shared
SAMPLES := --input 'samples/*.txt' --input 'samples/*.srt' --input 'samples/*.vtt' \
           --input 'samples/*.json' --input 'samples/*.gz'

.PHONY: run test eval bench lint clean

$(STAMP): setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: install into .venv and ingest the bundled samples into ./output
run: $(STAMP)
	$(BIN)/newsbeam run $(SAMPLES) --output $(OUTPUT)

## test: the whole test suite (never touches the network)
test: $(STAMP)
	$(BIN)/python -m pytest -q tests

## eval: cleaning, language and topic quality on ../shared
eval: $(STAMP)
	$(BIN)/python tools/eval_cleaning.py --shared $(SHARED)
	$(BIN)/python tools/eval_language.py --shared $(SHARED)
	$(BIN)/python tools/eval_topics.py --shared $(SHARED)
	$(BIN)/python tools/eval_segmentation.py --shared $(SHARED)

## bench: throughput and memory figures into bench/results.json (10 MB and 100 MB corpora;
## BENCH_ARGS=--full adds the 1 GB case, BENCH_ARGS='--only pipeline --sizes 10MB' a quick look)
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check pipeline transforms schemas tests tools bench deploy

clean:
	rm -rf $(OUTPUT) build *.egg-info
