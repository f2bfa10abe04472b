# ruff: noqa: E501  (HTML templates: a line of markup reads better unbroken)
"""HTML of the regional benchmark web: article pages, listings and the home page of each family
(WordPress, custom CMS, ``*.go.id`` Joomla, listings-only portal).

Every page carries the furniture that defeats HTTP validators on real regional sites: a top-bar
date and a "popular articles" box that change every night (`Noise`), and on one make a view
counter and a form token that change on every request. The article text itself never depends
on the noise.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from html import escape

from warta.sampleweb.content import WIB, indonesian_date
from warta.sampleweb.regional_site import CATEGORIES, RegionalPost, RegionalSite


@dataclass(frozen=True, slots=True)
class Noise:
    """What changes on a page while its article does not."""

    today: date
    """The top-bar date: the site's clock, one day further every night."""
    popular: tuple[RegionalPost, ...]
    """The "Terpopuler" box: a different pick every night."""
    hits: int | None = None
    """Per-request noise (a view counter, a form token), on makes that have it."""


def e(text: str) -> str:
    return escape(text, quote=True)


class Renderer:
    def __init__(self, site: RegionalSite, base: str, noise: Noise) -> None:
        self.site = site
        self.family = site.make.family
        self.origin = base.rstrip("/")
        self.noise = noise

    def url(self, path: str) -> str:
        return self.origin + path

    def encode(self, html: str) -> bytes:
        return html.encode(self.site.make.encoding, errors="xmlcharrefreplace")

    # --- shared furniture ------------------------------------------------------------------------

    def top_bar(self) -> str:
        return (
            f'<div class="top-bar"><span class="tanggal-hari-ini">{indonesian_date(self.noise.today)}</span>'
            f' <span class="top-links"><a href="{e(self.url(self.redaksi_path))}">Redaksi</a></span></div>'
        )

    @property
    def redaksi_path(self) -> str:
        return "/redaksi/" if self.family == "wordpress" else "/redaksi"

    def popular_box(self) -> str:
        items = "".join(
            f'<li><a href="{e(self.url(p.path))}">{e(p.title)}</a></li>' for p in self.noise.popular
        )
        return f'<aside class="widget widget-popular"><h3 class="widget-title">Terpopuler</h3><ol>{items}</ol></aside>'

    def latest_box(self) -> str:
        items = "".join(
            f'<li><a href="{e(self.url(p.path))}">{e(p.title)}</a></li>'
            for p in self.site.posts[:5]
        )
        return f'<aside class="widget widget-latest"><h3 class="widget-title">Berita Terkini</h3><ul>{items}</ul></aside>'

    def counter(self) -> str:
        hits = self.noise.hits
        if hits is None:
            return ""
        token = hashlib.sha1(f"{self.site.name}-{hits}".encode()).hexdigest()
        return (
            f'<div class="visitor-counter">Pengunjung: {1_200_000 + hits:,}</div>'
            f'<form class="newsletter" method="post" action="{e(self.url("/langganan"))}">'
            f'<input type="hidden" name="_token" value="{token}"><input type="email" name="email">'
            '<button type="submit">Langganan</button></form>'
        ).replace(",", ".")

    def category_nav(self) -> str:
        roots = [r for r in self.site.listings() if r not in ("/",)]
        links = [f'<a href="{e(self.url("/"))}">Beranda</a>']
        for root in roots:
            slug = root.strip("/").rsplit("/", 1)[-1]
            label = CATEGORIES.get(
                slug, "Indeks Berita" if slug in ("indeks", "terkini") else slug.title()
            )
            links.append(f'<a href="{e(self.url(root))}">{e(label)}</a>')
        return '<nav class="main-menu">' + " | ".join(links) + "</nav>"

    def shown_date(self, post: RegionalPost) -> str:
        local = post.published.astimezone(WIB)
        return f"{indonesian_date(local)} | {local:%H:%M} WIB"

    # --- pages -----------------------------------------------------------------------------------

    def article(self, post: RegionalPost) -> bytes:
        if self.family == "goid":
            return self.goid_frame(post.title, self.goid_article(post))
        body = "\n".join(f"<p>{e(p)}</p>" for p in post.paragraphs)
        local = post.published.astimezone(WIB)
        category = CATEGORIES[post.category]
        if self.family == "wordpress":
            dateline = (
                f'<time class="entry-date published" datetime="{local.isoformat()}">{indonesian_date(local, weekday=False)}</time>'
                f'<time class="updated" datetime="{post.modified.astimezone(WIB).isoformat()}"></time>'
            )
        else:
            dateline = f'<span class="date">{self.shown_date(post)}</span>'
        views = ""
        if self.noise.hits is not None:
            views = f'<span class="views">Dibaca {300 + self.noise.hits} kali</span>'
        main = f"""<article class="post post-{post.post_id}">
<div class="breadcrumb"><a href="{e(self.url("/"))}">Beranda</a> &raquo; {e(category)}</div>
<h1 class="entry-title">{e(post.title)}</h1>
<div class="entry-meta"><span class="author">{e(post.author)}</span> {dateline} {views}</div>
<div class="entry-content">
{body}
</div>
<div class="share">Bagikan: <a href="https://wa.me/?text={e(self.url(post.path))}" rel="nofollow">WhatsApp</a> <a href="https://www.facebook.com/sharer.php?u={e(self.url(post.path))}" rel="nofollow">Facebook</a></div>
</article>"""
        head = self.article_head(post)
        return self.frame(
            post.title, main, head=head, og_type="article", canonical=self.url(post.path)
        )

    def article_head(self, post: RegionalPost) -> str:
        local = post.published.astimezone(WIB).isoformat()
        modified = post.modified.astimezone(WIB).isoformat()
        if self.family == "portal":
            # Portals of this kind declare little: the byline date is all there is.
            return ""
        head = (
            f'<meta property="article:published_time" content="{local}">\n'
            f'<meta property="article:modified_time" content="{modified}">\n'
        )
        if self.family == "cms" or self.site.make.rest_api:
            data = {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": post.title,
                "datePublished": local,
                "dateModified": modified,
                "author": {"@type": "Person", "name": post.author},
                "publisher": {"@type": "Organization", "name": self.site.title},
                "mainEntityOfPage": self.url(post.path),
            }
            text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
            head += f'<script type="application/ld+json">{text}</script>\n'
        return head

    def listing(self, root: str, page: int, posts: list[RegionalPost]) -> bytes:
        """Page `page` of a listing; `posts` are the listing's posts, newest first."""
        site = self.site
        pages = site.page_count(posts)
        chunk = posts[(page - 1) * site.per_page : page * site.per_page]
        if self.family == "goid":
            return self.goid_frame("Berita", self.goid_listing(root, page, pages, chunk))
        items = "\n".join(
            f'<article class="list-item"><h2 class="list-title"><a href="{e(self.url(p.path))}">{e(p.title)}</a></h2>'
            f'<span class="list-date">{self.shown_date(p)}</span>'
            f"<p>{e(_excerpt(p))}</p></article>"
            for p in chunk
        )
        nav = []
        if page > 1:
            nav.append(
                f'<a class="prev" rel="prev" href="{e(self.url(site.listing_path(root, page - 1)))}">&laquo; Sebelumnya</a>'
            )
        nav += [
            f"<span class='current'>{n}</span>"
            if n == page
            else f'<a href="{e(self.url(site.listing_path(root, n)))}">{n}</a>'
            for n in range(max(1, page - 2), min(pages, page + 2) + 1)
        ]
        head = ""
        if page < pages:
            following = self.url(site.listing_path(root, page + 1))
            nav.append(f'<a class="next" rel="next" href="{e(following)}">Berikutnya &raquo;</a>')
            head = f'<link rel="next" href="{e(following)}">\n'
        slug = root.strip("/").rsplit("/", 1)[-1]
        heading = CATEGORIES.get(slug, "Berita Terkini") if root != "/" else "Berita Terbaru"
        main = f'<h1 class="archive-title">{e(heading)}</h1>\n{items}\n<div class="pagination">{" ".join(nav)}</div>'
        title = heading if page == 1 else f"{heading} - Halaman {page}"
        return self.frame(
            title,
            main,
            head=head,
            og_type="website",
            canonical=self.url(site.listing_path(root, page)),
        )

    def home(self) -> bytes:
        """The home page of makes whose home is not a listing root (CMS, portal)."""
        if self.family == "goid":
            return self.goid_frame(
                "Beranda", self.goid_listing("/berita", 1, 1, self.site.posts[:5], home=True)
            )
        items = "\n".join(
            f'<div class="headline"><h2><a href="{e(self.url(p.path))}">{e(p.title)}</a></h2>'
            f'<span class="list-date">{self.shown_date(p)}</span></div>'
            for p in self.site.posts[:10]
        )
        index = "/indeks" if self.family == "cms" else "/terkini"
        main = (
            f'{items}\n<p class="more"><a href="{e(self.url(index))}">Indeks Berita &raquo;</a></p>'
        )
        return self.frame(self.site.title, main, og_type="website", canonical=self.url("/"))

    def redaksi(self) -> bytes:
        main = (
            f'<h1 class="entry-title">Redaksi</h1><div class="entry-content"><p>{e(self.site.title)} diterbitkan '
            f"oleh tim redaksi di {e(self.site.place)}.</p><p>Pemimpin Redaksi: Hendra Saputra</p></div>"
        )
        if self.family == "goid":
            return self.goid_frame("Redaksi", main)
        return self.frame("Redaksi", main, og_type="website", canonical=self.url(self.redaksi_path))

    # --- frames ----------------------------------------------------------------------------------

    def frame(
        self, title: str, main: str, *, head: str = "", og_type: str, canonical: str
    ) -> bytes:
        site = self.site
        feeds = ""
        if site.make.feed == "wordpress":
            feeds += f'<link rel="alternate" type="application/rss+xml" title="{e(site.title)} &raquo; Feed" href="{e(self.url("/feed/"))}">\n'
        if site.make.atom:
            feeds += f'<link rel="alternate" type="application/atom+xml" title="{e(site.title)} &raquo; Atom" href="{e(self.url("/feed/atom/"))}">\n'
        if site.make.feed == "cms":
            feeds += f'<link rel="alternate" type="application/rss+xml" title="RSS {e(site.title)}" href="{e(self.url("/rss"))}">\n'
        generator = ""
        if self.family == "wordpress":
            generator = (
                '<meta name="generator" content="WordPress 6.6.2">\n'
                f'<link rel="https://api.w.org/" href="{e(self.url("/wp-json/"))}">\n'
            )
        return self.encode(f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} - {e(site.title)}</title>
