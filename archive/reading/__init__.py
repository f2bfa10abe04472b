"""Reading the archive for people: the coverage report (`warta report`).

`coverage` holds the report's filter and the SQL behind each chart, `charts` draws them with
matplotlib, `report` puts the charts, captions and SQL into one self-contained HTML page.
"""
