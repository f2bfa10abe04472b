# ruff: noqa: E501  (HTML templates: a line of markup reads better unbroken)
"""Rendering: every URL a sample site serves, as bytes, for one base URL.

``build_routes(site, base)`` renders the whole site (a few hundred kilobytes; cheap) into a dict of
``Resource`` keyed by ``path`` or ``path?query``. Markup imitates what the real outlets serve —
WordPress themes with Yoast/JSON-LD, Jetpack sharing, comment forms, view counters and
infinite-scroll leftovers; a table-layout government CMS in windows-1252 — because the crawler's
extractor has to survive exactly that furniture.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from urllib.parse import quote, quote_plus

from warta.sampleweb.content import (
    TINY_CSS,
    WIB,
    Article,
    Site,
    StaticPage,
    indonesian_date,
    paragraph_links,
    plain,
    tiny_pdf,
    tiny_png,
)

HTML_UTF8 = "text/html; charset=UTF-8"

# Resource kinds. Listing-like kinds carry a page number.
LISTING_KINDS = frozenset({"home", "category", "tag", "author", "search", "listing"})
HTML_NON_ARTICLE_KINDS = LISTING_KINDS | {"page", "notice"}


@dataclass(frozen=True, slots=True)
class Resource:
    kind: str
    """home, category, tag, author, search, listing, article, notice, page, amp, print, robots,
    sitemap-index, sitemap, news-sitemap, rss, atom, file, asset."""
    content_type: str
    body: bytes
    last_modified: datetime
    page: int = 1
    slug: str | None = None
    redirect: str | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


def e(text: str) -> str:
    return escape(text, quote=True)


def _latest(*dates: datetime | None) -> datetime:
    return max(d for d in dates if d is not None)


def _modified(articles: Iterable[Article]) -> list[datetime]:
    return [a.last_modified for a in articles]


# --- entry point ---------------------------------------------------------------------------------


def build_routes(site: Site, base: str) -> dict[str, Resource]:
    """Every page of `site` rendered for `base` ("http://127.0.0.1:PORT/")."""
    if site.style.theme == "goid":
        return _GoId(site, base).routes()
    if site.style.theme in ("cms", "portal"):
        from warta.sampleweb.foreign import build_foreign_routes  # it builds on this module

        return build_foreign_routes(site, base)
    return _WordPress(site, base).routes()


def render_search(site: Site, base: str, query: str) -> Resource:
    """A WordPress search result page for any query (not part of the static route table)."""
    return _WordPress(site, base).search(query)


class _Renderer:
    def __init__(self, site: Site, base: str) -> None:
        self.site = site
        self.style = site.style
        self.base = base if base.endswith("/") else base + "/"
        self.origin = self.base.rstrip("/")

    def url(self, path: str) -> str:
        return self.origin + path

    def encode(self, html: str) -> bytes:
        return html.encode(self.style.encoding)

    def files(self) -> dict[str, Resource]:
        out: dict[str, Resource] = {}
        for f in self.site.files:
            if f.kind == "pdf":
                out[f.path] = Resource(
                    "file", "application/pdf", tiny_pdf(f.title or f.path), self.site.layout_date
                )
            elif f.kind == "png":
                out[f.path] = Resource("file", "image/png", tiny_png(f.path), self.site.layout_date)
            else:
                out[f.path] = Resource("asset", "text/css", TINY_CSS, self.site.layout_date)
        return out

    def body_html(self, article: Article, extra: Callable[[int], str] | None = None) -> str:
        """The post body as <p> elements; `extra(i)` is inserted after paragraph i."""
        parts = []
        for i, paragraph in enumerate(article.body):
            html = e(plain(paragraph))
            for text, path in paragraph_links(paragraph):
                html = html.replace(e(text), f'<a href="{e(self.href(path))}">{e(text)}</a>', 1)
            parts.append(f"<p>{html}</p>")
            if extra is not None:
                parts.append(extra(i))
        return "\n".join(p for p in parts if p)

    def href(self, path: str) -> str:
        return self.url(path)

    def excerpt(self, article: Article, words: int = 24) -> str:
        tokens = article.text().split()
        if len(tokens) <= words:
            return " ".join(tokens)
        return " ".join(tokens[:words]) + " [&hellip;]"

    def pages_count(self, n: int) -> int:
        return max(1, -(-n // self.style.per_page))


# --- WordPress -----------------------------------------------------------------------------------


class _WordPress(_Renderer):
    def routes(self) -> dict[str, Resource]:
        site, style = self.site, self.style
        out: dict[str, Resource] = {"/": self.home()}
        for article in site.articles:
            resource = self.single(article)
            out[article.path] = resource
            for alias in article.aliases:
                out[alias] = resource
            for legacy in article.legacy_paths:
                out[legacy] = self.single(article, declare_canonical=False)
            if article.amp:
                out[view_path(article.path, "amp")] = self.amp(article)
            if article.print_view:
                out[view_path(article.path, "print")] = self.print_view(article)
        for page in site.pages:
            out[page.path] = self.static(page)
        for slug in site.categories:
            posts = site.posts(category=slug)
            if posts or slug in site.menu:
                out.update(self.archive("category", slug, posts))
        if style.tag_links:
            for tag in sorted({t for a in site.articles for t in a.tags}):
                out.update(self.archive("tag", tag, site.posts(tag=tag)))
        if style.author_links:
            for author in sorted({a.author_slug for a in site.articles if a.author_slug}):
                out.update(self.archive("author", author, site.posts(author=author)))
        for query in style.search_links:
            out["/?s=" + quote_plus(query)] = self.search(query)
        if style.robots:
            out["/robots.txt"] = self.robots()
        if style.feed_count:
            out["/feed/"] = self.rss()
        if style.atom:
            out["/feed/atom/"] = self.atom()
            # WordPress honours orderby=modified on feeds: the posts edited last, then paged.
            by_modified = sorted(site.posts(), key=lambda a: a.last_modified, reverse=True)
            size = style.feed_count or 10
            for page in range(1, max(1, -(-len(by_modified) // size)) + 1):
                key = "/feed/atom/?orderby=modified" + (f"&paged={page}" if page > 1 else "")
                out[key] = self.atom(by_modified[(page - 1) * size : page * size])
        out.update(self.sitemaps())
        out.update(self.files())
        out[self.stylesheet_path] = Resource("asset", "text/css", TINY_CSS, site.layout_date)
        return out

    @property
    def stylesheet_path(self) -> str:
        return f"/wp-content/themes/{self.style.wp_theme}/style.css"

    # --- helpers ---------------------------------------------------------------------------------

    def en(self) -> bool:
        return self.style.comment_lang == "en"

    def category_url(self, slug: str) -> str:
        return self.url(f"/category/{slug}/")

    def archive_path(self, kind: str, slug: str, n: int = 1) -> str:
        path = f"/{kind}/{quote(slug)}/"
        return path if n == 1 else f"{path}page/{n}/"

    def doc_title(self, title: str) -> str:
        return f"{title}{self.style.title_sep}{self.site.title}"

    def home_posts(self) -> list[Article]:
        return self.site.posts(category=self.style.home_category)[: self.style.home_count]

    def sidebar_posts(self) -> list[Article]:
        return self.site.posts(category=self.style.sidebar_category)[: self.style.sidebar_count]

    def popular_posts(self) -> list[Article]:
        return [self.site.article(slug) for slug in self.style.popular]

    # --- page frame ------------------------------------------------------------------------------

    def frame(
        self,
        *,
        title: str,
        canonical: str | None,
        og_type: str,
        body_class: str,
        main: str,
        sidebar: str,
        description: str = "",
        head_extra: str = "",
    ) -> str:
        site, style = self.site, self.style
        feeds = ""
        if style.feed_count:
            feeds += (
                '<link rel="alternate" type="application/rss+xml" '
                f'title="{e(site.title)} &raquo; Feed" href="{e(self.url("/feed/"))}">\n'
            )
        if style.atom:
            feeds += (
                '<link rel="alternate" type="application/atom+xml" '
                f'title="{e(site.title)} &raquo; Atom" href="{e(self.url("/feed/atom/"))}">\n'
            )
        menu = [f'<li class="menu-item"><a href="{e(self.base)}">Beranda</a></li>']
        menu += [
            f'<li class="menu-item menu-item-type-taxonomy"><a href="{e(self.category_url(c))}">'
            f"{e(site.category_name(c))}</a></li>"
            for c in site.menu
        ]
        menu += [
            f'<li class="menu-item"><a href="{e(self.url(p.path))}">{e(p.title)}</a></li>'
            for p in site.pages
            if p.in_menu
        ]
        trending = ""
        if style.search_links:
            links = " ".join(
                f'<a href="{e(self.url("/?s=" + quote_plus(q)))}">#{e(q)}</a>'
                for q in style.search_links
            )
            trending = f'<div class="trending-tags"><span>Trending:</span> {links}</div>'
        footer_links = " | ".join(
            f'<a href="{e(self.url(p.path))}">{e(p.title)}</a>' for p in site.pages if p.in_footer
        )
        back_to_top = ""
        if style.back_to_top:
            back_to_top = (
                '<a id="go-to-top" class="go-to-top-button" href="#go-to-tie-body">'
                '<span class="screen-reader-text">Back to top button</span></a>'
            )
        search_label = "Search for:" if self.en() else "Cari untuk:"
        # A stale page cache serves some posts with an older theme's head, which had neither.
        canonical_link = f'<link rel="canonical" href="{e(canonical)}">\n' if canonical else ""
        og_url = f'<meta property="og:url" content="{e(canonical)}">\n' if canonical else ""
        return f"""<!DOCTYPE html>
