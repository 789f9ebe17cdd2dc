"""Stable document ids."""
from __future__ import annotations

import hashlib


def doc_id_for(source_kind: str, identity: str) -> str:
    """Stable id: the same source gives the same id on every run and runner."""
    return hashlib.sha256(f"{source_kind}:{identity}".encode()).hexdigest()[:32]
