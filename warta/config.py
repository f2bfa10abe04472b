"""Access to warta's one configuration source (the Scrapy settings in crawler/settings.py) from
outside a crawl: the CLI, the daemon and Alembic."""

from __future__ import annotations

import os

from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

SETTINGS_MODULE = "crawler.settings"


def project_settings(overrides: dict[str, object] | None = None) -> Settings:
    """The project settings, wherever the command runs from (no scrapy.cfg needed)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)
    settings = get_project_settings()
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    return settings


def database_url() -> str:
    return str(project_settings().get("WARTA_DATABASE_URL"))