<link rel="canonical" href="{e(canonical)}">
<meta property="og:type" content="{og_type}">
<meta property="og:title" content="{e(title)}">
<meta property="og:site_name" content="{e(site.title)}">
<meta property="og:url" content="{e(canonical)}">
{head}{feeds}{generator}<style id="theme-inline-css">{theme_css(site.name, 14_000)}</style>
</head>
<body class="{self.family}">
{self.top_bar()}
<header class="site-header"><p class="site-title"><a href="{e(self.url("/"))}">{e(site.title)}</a></p>
{self.category_nav()}</header>
<div class="container">
<main id="main" class="content">
{main}
</main>
<div class="sidebar">
{self.popular_box()}
{self.latest_box()}
{self.counter()}
</div>
</div>
<script id="theme-config">{theme_script(site.name, 9_000)}</script>
<footer class="site-footer"><p>&copy; {self.noise.today.year} {e(site.title)}. Hak cipta dilindungi undang-undang.</p>
<p><a href="{e(self.url(self.redaksi_path))}">Redaksi</a> | <a href="{e(self.url("/"))}">Beranda</a></p></footer>
</body>
</html>
""")

    def goid_frame(self, title: str, content: str) -> bytes:
        site = self.site
        popular = "".join(f'<a href="{e(p.path)}">{e(p.title)}</a><br>' for p in self.noise.popular)
        latest = "".join(
            f'<a href="{e(p.path)}" class="latestnews">{e(p.title)}</a><br>' for p in site.posts[:5]
        )
        return self.encode(f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<title>{e(title)} - {e(site.domain_label)}</title>
<link href="/berita?format=feed&amp;type=rss" rel="alternate" type="application/rss+xml" title="RSS 2.0">
<meta name="generator" content="Joomla! 1.5 - Open Source Content Management">
<style type="text/css">{theme_css(site.name, 5_000)}</style>
</head>
<body>
<table width="960" border="0" align="center" class="main">
<tr><td colspan="3" class="header"><span class="sitename">{e(site.title.upper())}</span><br><span class="tanggal">{indonesian_date(self.noise.today)}</span></td></tr>
<tr><td colspan="3" class="topmenu"><a href="/" class="mainlevel-nav">Beranda</a> | <a href="/berita" class="mainlevel-nav">Berita</a> | <a href="/redaksi" class="mainlevel-nav">Profil</a></td></tr>
<tr>
<td width="190" valign="top" class="leftcol"><table class="moduletable"><tr><th>Berita Populer</th></tr><tr><td>{popular}</td></tr></table></td>
<td valign="top" class="maincol">
{content}
</td>
<td width="190" valign="top" class="rightcol"><table class="moduletable"><tr><th>Berita Terbaru</th></tr><tr><td>{latest}</td></tr></table></td>
</tr>
<tr><td colspan="3" class="footer">&copy; {self.noise.today.year} {e(site.title)}</td></tr>
</table>
</body>
</html>
""")

    def goid_article(self, post: RegionalPost) -> str:
        body = "\n".join(f"<p>{e(p)}</p>" for p in post.paragraphs)
        return f"""<table class="contentpaneopen"><tr><td class="contentheading" width="100%">{e(post.title)}</td></tr></table>
<table class="contentpaneopen">
<tr><td valign="top" class="createdate">{indonesian_date(post.published.astimezone(WIB))}</td></tr>
<tr><td valign="top">
{body}
</td></tr>
</table>"""

    def goid_listing(
        self, root: str, page: int, pages: int, chunk: list[RegionalPost], *, home: bool = False
    ) -> str:
        teasers = "".join(
            f'<table class="contentpaneopen"><tr><td class="contentheading"><a href="{e(p.path)}" class="contentpagetitle">{e(p.title)}</a></td></tr>'
            f'<tr><td class="createdate">{indonesian_date(p.published.astimezone(WIB))}'
            f"{self.goid_modified(p)}</td></tr>"
            f"<tr><td>{e(_excerpt(p))} ...</td></tr></table>"
            for p in chunk
        )
        if home:
            return f'<div class="componentheading">Selamat Datang</div>{teasers}<p><a href="/berita">Indeks Berita &raquo;</a></p>'
        nav = []
        if page > 1:
            nav.append(
                f'<a href="{e(self.site.listing_path(root, page - 1))}" title="Sebelumnya">Sebelumnya</a>'
            )
        if page < pages:
            nav.append(
                f'<a href="{e(self.site.listing_path(root, page + 1))}" title="Berikutnya">Berikutnya</a>'
            )
        return f'<div class="componentheading">Berita</div>{teasers}<div class="pagination">{" ".join(nav)}</div><div class="counter">Halaman {page} dari {pages}</div>'


    @staticmethod
    def goid_modified(post: RegionalPost) -> str:
        """Joomla's category blog option "Show Modify Date" (Last Updated), in Indonesian: on the
        created-date line, so a teaser keeps its three lines."""
        local = post.modified.astimezone(WIB)
        return (
            f' <span class="modifydate">Terakhir diperbarui: {indonesian_date(local)}'
            f" {local:%H:%M} WIB</span>"
        )


