"""newsbeam: broadcast and news transcripts into partitioned Parquet, on Apache Beam.

This same file is what ``--setup_file`` ships to Dataflow workers, so every
data file the transforms load at run time is declared as package data.
"""
from setuptools import find_packages, setup

setup(
    name="newsbeam",
    version="0.1.0",
    description="Streaming news-transcript ingestion on Apache Beam: clean, segment, tag, write Parquet.",
    python_requires=">=3.10",
    packages=find_packages(include=["pipeline", "pipeline.*", "transforms", "transforms.*", "schemas", "schemas.*", "samples"]),
    package_data={
        "transforms": ["data/*.json", "data/*.txt", "data/*/*.txt", "data/*/*.json"],
        "schemas": ["contract/*.json"],
        "samples": ["*.txt", "*.srt", "*.vtt", "*.json", "*.gz", "*.md"],
    },
    include_package_data=True,
    install_requires=[
        "apache-beam>=2.77.0,<2.78",
        # The range Beam 2.77 itself accepts.
        "pyarrow>=14.0.1,<26",
        "feedparser>=6.0.11,<7",
        # The HTTP client for feeds and transcripts (imported directly); 2.6+ bounds streamed decompression.
        "urllib3>=2.6,<3",
        # HTML feed content and HTML transcripts to text (stdlib html.parser backend, no C build).
        "beautifulsoup4>=4.12,<5",
        # Safe XML parsing of the podcast namespace that feedparser does not expose in full.
        "defusedxml>=0.7.1,<0.8",
        "langdetect==1.0.9",
        "numpy>=1.24,<3",
    ],
    extras_require={
        # Dataflow, BigQuery and gs:// paths.
        "gcp": ["apache-beam[gcp]>=2.77.0,<2.78"],
        "test": [
            "pytest>=8,<10",
            "duckdb>=1.1,<3",
            "hypothesis>=6.100,<7",
            # Independent caption parsers used as oracles for ours in tests.
            "webvtt-py>=0.5,<0.7",
            "srt>=3.5,<4",
            "ruff>=0.6",
        ],
    },
    entry_points={"console_scripts": ["newsbeam=pipeline.cli:main"]},
)
