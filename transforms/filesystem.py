"""Filesystem helpers shared by the writers, the publisher, the feed state and the CLI, on any Beam filesystem.

Local paths get the POSIX guarantees (fsync, atomic rename); on object stores
(gs://, s3://) an object appears only once its upload completes, which is the
same guarantee for a single file.
"""
from __future__ import annotations

import os
import posixpath
import tempfile

from apache_beam.io.filesystems import FileSystems


def is_local(path: str) -> bool:
    return FileSystems.get_scheme(path) is None


def join(base: str, *parts: str) -> str:
    return os.path.join(base, *parts) if is_local(base) else posixpath.join(base, *parts)


def ensure_dir(path: str) -> None:
    """Create a directory if it is missing; object stores have none, and an existing one is fine."""
    try:
        FileSystems.mkdirs(path)
    except OSError:
        pass


def read_bytes(path: str) -> bytes | None:
    """The file's bytes, or None if it does not exist."""
    if is_local(path):
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path) as handle:
        return handle.read()


def write_atomic(path: str, data: bytes) -> None:
    """Replace a file so readers see the old or the new content, never a torn one.

    Locally: a temp file in the same directory, fsync, rename. On object stores an
    object only appears once its upload completes.
    """
    if not is_local(path):
        with FileSystems.create(path) as handle:
            handle.write(data)
        return
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def delete(path: str) -> None:
    """Delete a file if it exists."""
    if is_local(path):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    elif FileSystems.exists(path):
        FileSystems.delete([path])
