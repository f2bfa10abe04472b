"""The tag stage: what an article is about. Pure: no Scrapy, no DB (storage:
archive/store/writer.py, archive/store/regions.py).

- keywords.py, taxonomy.py, taxonomy.toml: taxonomy tags (bangga-kencana, stunting, ...).
- gazetteer.py, regions.toml, regions.py, placewords.py: the kabupaten/kota of Sumatra the
  article is about.

The names other code uses are re-exported here: `from archive.tagging import Tagger`.
"""

from archive.tagging.keywords import Hit, Tagger, TagMatch, literal_regex
from archive.tagging.taxonomy import Taxonomy, TaxonomyError, load_taxonomy, normalise_text

__all__ = [
    "Hit",
    "TagMatch",
    "Tagger",
    "Taxonomy",
    "TaxonomyError",
    "literal_regex",
    "load_taxonomy",
    "normalise_text",
]