<html lang="id-ID">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<meta name="robots" content="index, follow, max-image-preview:large, max-snippet:-1">
{canonical_link}<meta property="og:locale" content="id_ID">
<meta property="og:type" content="{og_type}">
<meta property="og:title" content="{e(title)}">
<meta property="og:description" content="{e(description)}">
{og_url}<meta property="og:site_name" content="{e(site.title)}">
{head_extra}{feeds}<link rel="stylesheet" id="theme-style-css" href="{e(self.url(self.stylesheet_path))}?ver=6.4.3" media="all">
<meta name="generator" content="WordPress 6.4.3">
</head>
<body class="{body_class} wp-theme-{style.wp_theme}">
<a class="skip-link screen-reader-text" href="#content">Langsung ke konten</a>
<div id="page" class="site">
<header id="masthead" class="site-header">
<div class="site-branding">
<p class="site-title"><a href="{e(self.base)}" rel="home">{e(site.title)}</a></p>
<p class="site-description">{e(site.tagline)}</p>
</div>
<nav id="site-navigation" class="main-navigation" aria-label="Menu Utama">
<ul id="primary-menu" class="menu">{"".join(menu)}</ul>
</nav>
<form role="search" method="get" class="search-form" action="{e(self.base)}"><label><span class="screen-reader-text">{search_label}</span><input type="search" class="search-field" placeholder="Cari &hellip;" value="" name="s"></label><input type="submit" class="search-submit" value="Cari"></form>
{trending}
</header>
<div id="content" class="site-content">
<div id="primary" class="content-area">
<main id="main" class="site-main">
{main}
</main>
</div>
<aside id="secondary" class="widget-area">
{sidebar}{self.trending_widget()}
</aside>
</div>
<footer id="colophon" class="site-footer">
<nav class="footer-navigation">{footer_links}</nav>
<div class="site-info">{e(site.footer)}</div>
<div class="site-address">{e(site.address)}</div>
</footer>
</div>
{back_to_top}
</body>
</html>
"""

    def widget(self, title: str, articles: list[Article], *, dated: bool = True) -> str:
        items = []
        for a in articles:
            date = ""
            if dated and self.style.time_element:
                date = f' <span class="post-date">{indonesian_date(a.published.astimezone(WIB), weekday=False)}</span>'
            items.append(f'<li><a href="{e(self.url(a.path))}">{e(a.title)}</a>{date}</li>')
        return (
            f'<section class="widget widget_recent_entries"><h2 class="widget-title">{title}</h2>'
            f"<ul>{''.join(items)}</ul></section>"
        )

    def trending_widget(self) -> str:
        if not self.style.trending:
            return ""
        items = "".join(
            f'<li><a href="{e(self.url(path))}">{e(label)}</a></li>'
            for path, label in self.style.trending
        )
        return (
            '<section class="widget widget_trending"><h2 class="widget-title">Sedang Ramai</h2>'
            f"<ul>{items}</ul></section>"
        )

    def categories_widget(self) -> str:
        items = "".join(
            f'<li class="cat-item"><a href="{e(self.category_url(c))}">{e(self.site.category_name(c))}</a></li>'
            for c in self.site.menu
        )
        return (
            '<section class="widget widget_categories"><h2 class="widget-title">Kategori</h2>'
            f"<ul>{items}</ul></section>"
        )

    def archive_sidebar(self) -> str:
        return self.widget("Berita Terkini", self.sidebar_posts()) + self.categories_widget()

    def single_sidebar(self) -> str:
        return self.widget("Berita Populer", self.popular_posts(), dated=False) + (
            self.categories_widget()
        )

    # --- dates -----------------------------------------------------------------------------------

    def post_date_html(self, article: Article) -> str:
        style = self.style
        local = article.published.astimezone(WIB)
        modified = article.last_modified.astimezone(WIB)
        if style.time_element:
            return (
                f'<span class="posted-on"><a href="{e(self.url(article.path))}" rel="bookmark">'
                f'<time class="entry-date published" datetime="{local.isoformat()}">'
                f"{indonesian_date(local, weekday=False)}</time>"
                f'<time class="updated" datetime="{modified.isoformat()}">'
                f"{indonesian_date(modified, weekday=False)}</time></a></span>"
            )
        if style.date_text == "datetime":
            return f'<span class="meta-date">{indonesian_date(local)} | {local:%H:%M} WIB</span>'
        if style.date_text == "date":
            return f'<span class="posted-on">{indonesian_date(local)}</span>'
        return ""

    def article_meta_tags(self, article: Article) -> str:
        style = self.style
        if not style.og_published:
            return ""
        zone = UTC if style.og_published == "utc" else WIB
        published = article.published.astimezone(zone).isoformat()
        modified = article.last_modified.astimezone(zone).isoformat()
        return (
            f'<meta property="article:published_time" content="{published}">\n'
            f'<meta property="article:modified_time" content="{modified}">\n'
        )

    def jsonld(self, article: Article) -> str:
        style, site = self.style, self.site
        url = self.url(article.path)
        published = article.published.astimezone(WIB).isoformat()
        modified = article.last_modified.astimezone(WIB).isoformat()
        image = {"@type": "ImageObject", "url": self.url(article.image)} if article.image else None
        kind = "NewsArticle" if article.kind == "article" else "Article"
        if style.jsonld == "yoast":
            post: dict[str, object] = {
                "@type": kind,
                "@id": url + "#article",
                "isPartOf": {"@id": url},
                "author": {
                    "name": article.author or site.title,
                    "@id": self.base + "#/schema/person/" + (article.author_slug or "redaksi"),
                },
                "headline": article.title,
                "datePublished": published,
                "dateModified": modified,
                "mainEntityOfPage": {"@id": url},
                "wordCount": article.word_count(),
                "publisher": {"@id": self.base + "#organization"},
                "keywords": [t.replace("-", " ") for t in article.tags],
                "articleSection": [site.category_name(article.category)],
                "inLanguage": "id",
            }
            if image:
                post["image"] = image
            graph = [
                post,
                {
                    "@type": "WebPage",
                    "@id": url,
                    "url": url,
                    "name": self.doc_title(article.title),
                    "isPartOf": {"@id": self.base + "#website"},
                    "datePublished": published,
                    "dateModified": modified,
                    "breadcrumb": {"@id": url + "#breadcrumb"},
                    "inLanguage": "id",
                },
                {
                    "@type": "BreadcrumbList",
                    "@id": url + "#breadcrumb",
                    "itemListElement": [
                        {"@type": "ListItem", "position": 1, "name": "Beranda", "item": self.base},
                        {"@type": "ListItem", "position": 2, "name": article.title},
                    ],
                },
                {
                    "@type": "WebSite",
                    "@id": self.base + "#website",
                    "url": self.base,
                    "name": site.title,
                    "description": site.tagline,
                    "inLanguage": "id",
                },
                {
                    "@type": "Organization",
                    "@id": self.base + "#organization",
                    "name": site.title,
                    "url": self.base,
                },
            ]
            data: object = {"@context": "https://schema.org", "@graph": graph}
        elif style.jsonld == "simple":
            data = {
                "@context": "https://schema.org",
                "@type": kind,
                "mainEntityOfPage": {"@type": "WebPage", "@id": url},
                "headline": article.title,
                "datePublished": published,
                "dateModified": modified,
                "author": {"@type": "Person", "name": article.author or "Redaksi"},
                "publisher": {"@type": "Organization", "name": site.title},
            }
            if image:
                data["image"] = [image["url"]]  # type: ignore[index]
        else:
            return ""
        text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        css = ' class="yoast-schema-graph"' if style.jsonld == "yoast" else ""
        return f'<script type="application/ld+json"{css}>{text}</script>\n'

    # --- single posts ----------------------------------------------------------------------------

    def comments(self, article: Article) -> str:
        lang = self.style.comment_lang
        if not lang:
            return ""
        if lang == "en":
            words = (
                "Leave a Reply",
                "Cancel reply",
                "Your email address will not be published.",
                "Required fields are marked",
                "Comment",
                "Name",
                "Website",
                "Save my name, email, and website in this browser for the next time I comment.",
                "Post Comment",
            )
        else:
            words = (
                "Tinggalkan Balasan",
                "Batalkan balasan",
                "Alamat email Anda tidak akan dipublikasikan.",
                "Ruas yang wajib ditandai",
                "Komentar",
                "Nama",
                "Situs Web",
                "Simpan nama, email, dan situs web saya pada peramban ini untuk komentar saya"
                " berikutnya.",
                "Kirim Komentar",
            )
        reply, cancel, notes, required, comment, name, website, cookies, submit = words
        return f"""<div id="comments" class="comments-area">
