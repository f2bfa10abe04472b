"""Rebuilding derived data offline: `warta retag`, `reextract` and `dedup`."""

from __future__ import annotations

from typing import Any

import click

from warta.commands.common import friendly_errors, warta_settings, write_sessions


def _progress(total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="article", disable=None)


@click.command()
@click.option("--batch-size", default=500, show_default=True)
@friendly_errors
def retag(batch_size: int) -> None:
    """Re-apply the current taxonomy (WARTA_TAXONOMY_FILE) and gazetteer (the regencies an
    article is about) to every article they have not tagged.

    Batched and resumable: stop it any time and run it again. No re-crawl is needed after a
    taxonomy or gazetteer change.
    """
    from archive.reprocess.retag import count_stale, retag_archive
    from archive.tagging.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(warta_settings().get("WARTA_TAXONOMY_FILE"))
    sessions = write_sessions()
    with sessions() as session:
        total = count_stale(session, taxonomy)
    with _progress(total, "retag") as bar:
        done = retag_archive(sessions, taxonomy, batch_size=batch_size, on_batch=bar.update)
    from archive.tagging.gazetteer import load_gazetteer

    click.echo(
        f"re-tagged {done} articles with taxonomy {taxonomy.version}, "
        f"gazetteer {load_gazetteer().version}"
    )


@click.command()
@click.option("--batch-size", default=200, show_default=True)
@friendly_errors
def reextract(batch_size: int) -> None:
    """Rebuild every article's text from its stored raw pages, offline, then re-tag the changed.

    Run after changing the extractor or the boilerplate rules.
    """
    from archive.reprocess.reextract import count_articles, reextract_all
    from crawler.offline_extraction import BoundedExtractor
    from warta.config import project_settings

    sessions = write_sessions()
    with sessions() as session:
        total = count_articles(session)
    # The crawl's worker pool and bounds: a stored page that overruns its CPU budget is left
    # as it is, and the pass uses every core.
    with BoundedExtractor(project_settings()) as extractor, _progress(total, "reextract") as bar:
        result = reextract_all(
            sessions, batch_size=batch_size, on_progress=bar.update, extract_pages=extractor
        )
    click.echo(
        f"{result.articles} articles: {result.changed} changed, {result.unchanged} unchanged, "
        f"{result.kept} kept (page no longer extractable)"
    )
    if result.rejected:
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(result.rejected.items()))
        click.echo(f"revisions rejected, their text kept: {reasons}")
    if result.changed:
        click.get_current_context().invoke(retag)


@click.command()
@click.option("--rebuild", is_flag=True, required=True,
              help="Recompute every near-duplicate signature and story cluster.")
@click.option("--batch-size", default=1000, show_default=True)
@friendly_errors
def dedup(rebuild: bool, batch_size: int) -> None:
    """Recompute story clusters (near-duplicates) over the whole archive, batched.

    Run with the crawlers stopped, e.g. after changing the near-duplicate parameters.
    """
    from archive.identity.neardup import NearDuplicateIndex

    stats = NearDuplicateIndex().rebuild(write_sessions(), batch_size=batch_size)
    click.echo(
        f"{stats.articles} articles: {stats.indexed} indexed, {stats.too_short} too short to "
        f"fingerprint; {stats.clusters} stories, {stats.multi_article_clusters} with several "
        f"articles"
    )
