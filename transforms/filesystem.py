"""Filesystem helpers shared by the writers, the publisher and the CLI, on any Beam filesystem."""
from __future__ import annotations

from apache_beam.io.filesystems import FileSystems


def ensure_dir(path: str) -> None:
    """Create a directory if it is missing; object stores have none, and an existing one is fine."""
    try:
        FileSystems.mkdirs(path)
    except OSError:
        pass
