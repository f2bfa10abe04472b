"""RegistrySpiderLoader: Scrapy's spider loader (SPIDER_LOADER_CLASS) backed by the site registry.

One spider class per registry entry: NewsSpider — or the entry's `spider = "module:Class"`, which
must subclass NewsSpider — subclassed with the entry's `name` and `site`.

Broken registries and the command line: Scrapy builds the loader in CrawlerProcess.__init__,
outside the `try/except UsageError` that scrapy.cmdline wraps around each command's run(), so an
exception from the constructor prints a traceback. The registry is therefore read lazily, on the
first list()/load()/find_by_request() — which every command calls from run() — and a
RegistryError is re-raised there as RegistryUsageError, which is also a Scrapy UsageError.
scrapy.cmdline prints that as the command's usage line plus `scrapy: error: <the one-line
message>` and exits with status 2. Library callers can still catch it as RegistryError.
"""

from __future__ import annotations

import builtins
import importlib
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import UsageError

from spiders.news import NewsSpider
from spiders.registry import RegistryError, SiteEntry, field_error, load_registry

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.settings import BaseSettings


class RegistryUsageError(RegistryError, UsageError):
    """A RegistryError raised inside a Scrapy command: shown as one line, not a traceback."""

    def __init__(self, error: RegistryError) -> None:
        super().__init__(str(error), path=error.path, entry=error.entry, field=error.field)
        # UsageError would print the whole command help; the message is the help here.
        self.print_help = False


def spider_base(entry: SiteEntry) -> type[NewsSpider]:
    """The class an entry's spider derives from: its `spider` setting, else NewsSpider."""
    if entry.spider is None:
        return NewsSpider
    module_name, _, class_name = entry.spider.partition(":")
    try:
        base = getattr(importlib.import_module(module_name), class_name)
    except ImportError as exc:
        raise _spider_error(entry, f"cannot import {module_name!r}: {exc}") from None
    except AttributeError:
        raise _spider_error(entry, f"module {module_name!r} has no {class_name!r}") from None
    if not isinstance(base, type) or not issubclass(base, NewsSpider):
        raise _spider_error(entry, f"{entry.spider!r} is not a subclass of spiders.news.NewsSpider")
    return base


def _spider_error(entry: SiteEntry, problem: str) -> RegistryError:
    return field_error(entry.source, entry.index, entry.name, "spider", problem)


def build_spider_class(entry: SiteEntry) -> type[NewsSpider]:
    """A spider class for one registry entry: `scrapy crawl <entry.name>` runs it."""
    base = spider_base(entry)
    class_name = "".join(part.capitalize() for part in entry.name.replace("_", "-").split("-"))
    return type(
        f"{class_name}Spider",
        (base,),
        {"name": entry.name, "site": entry, "__module__": __name__, "__doc__": base.__doc__},
    )


def build_spider_classes(entries: list[SiteEntry]) -> dict[str, type[NewsSpider]]:
    return {entry.name: build_spider_class(entry) for entry in entries}


class RegistrySpiderLoader:
    """Implements scrapy.spiderloader.SpiderLoaderProtocol over WARTA_SITES_FILE."""

    def __init__(self, settings: BaseSettings) -> None:
        self.sites_file: str = settings.get("WARTA_SITES_FILE")
        self._spiders: dict[str, type[NewsSpider]] | None = None

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls(settings)

    @property
    def spiders(self) -> dict[str, type[NewsSpider]]:
        if self._spiders is None:
            try:
                self._spiders = build_spider_classes(load_registry(self.sites_file))
            except RegistryError as exc:
                raise RegistryUsageError(exc) from None
        return self._spiders

    def load(self, spider_name: str) -> type[Spider]:
        try:
            return self.spiders[spider_name]
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name}") from None

    def list(self) -> list[str]:
        return list(self.spiders)

    # `list` is a method name here, so annotations use builtins.list.
    def find_by_request(self, request: Request) -> builtins.list[str]:
        return [name for name, cls in self.spiders.items() if cls.site.is_in_site(request.url)]