<div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title">{reply} <small><a rel="nofollow" id="cancel-comment-reply-link" href="#respond" style="display:none;">{cancel}</a></small></h3>
<form action="{e(self.url("/wp-comments-post.php"))}" method="post" id="commentform" class="comment-form">
<p class="comment-notes"><span id="email-notes">{notes}</span> <span class="required-field-message">{required} <span class="required">*</span></span></p>
<p class="comment-form-comment"><label for="comment">{comment} <span class="required">*</span></label> <textarea id="comment" name="comment" cols="45" rows="8" maxlength="65525" required></textarea></p>
<p class="comment-form-author"><label for="author">{name} <span class="required">*</span></label> <input id="author" name="author" type="text" value="" size="30" maxlength="245" required></p>
<p class="comment-form-email"><label for="email">Email <span class="required">*</span></label> <input id="email" name="email" type="email" value="" size="30" maxlength="100" required></p>
<p class="comment-form-url"><label for="url">{website}</label> <input id="url" name="url" type="url" value="" size="30" maxlength="200"></p>
<p class="comment-form-cookies-consent"><input id="wp-comment-cookies-consent" name="wp-comment-cookies-consent" type="checkbox" value="yes"> <label for="wp-comment-cookies-consent">{cookies}</label></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="{submit}"> <input type="hidden" name="comment_post_ID" value="{article.post_id}" id="comment_post_ID"> <input type="hidden" name="comment_parent" id="comment_parent" value="0"></p>
</form>
</div>
</div>"""

    def share_bar(self, article: Article) -> str:
        url = quote(self.url(article.path), safe="")
        text = quote(article.title, safe="")
        links = (
            f'<a class="share-facebook" href="https://www.facebook.com/sharer/sharer.php?u={url}" target="_blank" rel="nofollow noopener">Facebook</a>'
            f'<a class="share-twitter" href="https://twitter.com/intent/tweet?text={text}&amp;url={url}" target="_blank" rel="nofollow noopener">X</a>'
            f'<a class="share-whatsapp" href="https://api.whatsapp.com/send?text={text}%20{url}" target="_blank" rel="nofollow noopener">WhatsApp</a>'
            f'<a class="share-telegram" href="https://t.me/share/url?url={url}&amp;text={text}" target="_blank" rel="nofollow noopener">Telegram</a>'
        )
        if self.style.share == "bagikan":
            return f'<div class="share-bar"><span class="share-title">Bagikan:</span> {links}</div>'
        if self.style.share == "jetpack":
            return (
                '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block'
                ' sd-social sd-social-icon-text sd-sharing"><h3 class="sd-title">Share this:</h3>'
                f'<div class="sd-content"><ul><li>{links}</li></ul></div></div></div>'
                '<div id="jp-post-flair" class="sharedaddy sd-like-enabled"><div class="sharedaddy'
                ' sd-block sd-like jetpack-likes-widget-wrapper"><h3 class="sd-title">Like this:</h3>'
                '<div class="likes-widget-placeholder post-likes-widget-placeholder">'
                '<span class="button"><span>Like</span></span> <span class="loading">Loading...'
                "</span></div></div></div>"
            )
        return ""

    def baca_juga(self, article: Article) -> Callable[[int], str]:
        def extra(i: int) -> str:
            if i != article.related_after or not article.related:
                return ""
            links = [self.site.article(slug) for slug in article.related]
            return "\n".join(
                f"<p><strong>{e(self.style.baca_juga_label)}</strong> "
                f'<a href="{e(self.url(a.path))}">{e(a.title)}</a></p>'
                for a in links
            )

        return extra

    def single(self, article: Article, *, declare_canonical: bool = True) -> Resource:
        site, style = self.site, self.style
        url = self.url(article.path)
        category = site.category_name(article.category)
        kicker = ""
        if style.kicker:
            kicker = (
                f'<span class="post-cat-wrap"><a class="post-cat" href="{e(self.category_url(article.category))}">'
                f"{e(category.upper())}</a></span>\n"
            )
        author = ""
        if article.author:
            name = e(article.author)
            if style.author_links and article.author_slug:
                name = f'<a class="url fn n" href="{e(self.url(self.archive_path("author", article.author_slug)))}">{name}</a>'
            author = f'<span class="byline">oleh <span class="author vcard">{name}</span></span>'
        views = ""
        if style.view_counter:
            views = f'<span class="post-views">oleh -{article.views} Dilihat</span>\n'
        figure = ""
        if article.image:
            caption = (
                f'<figcaption class="wp-caption-text">{e(article.caption)}</figcaption>'
                if article.caption
                else ""
            )
            figure = (
                f'<figure class="wp-block-image post-thumbnail"><a href="{e(self.url(article.image))}">'
                f'<img src="{e(self.url(article.image))}" alt="{e(article.title)}" width="800" height="450">'
                f"</a>{caption}</figure>\n"
            )
        tags = ""
        if article.tags:
            if style.tag_links:
                links = ", ".join(
                    f'<a href="{e(self.url(self.archive_path("tag", t)))}" rel="tag">{e(t.replace("-", " "))}</a>'
                    for t in article.tags
                )
            else:
                links = ", ".join(e(t.replace("-", " ")) for t in article.tags)
            tags = f'<span class="tags-links">Tags: {links}</span>'
        share = self.share_bar(article)
        if article.print_view:
            # WP-Print's links: "Cetak" under the post, and the share bar's print button.
            tags += (
                f'<span class="print-link"><a href="{e(self.url(view_path(article.path, "print")))}"'
                ' title="Cetak" rel="nofollow">Cetak</a></span>'
            )
            share += f'<a class="share-print" href="{e(url)}?print=1" rel="nofollow">Cetak</a>'
        inside_share = share if style.share == "jetpack" else ""
        footer_share = share if style.share == "bagikan" else ""
        infinite = ""
        if style.infinite_scroll:
            related = "".join(
                f'<li><a href="{e(self.url(a.path))}">{e(a.title)}</a></li>'
                for a in self.popular_posts()
                if a is not article
            )
            infinite = (
                '<div class="related-posts jeg_postblock"><h3 class="jeg_block_title">Berita Terkait</h3>'
                f'<ul>{related}</ul><div class="jeg_block_loadmore"><a href="#" class="disabled" '
                'data-load="Muat Lebih" data-loading="Memuat...">No More Posts Available.</a></div></div>'
            )
        trailer = ""
        if style.infinite_scroll:
            trailer = (
                '<div class="jeg_autoload_separator"></div><div class="page-load-status">'
                '<p class="infinite-scroll-last">No more pages to load.</p></div>'
            )
        breadcrumbs = (
            f'<nav class="breadcrumbs" aria-label="breadcrumbs"><a href="{e(self.base)}">Beranda</a> &raquo; '
            f'<a href="{e(self.category_url(article.category))}">{e(category)}</a> &raquo; '
            f'<span class="breadcrumb_last" aria-current="page">{e(article.title)}</span></nav>'
        )
        main = f"""{breadcrumbs}
