"""Sample transcripts in every supported format, shipped with the package."""
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent
