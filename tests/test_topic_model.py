"""The trainable linear topic model: training, thresholds, persistence, CLI and use in a run."""
import csv
import json

import duckdb
import pytest

from tests.conftest import run_cli
from transforms.topic_model import LinearTopicModel, read_labelled_csv, train_linear_model

WEATHER = [
    "Heavy rain and strong winds are forecast for the coast tonight with flooding likely.",
    "The storm brought snow and freezing temperatures across the north of the country.",
    "Forecasters expect a heatwave with temperatures above forty degrees this weekend.",
    "A hurricane warning is in force as winds reach ninety miles per hour offshore.",
    "Thunderstorms and hail will move east overnight, the weather service said.",
    "Drought conditions continue as rainfall stays far below the seasonal average.",
]
SPORT = [
    "The striker scored twice as the home team won the league match three goals to one.",
    "She won the tennis final in straight sets to claim her first grand slam title.",
    "The coach named his squad for the world cup qualifier against the champions.",
    "A late penalty gave the visitors victory in the cup semi final on Saturday.",
    "The marathon runner set a new course record in the championship race.",
    "The club signed the midfielder on a four year contract before the season.",
]
ECONOMY = [
    "Shares fell sharply as investors worried about interest rates and inflation.",
    "The central bank raised interest rates to curb inflation, the governor said.",
    "The company reported record profits and announced a dividend for shareholders.",
    "Unemployment fell to its lowest level in a decade as the economy grew.",
    "Oil prices climbed after producers agreed to cut output, lifting energy stocks.",
    "The budget deficit widened as tax revenue fell and government spending rose.",
]
EXAMPLES = [(t, "weather") for t in WEATHER] + [(t, "sport") for t in SPORT] + [(t, "economy, business and finance") for t in ECONOMY]


def test_trained_model_labels_unseen_text_and_abstains_on_small_talk():
    model = train_linear_model(EXAMPLES, min_count=1)
    assert model.classify("Strong winds and heavy rain caused flooding on the coast overnight.", "en")[0].label == "weather"
    assert model.classify("The team won the match after the striker scored a late penalty.", "en")[0].label == "sport"
    assert model.classify("Investors sold shares as the bank raised interest rates again.", "en")[0].label == "economy, business and finance"
    assert model.classify("Good evening.", "en") == ()
    topics = model.classify("Heavy rain and winds hit the coast as temperatures fell.", "en")
    assert all(0 <= t.score <= 1 for t in topics) and [t.score for t in topics] == sorted((t.score for t in topics), reverse=True)


def test_model_round_trips_through_json():
    model = train_linear_model(EXAMPLES, min_count=1)
    again = LinearTopicModel.from_json(model.to_json())
    text = "The central bank raised interest rates as inflation rose."
    assert again.classify(text, "en") == model.classify(text, "en")
    with pytest.raises(ValueError):
        LinearTopicModel.from_json('{"kind": "something else"}')


def test_training_needs_two_labels_and_known_labels():
    with pytest.raises(ValueError):
        train_linear_model([(t, "weather") for t in WEATHER])
    data = "text,label\nIt rained.,meteo\n,sport\n"
    with pytest.raises(ValueError, match="meteo"):
        read_labelled_csv(data, "text", "label", None, {"weather", "sport"})
    examples, skipped = read_labelled_csv(data, "text", "label", {"METEO": "weather"}, {"weather", "sport"})
    assert examples == [("It rained.", "weather")] and skipped == 1


def test_train_topics_cli_and_run_with_the_model(tmp_path):
    labelled = tmp_path / "labelled.csv"
    with open(labelled, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["body", "category"])
        for text, label in EXAMPLES:
            writer.writerow([text, {"economy, business and finance": "business"}.get(label, label)])
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"business": "economy, business and finance"}))
    model = tmp_path / "model.json"
    result = run_cli(
        "train-topics", f"--input={labelled}", f"--output={model}", "--text-column=body",
        "--label-column=category", f"--label-map={mapping}", "--min-count=1",
    )
    assert result.returncode == 0, result.stderr
    assert "18 examples" in result.stdout and "3 labels" in result.stdout
    (tmp_path / "in.txt").write_text(
        "REPORTER: The striker scored twice and the team won the cup final. The coach praised the squad after the match."
    )
    out = tmp_path / "out"
    result = run_cli("run", f"--input={tmp_path}/in.txt", f"--output={out}", f"--topic-model={model}")
    assert result.returncode == 0, result.stderr[-2000:]
    (topic,) = duckdb.execute(f"select topic from read_parquet('{out}/documents/**/*.parquet')").fetchone()
    assert topic == "sport"
    bad = run_cli("run", f"--input={tmp_path}/in.txt", f"--output={out}", f"--topic-model={labelled}")
    assert bad.returncode == 2 and "--topic-model" in bad.stderr