<article id="post-{article.post_id}" class="post-{article.post_id} post type-post status-publish format-standard hentry category-{article.category}">
<header class="entry-header">
{kicker}<h1 class="entry-title">{e(article.title)}</h1>
<div class="entry-meta">
{views}{author}
{self.post_date_html(article)}
</div>
</header>
{figure}<div class="entry-content">
{self.body_html(article, self.baca_juga(article))}
{inside_share}
</div>
<footer class="entry-footer">{tags}{footer_share}</footer>
</article>
{infinite}
{self.comments(article)}
{trailer}"""
        head = self.article_meta_tags(article)
        if article.image:
            head += f'<meta property="og:image" content="{e(self.url(article.image))}">\n'
        if article.amp and declare_canonical:
            head += f'<link rel="amphtml" href="{e(self.url(view_path(article.path, "amp")))}">\n'
        head += self.jsonld(article)
        html = self.frame(
            title=self.doc_title(article.title),
            canonical=url if declare_canonical else None,
            og_type="article",
            body_class=f"post-template-default single single-post postid-{article.post_id}",
            main=main,
            sidebar=self.single_sidebar(),
            description=self.excerpt(article, 30).replace(" [&hellip;]", "…"),
            head_extra=head,
        )
        deps = [article, *self.popular_posts()]
        deps += [site.article(s) for s in article.related]
        return Resource(
            "notice" if article.kind == "notice" else "article",
            HTML_UTF8,
            self.encode(html),
            _latest(site.layout_date, *_modified(deps)),
            slug=article.slug,
        )

    def amp(self, article: Article) -> Resource:
        """The AMP plugin's rendering (Reader mode): its own minimal template, the same text."""
        site = self.site
        url = self.url(article.path)
        local = article.published.astimezone(WIB)
        figure = ""
        if article.image:
            figure = (
                f'<figure class="amp-wp-article-featured-image wp-caption"><amp-img src="{e(self.url(article.image))}" '
                'width="800" height="450" layout="responsive" alt=""></amp-img></figure>\n'
            )
        author = (
            f'<div class="amp-wp-meta amp-wp-byline"><span class="amp-wp-author author vcard">{e(article.author)}</span></div>'
            if article.author
            else ""
        )
        html = f"""<!doctype html>
<html amp lang="id-ID">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">
<title>{e(self.doc_title(article.title))}</title>
<link rel="canonical" href="{e(url)}">
<script async src="https://cdn.ampproject.org/v0.js"></script>
<style amp-boilerplate>body{{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;animation:-amp-start 8s steps(1,end) 0s 1 normal both}}</style><noscript><style amp-boilerplate>body{{-webkit-animation:none;animation:none}}</style></noscript>
<style amp-custom>.amp-wp-article{{color:#353535;margin:1.5em auto;max-width:840px}}.amp-wp-header{{background-color:#0a89c0}}</style>
{self.jsonld(article)}</head>
<body class="">
<header id="top" class="amp-wp-header"><div><a href="{e(self.base)}"><span class="amp-site-title">{e(site.title)}</span></a></div></header>
<article class="amp-wp-article">
<header class="amp-wp-article-header">
<h1 class="amp-wp-title">{e(article.title)}</h1>
{author}
<div class="amp-wp-meta amp-wp-posted-on"><time datetime="{local.isoformat()}">{indonesian_date(local, weekday=False)}</time></div>
</header>
{figure}<div class="amp-wp-article-content">
{self.body_html(article, self.baca_juga(article))}
</div>
<footer class="amp-wp-article-footer">
<div class="amp-wp-meta amp-wp-tax-category">Kategori: <a href="{e(self.category_url(article.category))}" rel="category tag">{e(site.category_name(article.category))}</a></div>
<div class="amp-wp-meta amp-wp-comments-link"><a href="{e(url)}#respond">Tinggalkan komentar</a></div>
</footer>
</article>
<footer class="amp-wp-footer"><div><h2>{e(site.title)}</h2><a href="#top" class="back-to-top">Kembali ke atas</a></div></footer>
</body>
</html>
"""
        return Resource(
            "amp",
            HTML_UTF8,
            self.encode(html),
            _latest(site.layout_date, article.last_modified),
            slug=article.slug,
        )

    def print_view(self, article: Article) -> Resource:
        """A print plugin's page (WP-Print): the post alone with a source note under it."""
        site = self.site
        url = self.url(article.path)
        local = article.published.astimezone(WIB)
        byline = f"Oleh {e(article.author)} pada " if article.author else "Pada "
        html = f"""<!DOCTYPE html>
<html lang="id-ID">
<head>
<meta charset="UTF-8">
<title>{e(article.title)} &raquo; Cetak &raquo; {e(site.title)}</title>
<meta name="robots" content="noindex, follow">
<link rel="canonical" href="{e(url)}">
<link rel="stylesheet" href="{e(self.url("/wp-content/plugins/wp-print/css/print-css.css"))}" media="screen, print">
</head>
<body>
<p style="text-align: center;"><strong>- {e(site.title)} - <span dir="ltr">{e(self.base)}</span> -</strong></p>
<div class="Center">
<div id="Outline">
<p id="BlogTitle">{e(article.title)}</p>
<p id="BlogDate">{byline}{indonesian_date(local)} @ {local:%H:%M} WIB Dalam {e(site.category_name(article.category))}</p>
<div id="BlogContent">
{self.body_html(article, self.baca_juga(article))}
</div>
</div>
</div>
<hr class="Divider" style="text-align: center;">
<p>Artikel dicetak dari {e(site.title)}: <strong dir="ltr">{e(self.base)}</strong></p>
<p>URL artikel: <strong dir="ltr">{e(url)}</strong></p>
<p style="text-align: center;">{e(site.footer)}</p>
</body>
</html>
"""
        return Resource(
            "print",
            HTML_UTF8,
            self.encode(html),
            _latest(site.layout_date, article.last_modified),
            slug=article.slug,
        )

    def static(self, page: StaticPage) -> Resource:
        body = "\n".join(
            "<p>" + _link_markup(p, lambda path: self.url(path)) + "</p>" for p in page.body
        )
        main = f"""<article class="page type-page status-publish hentry">
<header class="entry-header"><h1 class="entry-title">{e(page.title)}</h1></header>
<div class="entry-content">
{body}
</div>
</article>"""
        html = self.frame(
            title=self.doc_title(page.title),
            canonical=self.url(page.path),
            og_type="website",
            body_class="page-template-default page",
            main=main,
            sidebar=self.single_sidebar(),
            description=plain(page.body[0]) if page.body else "",
        )
        return Resource(
            "page",
            HTML_UTF8,
            self.encode(html),
            _latest(self.site.layout_date, *_modified(self.popular_posts())),
        )

    # --- listings --------------------------------------------------------------------------------

    def teaser(self, article: Article, heading: str = "h2") -> str:
        url = e(self.url(article.path))
        thumb = ""
        if article.image:
            thumb = f'<div class="post-thumbnail"><a href="{url}"><img src="{e(self.url(article.image))}" alt="" width="300" height="170"></a></div>'
        date = self.post_date_html(article)
        return f"""<article class="post-{article.post_id} post type-post status-publish hentry category-{article.category}">
{thumb}<header class="entry-header"><{heading} class="entry-title"><a href="{url}" rel="bookmark">{e(article.title)}</a></{heading}>
<div class="entry-meta">{date}</div></header>
<div class="entry-summary"><p>{self.excerpt(article)}</p></div>
</article>"""

    def pagination(self, kind: str, slug: str, page: int, pages: int) -> tuple[str, str]:
        """(nav html, head links) for page `page` of `pages`."""
        if pages <= 1:
            return "", ""
        prev_label, next_label = (
            ("&laquo; Previous", "Next &raquo;")
            if self.en()
            else ("&laquo; Sebelumnya", "Berikutnya &raquo;")
        )

        def link(n: int) -> str:
            return e(self.url(self.archive_path(kind, slug, n)))

        parts = []
        head = ""
        if page > 1:
            parts.append(f'<a class="prev page-numbers" href="{link(page - 1)}">{prev_label}</a>')
            head += f'<link rel="prev" href="{link(page - 1)}">\n'
        for n in range(1, pages + 1):
            if n == page:
                parts.append(f'<span aria-current="page" class="page-numbers current">{n}</span>')
            else:
                parts.append(f'<a class="page-numbers" href="{link(n)}">{n}</a>')
        if page < pages:
            parts.append(f'<a class="next page-numbers" href="{link(page + 1)}">{next_label}</a>')
            head += f'<link rel="next" href="{link(page + 1)}">\n'
        nav = (
            '<nav class="navigation pagination" aria-label="Pos"><h2 class="screen-reader-text">'
            f'Navigasi pos</h2><div class="nav-links">{"".join(parts)}</div></nav>'
        )
        return nav, head

    def archive(self, kind: str, slug: str, posts: list[Article]) -> dict[str, Resource]:
        site = self.site
        if kind == "category":
            heading = f"Kategori: {site.category_name(slug)}"
        elif kind == "tag":
            heading = f"Tag: {slug.replace('-', ' ')}"
        else:
            author = next((a.author for a in posts if a.author), slug)
            heading = f"Penulis: {author}"
        pages = self.pages_count(len(posts))
        out = {}
        per_page = self.style.per_page
        for n in range(1, pages + 1):
            chunk = posts[(n - 1) * per_page : n * per_page]
            nav, head = self.pagination(kind, slug, n, pages)
            items = "\n".join(self.teaser(a) for a in chunk) or (
                '<section class="no-results"><p>Tidak ada pos yang ditemukan.</p></section>'
            )
            title = heading if n == 1 else f"{heading} – Halaman {n}"
            main = f'<header class="page-header"><h1 class="page-title">{e(heading)}</h1></header>\n{items}\n{nav}'
            path = self.archive_path(kind, slug, n)
            html = self.frame(
                title=self.doc_title(title),
                canonical=self.url(path),
                og_type="website",
                body_class=f"archive {kind} {kind}-{slug} paged-{n}",
                main=main,
                sidebar=self.archive_sidebar(),
                head_extra=head,
            )
            out[path] = Resource(
                kind,
                HTML_UTF8,
                self.encode(html),
                _latest(
                    site.changed_at, site.layout_date, *_modified(chunk + self.sidebar_posts())
                ),
                page=n,
            )
        return out

    def home(self) -> Resource:
        site, style = self.site, self.style
        posts = self.home_posts()
        items = "\n".join(self.teaser(a, "h3") for a in posts)
        more = ""
        if style.infinite_scroll:
            more = (
                '<div class="jeg_block_loadmore"><a href="#" data-load="Muat Lebih" '
                'data-loading="Memuat...">Muat Lebih</a></div>'
            )
        main = f"""<h1 class="screen-reader-text">{e(site.title)}</h1>
<section class="home-latest"><h2 class="section-title">Berita Terbaru</h2>
{items}
{more}
</section>"""
        html = self.frame(
            title=f"{site.title}{style.title_sep}{site.tagline}",
            canonical=self.base,
            og_type="website",
            body_class="home blog",
            main=main,
            sidebar=self.archive_sidebar(),
            description=site.tagline,
        )
        return Resource(
            "home",
            HTML_UTF8,
            self.encode(html),
            _latest(site.changed_at, site.layout_date, *_modified(posts + self.sidebar_posts())),
        )

    def search(self, query: str) -> Resource:
        site = self.site
        needle = query.casefold()
        hits = [
            a
            for a in site.articles
            if needle and (needle in a.title.casefold() or needle in a.text().casefold())
        ][: self.style.search_count]
        items = "\n".join(self.teaser(a) for a in hits) or (
            '<section class="no-results"><p>Maaf, tidak ada yang cocok dengan kata kunci Anda.</p></section>'
        )
        heading = f"Hasil Pencarian untuk: {query}"
        main = f'<header class="page-header"><h1 class="page-title">{e(heading)}</h1></header>\n{items}'
        html = self.frame(
            title=self.doc_title(heading),
            canonical=self.url("/?s=" + quote_plus(query)),
            og_type="website",
            body_class="search search-results",
            main=main,
            sidebar=self.archive_sidebar(),
        )
        return Resource(
            "search",
            HTML_UTF8,
            self.encode(html),
            _latest(site.changed_at, site.layout_date, *_modified(hits + self.sidebar_posts())),
        )

    # --- robots, feeds, sitemaps -----------------------------------------------------------------

    def robots(self) -> Resource:
        lines = ["User-agent: *"]
        lines += [f"Disallow: {p}" for p in self.style.robots_disallow]
        lines.append("Allow: /wp-admin/admin-ajax.php")
        if self.style.robots_sitemaps:
            lines.append("")
            lines += [f"Sitemap: {self.url(p)}" for p in self.style.robots_sitemaps]
        text = "\n".join(lines) + "\n"
        return Resource("robots", "text/plain; charset=utf-8", text.encode(), self.site.layout_date)

    def feed_posts(self) -> list[Article]:
        return self.site.posts()[: self.style.feed_count]

    def rss(self) -> Resource:
        site = self.site
        posts = self.feed_posts()
        items = []
        for a in posts:
            content = self.body_html(a).replace("]]>", "]]&gt;")
            items.append(f"""<item>
<title>{_x(a.title)}</title>
<link>{_x(self.url(a.path))}</link>
<comments>{_x(self.url(a.path))}#respond</comments>
<dc:creator><![CDATA[{a.author or site.title}]]></dc:creator>
<pubDate>{_rfc822(a.published)}</pubDate>
<category><![CDATA[{site.category_name(a.category)}]]></category>
<guid isPermaLink="false">{_x(self.base)}?p={a.post_id}</guid>
<description><![CDATA[{self.excerpt(a, 40)}]]></description>
<content:encoded><![CDATA[{content}]]></content:encoded>
</item>""")
        built = _latest(site.changed_at, *_modified(posts))
        xml = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
