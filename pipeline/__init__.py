"""Command line, options and wiring of the newsbeam Beam pipeline."""
