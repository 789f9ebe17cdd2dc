"""The exception the plain stage functions raise for bad input.

Beam wrappers catch it and turn it into an ErrorRecord on the dead-letter
branch; any other exception escaping a stage function is a bug.
"""
from __future__ import annotations


class InputError(ValueError):
    """Input that cannot become a document, with a short machine-readable type."""

    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