xmlns:content="http://purl.org/rss/1.0/modules/content/"
xmlns:wfw="http://wellformedweb.org/CommentAPI/"
xmlns:dc="http://purl.org/dc/elements/1.1/"
xmlns:atom="http://www.w3.org/2005/Atom"
xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel>
<title>{_x(site.title)}</title>
<atom:link href="{_x(self.url("/feed/"))}" rel="self" type="application/rss+xml" />
<link>{_x(self.base)}</link>
<description>{_x(site.tagline)}</description>
<lastBuildDate>{_rfc822(built)}</lastBuildDate>
<language>id</language>
<sy:updatePeriod>hourly</sy:updatePeriod>
<sy:updateFrequency>1</sy:updateFrequency>
<generator>https://wordpress.org/?v=6.4.3</generator>
{chr(10).join(items)}
</channel>
</rss>
"""
        return Resource(
            "rss",
            "application/rss+xml; charset=UTF-8",
            xml.encode(),
            _latest(site.changed_at, *_modified(posts)),
        )

    def atom(self, posts: list[Article] | None = None) -> Resource:
        site = self.site
        posts = self.feed_posts() if posts is None else posts
        updated = _latest(site.changed_at, *_modified(posts))
        entries = []
        for a in posts:
            entries.append(f"""<entry>
