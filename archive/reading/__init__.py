"""Reading the archive as an analyst does: the schema's documentation as data (`schema_docs`), the
canned queries of `warta serve` (`canned_queries`), the SQLite snapshot `warta export --format
sqlite` writes (`snapshot`), and the coverage report (`warta report`): `coverage` holds the
report's filter and the SQL behind each chart, `charts` draws them with matplotlib, `report` puts
the charts, captions and SQL into one self-contained HTML page.
"""
