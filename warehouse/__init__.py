"""DuckDB: the schema, the only writer (``store``), frames, and read-only queries."""