<author><name>{_x(a.author or site.title)}</name></author>
<title type="html"><![CDATA[{a.title}]]></title>
<link rel="alternate" type="text/html" href="{_x(self.url(a.path))}" />
<id>{_x(self.base)}?p={a.post_id}</id>
<updated>{_zulu(a.last_modified)}</updated>
<published>{_zulu(a.published)}</published>
<category scheme="{_x(self.base)}" term="{_x(site.category_name(a.category))}" />
<summary type="html"><![CDATA[{self.excerpt(a, 40)}]]></summary>
</entry>""")
        xml = f"""<?xml version="1.0" encoding="UTF-8"?><feed
xmlns="http://www.w3.org/2005/Atom"
xmlns:thr="http://purl.org/syndication/thread/1.0"
xml:lang="id">
<title type="text">{_x(site.title)}</title>
<subtitle type="text">{_x(site.tagline)}</subtitle>
<updated>{_zulu(updated)}</updated>
<link rel="alternate" type="text/html" href="{_x(self.base)}" />
<id>{_x(self.url("/feed/atom/"))}</id>
<link rel="self" type="application/atom+xml" href="{_x(self.url("/feed/atom/"))}" />
<generator uri="https://wordpress.org/" version="6.4.3">WordPress</generator>
{chr(10).join(entries)}
</feed>
"""
        return Resource("atom", "application/atom+xml; charset=UTF-8", xml.encode(), updated)

    def sitemaps(self) -> dict[str, Resource]:
        style = self.style
        if style.sitemaps == "yoast":
            return self.yoast_sitemaps()
        if style.sitemaps == "core":
            return self.core_sitemaps()
        if style.sitemaps == "category":
            posts = self.site.posts(category=style.sitemap_category)
            return {style.category_sitemap: self.urlset("sitemap", self.post_entries(posts))}
        return {}

    def post_entries(self, posts: list[Article]) -> list[tuple[str, datetime, str | None]]:
        return [
            (self.url(a.path), a.last_modified, self.url(a.image) if a.image else None)
            for a in posts
        ]

    def page_entries(
        self, extra_files: Iterable[str] = ()
    ) -> list[tuple[str, datetime, str | None]]:
        site = self.site
        entries: list[tuple[str, datetime, str | None]] = [
            (self.base, _latest(site.changed_at, *_modified(site.articles[:1])), None)
        ]
        entries += [(self.url(p.path), site.layout_date, None) for p in site.pages]
        entries += [(self.url(f), site.layout_date, None) for f in extra_files]
        return entries

    def urlset(
        self, kind: str, entries: list[tuple[str, datetime, str | None]], *, gz: bool = False
    ) -> Resource:
        rows = []
        for loc, lastmod, image in entries:
            img = (
                f"\n<image:image><image:loc>{_x(image)}</image:loc></image:image>" if image else ""
            )
            rows.append(
                f"<url>\n<loc>{_x(loc)}</loc>\n<lastmod>{_w3c(lastmod)}</lastmod>{img}\n</url>"
            )
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" '
            'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(rows)
            + "\n</urlset>\n"
        ).encode()
        modified = _latest(self.site.changed_at, *(m for _, m, _ in entries))
        if gz:
            # mtime=0: the same content gives the same bytes, hence a stable ETag.
            return Resource(kind, "application/x-gzip", gzip.compress(xml, mtime=0), modified)
        return Resource(kind, "application/xml; charset=UTF-8", xml, modified)

    def sitemap_index(self, children: dict[str, Resource], *, lastmod: bool = True) -> Resource:
        rows = []
        for path, child in children.items():
            stamp = f"\n<lastmod>{_w3c(child.last_modified)}</lastmod>" if lastmod else ""
            rows.append(f"<sitemap>\n<loc>{_x(self.url(path))}</loc>{stamp}\n</sitemap>")
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(rows)
            + "\n</sitemapindex>\n"
        )
        modified = _latest(self.site.changed_at, *(c.last_modified for c in children.values()))
        return Resource("sitemap-index", "application/xml; charset=UTF-8", xml.encode(), modified)

    def yoast_sitemaps(self) -> dict[str, Resource]:
        style, site = self.style, self.site
        posts = site.posts()
        first, rest = posts[: style.post_sitemap_size], posts[style.post_sitemap_size :]
        children = {"/post-sitemap.xml": self.urlset("sitemap", self.post_entries(first))}
        if rest:
            children["/post-sitemap2.xml.gz"] = self.urlset(
                "sitemap", self.post_entries(rest), gz=True
            )
        children["/page-sitemap.xml"] = self.urlset(
            "sitemap", self.page_entries(style.page_sitemap_files)
        )
        out = {"/sitemap_index.xml": self.sitemap_index(children), **children}
        if style.news_sitemap:
            out["/news-sitemap.xml"] = self.news_sitemap(site.real_articles()[: style.news_sitemap])
        return out

    def core_sitemaps(self) -> dict[str, Resource]:
        posts = self.site.posts()
        children = {
            "/wp-sitemap-posts-post-1.xml": self.urlset("sitemap", self.post_entries(posts)),
            "/wp-sitemap-posts-page-1.xml": self.urlset("sitemap", self.page_entries()),
        }
        return {"/wp-sitemap.xml": self.sitemap_index(children, lastmod=False), **children}

    def news_sitemap(self, posts: list[Article]) -> Resource:
        rows = []
        for a in posts:
            rows.append(f"""<url>
