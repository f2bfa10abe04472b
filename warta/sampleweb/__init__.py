"""The bundled sample web: realistic Indonesian regional news sites served on 127.0.0.1, with the
ground truth a correct crawl must reproduce. Used by `warta demo` and the end-to-end tests.

    from warta.sampleweb import SampleWeb

    with SampleWeb() as web:
        web.registry_toml("sites.toml")
        ...  # run scrapy crawl against web.base_urls
        truth = web.ground_truth()

`SampleWeb(dedup=True)` adds the deduplication scenario (`warta.sampleweb.dedup`),
`SampleWeb(aggregator=True)` an aggregator site republishing the others' articles
(`warta.sampleweb.aggregator`). `python -m warta.sampleweb [--dedup] [--aggregator]` serves it
until Ctrl-C.
"""

from warta.sampleweb.aggregator import AggregatorExpectations
from warta.sampleweb.content import (
    WIB,
    Article,
    Site,
    SiteFile,
    StaticPage,
    Style,
    load_sites,
)
from warta.sampleweb.dedup import DedupExpectations, DedupScenario, UrlVariant
from warta.sampleweb.pages import Resource
from warta.sampleweb.server import RequestRecord, Response, SampleWeb
from warta.sampleweb.truth import (
    BOILERPLATE_LINES,
    ExpectedArticle,
    GroundTruth,
    NonArticle,
)

__all__ = [
    "BOILERPLATE_LINES",
    "WIB",
    "AggregatorExpectations",
    "Article",
    "DedupExpectations",
    "DedupScenario",
    "ExpectedArticle",
    "GroundTruth",
    "NonArticle",
    "RequestRecord",
    "Resource",
    "Response",
    "SampleWeb",
    "Site",
    "SiteFile",
    "StaticPage",
    "Style",
    "UrlVariant",
    "load_sites",
]
