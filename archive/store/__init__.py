"""Storage: the schema (models, migrations from code), the engine, and the writer that puts
extracted, identified and tagged pages into the archive."""