<loc>{_x(self.url(a.path))}</loc>
<news:news>
<news:publication><news:name>{_x(self.site.title)}</news:name><news:language>id</news:language></news:publication>
<news:publication_date>{a.published.astimezone(WIB).isoformat()}</news:publication_date>
<news:title>{_x(a.title)}</news:title>
</news:news>
</url>""")
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
            + "\n".join(rows)
            + "\n</urlset>\n"
        )
        return Resource(
            "news-sitemap",
            "application/xml; charset=UTF-8",
            xml.encode(),
            _latest(self.site.changed_at, *_modified(posts)),
        )


# --- government CMS (windows-1252, tables) -------------------------------------------------------


class _GoId(_Renderer):
    """Root-relative links, as old CMS templates write them."""

    def href(self, path: str) -> str:
        return path

    def listing_path(self, n: int) -> str:
        return "/berita/" if n == 1 else f"/berita/?{self.style.listing_query}={n}"

    def routes(self) -> dict[str, Resource]:
        site = self.site
        out: dict[str, Resource] = {"/": self.home()}
        out.update(self.listing())
        for article in site.articles:
            resource = self.single(article)
            out[article.path] = resource
            for alias in article.aliases:
                out[alias] = resource
        for page in site.pages:
            out[page.path] = self.static(page)
        out.update(self.files())
        out["/templates/bkkbn/css/template.css"] = Resource(
            "asset", "text/css", TINY_CSS, site.layout_date
        )
        return out

    def news(self) -> list[Article]:
        return self.site.posts(category="berita")

    def latest(self) -> list[Article]:
        return self.news()[: self.style.sidebar_count]

    def notices(self) -> list[Article]:
        return [a for a in self.site.articles if a.kind == "notice"]

    def frame(self, title: str, content: str) -> str:
        site = self.site
        latest = "".join(
            f'<a href="{e(a.path)}" class="latestnews">{e(a.title)}</a><br>' for a in self.latest()
        )
        notices = "".join(f'<a href="{e(a.path)}">{e(a.title)}</a><br>' for a in self.notices())
        downloads = "".join(
            f'<a href="{e(f.path)}">{e(f.title)}</a><br>'
            for f in site.files
            if f.kind in ("pdf", "png")
            and not f.path.endswith("logo-bkkbn.png")
            and not any(a.image == f.path for a in site.articles)
        )
        # Beranda | <first page> | Berita | <other pages>: the order the old template hard-codes.
        pages = [
            f'<a href="{e(p.path)}" class="mainlevel-nav">{e(p.title)}</a>'
            for p in site.pages
            if p.in_menu
        ]
        berita = '<a href="/berita/" class="mainlevel-nav">Berita</a>'
        home = '<a href="/" class="mainlevel-nav">Beranda</a>'
        menu = " | ".join([home, *pages[:1], berita, *pages[1:]])
        return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<title>{e(title)}</title>
<meta name="keywords" content="bkkbn, sumsel, keluarga berencana, bangga kencana, stunting">
<meta name="description" content="{e(site.title)}">
<link href="/templates/bkkbn/css/template.css" rel="stylesheet" type="text/css">
</head>
<body bgcolor="#FFFFFF" topmargin="0">
<table width="960" border="0" align="center" cellpadding="0" cellspacing="0" class="main">
<tr><td colspan="3" class="header"><a href="/"><img src="/images/logo-bkkbn.png" alt="BKKBN" width="60" height="60" border="0"></a> <span class="sitename">{e(site.title.upper())}</span><br><span class="slogan">{e(site.tagline)}</span></td></tr>
<tr><td colspan="3" class="topmenu">{menu}</td></tr>
<tr>
<td width="190" valign="top" class="leftcol">
<table cellpadding="0" cellspacing="0" class="moduletable"><tr><th valign="top">Pengumuman</th></tr><tr><td>{notices}</td></tr></table>
<table cellpadding="0" cellspacing="0" class="moduletable"><tr><th valign="top">Unduhan</th></tr><tr><td>{downloads}</td></tr></table>
<table cellpadding="0" cellspacing="0" class="moduletable"><tr><th valign="top">Statistik Pengunjung</th></tr><tr><td>Jumlah Pengunjung: 1.284.516<br>Pengunjung Hari Ini: 312</td></tr></table>
</td>
<td valign="top" class="maincol">
{content}
</td>
<td width="190" valign="top" class="rightcol">
<table cellpadding="0" cellspacing="0" class="moduletable"><tr><th valign="top">Berita Terbaru</th></tr><tr><td>{latest}</td></tr></table>
<table cellpadding="0" cellspacing="0" class="moduletable"><tr><th valign="top">Tautan</th></tr><tr><td><a href="https://www.bkkbn.go.id/" target="_blank">BKKBN Pusat</a><br><a href="https://sumselprov.go.id/" target="_blank">Pemprov Sumsel</a></td></tr></table>
</td>
</tr>
<tr><td colspan="3" class="footer">{e(site.footer)}<br>{e(site.address)}</td></tr>
</table>
</body>
</html>
"""

    def date_cell(self, article: Article) -> str:
        if not article.show_date:
            return ""
        local = article.published.astimezone(WIB)
        return f'<tr><td valign="top" class="createdate">{indonesian_date(local)}</td></tr>'

    def single(self, article: Article) -> Resource:
        site = self.site
        image = ""
        if article.image:
            image = f'<img src="{e(article.image)}" alt="" width="400" height="250" align="left" hspace="6"><br>'
        content = f"""<table class="contentpaneopen"><tr><td class="contentheading" width="100%">{e(article.title)}</td><td align="right" width="100%" class="buttonheading"><a href="javascript:window.print()" title="Cetak">Cetak</a></td></tr></table>
<table class="contentpaneopen">
{self.date_cell(article)}
<tr><td valign="top">{image}
{self.body_html(article)}
</td></tr>
<tr><td class="small">Hits: {1000 + article.post_id * 7}</td></tr>
</table>
<span class="article_separator">&nbsp;</span>"""
        html = self.frame(
            f"{article.title}{self.style.title_sep}{self.style.domain_label}", content
        )
        deps = [article, *self.latest(), *self.notices()]
        return Resource(
            "notice" if article.kind == "notice" else "article",
            "text/html",
            self.encode(html),
            _latest(site.changed_at, site.layout_date, *_modified(deps)),
            slug=article.slug,
        )

    def static(self, page: StaticPage) -> Resource:
        body = "\n".join(f"<p>{_link_markup(p, lambda path: path)}</p>" for p in page.body)
        content = f"""<table class="contentpaneopen"><tr><td class="contentheading" width="100%">{e(page.title)}</td></tr></table>
<table class="contentpaneopen"><tr><td valign="top">{body}</td></tr></table>"""
        html = self.frame(f"{page.title}{self.style.title_sep}{self.style.domain_label}", content)
        deps = [*self.latest(), *self.notices()]
        return Resource(
            "page",
            "text/html",
            self.encode(html),
            _latest(self.site.changed_at, self.site.layout_date, *_modified(deps)),
        )

    def teaser(self, article: Article) -> str:
        return f"""<table class="contentpaneopen"><tr><td class="contentheading" width="100%"><a href="{e(article.path)}" class="contentpagetitle">{e(article.title)}</a></td></tr></table>
<table class="contentpaneopen">{self.date_cell(article)}<tr><td valign="top"><p>{self.excerpt(article, 30).replace(" [&hellip;]", " ...")}</p></td></tr>
<tr><td><a href="{e(article.path)}" class="readon">Selengkapnya...</a></td></tr></table>
<span class="article_separator">&nbsp;</span>"""

    def listing(self) -> dict[str, Resource]:
        site = self.site
        posts = self.news()
        pages = self.pages_count(len(posts))
        per_page = self.style.per_page
        out = {}
        for n in range(1, pages + 1):
            chunk = posts[(n - 1) * per_page : n * per_page]
            nav = []
            nav.append(
                "&laquo; Awal"
                if n == 1
                else f'<a href="{e(self.listing_path(1))}">&laquo; Awal</a>'
            )
            nav.append(
                "&lsaquo; Sebelumnya"
                if n == 1
                else f'<a href="{e(self.listing_path(n - 1))}">&lsaquo; Sebelumnya</a>'
            )
            for k in range(1, pages + 1):
                nav.append(
                    f"<strong>{k}</strong>"
                    if k == n
                    else f'<a href="{e(self.listing_path(k))}">{k}</a>'
                )
            nav.append(
                "Berikutnya &rsaquo;"
                if n == pages
                else f'<a href="{e(self.listing_path(n + 1))}" title="Berikutnya">Berikutnya &raquo;</a>'
            )
            nav.append(
                "Akhir &raquo;"
                if n == pages
                else f'<a href="{e(self.listing_path(pages))}">Akhir &raquo;</a>'
            )
            content = f"""<div class="componentheading">Berita</div>
<table class="blog" cellpadding="0" cellspacing="0"><tr><td valign="top">
{"".join(self.teaser(a) for a in chunk)}
</td></tr>
<tr><td valign="top" align="center"><div class="pagination">{" ".join(nav)}</div><div class="counter">Halaman {n} dari {pages}</div></td></tr>
</table>"""
            html = self.frame(f"Berita{self.style.title_sep}{self.style.domain_label}", content)
            out[self.listing_path(n)] = Resource(
                "listing",
                "text/html",
                self.encode(html),
                _latest(site.changed_at, site.layout_date, *_modified(chunk + self.latest())),
                page=n,
            )
        return out

    def home(self) -> Resource:
        site = self.site
        posts = self.news()[: self.style.home_count]
        content = f"""<div class="componentheading">Selamat Datang di Website Resmi {e(site.title)}</div>
{"".join(self.teaser(a) for a in posts)}
<p><a href="/berita/">Indeks Berita &raquo;</a></p>"""
        html = self.frame(f"Beranda{self.style.title_sep}{self.style.domain_label}", content)
        return Resource(
            "home",
            "text/html",
            self.encode(html),
            _latest(site.changed_at, site.layout_date, *_modified(posts + self.latest())),
        )


# --- small formatting helpers --------------------------------------------------------------------


def view_path(path: str, view: str) -> str:
    """Where a WordPress plugin serves a post's `view` ('amp', 'print'): a path segment."""
    return path.rstrip("/") + f"/{view}/"


def _link_markup(paragraph: str, href: Callable[[str], str]) -> str:
    html = e(plain(paragraph))
    for text, path in paragraph_links(paragraph):
        html = html.replace(e(text), f'<a href="{e(href(path))}">{e(text)}</a>', 1)
    return html


def _x(text: str) -> str:
    return escape(text, quote=False)


def _rfc822(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC))


def _zulu(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _w3c(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")
