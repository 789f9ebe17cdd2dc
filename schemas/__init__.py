"""Record types and table schemas: the single source of truth for every column."""
