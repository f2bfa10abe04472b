"""Reading the archive as an analyst does: the schema's documentation as data, the canned
queries of `warta serve`, and the SQLite snapshot `warta export --format sqlite` writes."""