def _excerpt(post: RegionalPost, words: int = 22) -> str:
    tokens = post.text.split()
    return " ".join(tokens[:words]) + ("…" if len(tokens) > words else "")


# Real regional pages weigh 60–200 KB, most of it theme CSS and scripts inlined by page builders
# and ad plugins: without that weight a night of sitemaps would look dearer, against night 1's
# article pages, than it is on the real sites.


@lru_cache(maxsize=64)
def theme_css(seed: str, size: int) -> str:
    rng = random.Random(f"css-{seed}")
    rules = []
    while sum(map(len, rules)) < size:
        name = (
            f".{rng.choice(('td', 'jeg', 'elementor', 'wp-block', 'tie'))}-{rng.randrange(10_000)}"
        )
        rules.append(
            f"{name}{{margin:{rng.randrange(40)}px {rng.randrange(40)}px;color:#{rng.randrange(16**6):06x};"
            f"font-size:{rng.randrange(10, 30)}px;line-height:{rng.randrange(10, 20) / 10}}}"
        )
    return "".join(rules)


@lru_cache(maxsize=64)
def theme_script(seed: str, size: int) -> str:
    rng = random.Random(f"js-{seed}")
    config: dict[str, object] = {}
    while len(json.dumps(config)) < size:
        config[f"opt_{rng.randrange(100_000)}"] = rng.choice(
            (
                rng.randrange(1000),
                f"value-{rng.randrange(10**6)}",
                [rng.randrange(99) for _ in range(6)],
            )
        )
    return "var themeConfig = " + json.dumps(config) + ";"
