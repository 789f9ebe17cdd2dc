"""Command line, options and wiring of the newsbeam Beam pipeline."""
import logging


class _DropBeamOptionalGcpWarning(logging.Filter):
    """Beam warns at import time that its optional GCP clients are missing.

    newsbeam does not use them unless installed with the [gcp] extra, so
    the warning only misleads users of local runs; every other record passes.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("apitools not found")


logging.getLogger().addFilter(_DropBeamOptionalGcpWarning())
