# ruff: noqa: E501  (HTML templates: a line of markup reads better unbroken)
"""Foreign sites: sample sites built to look like the pages warta failed on, not like its own
templates (WordPress and the Joomla-era go.id CMS of `warta.sampleweb.pages`).

* theme ``cms`` (``data/foreign-kabarkota.toml``): a custom city-portal CMS. No sitemap, no feed,
  no og/JSON-LD/date metadata; articles are listed only on ``/indeks?page=N``; the dateline
  "Rabu, 12/06/2024 14:30 WIB" sits under the <h1> in a plain <span>; every page carries a top bar
  with the day of the visit and a "Terpopuler" box of other articles with their datelines; news
  briefs of about 300 characters and a photo page whose body is its caption.
* theme ``portal`` (``data/foreign-diskominfo.toml``): a regional government portal served as
  windows-1252 without any charset declaration; the headline in an <h2>; the date only in the
  first body line ("Lubuklinggau, Rabu (12/6/2024) – …"); a "Berita Terpopuler" box with other
  articles' dates printed before the article; listings at ``/berita/?start=N``.

``SampleWeb(foreign=True)`` adds these sites to the default web; ``load_foreign_sites()`` gives
them alone. Their ground truth comes from the same link-graph machinery as the other sites.
"""

from __future__ import annotations

from datetime import datetime

from warta.sampleweb.content import WIB, Article, Site, StaticPage, indonesian_date, load_site
from warta.sampleweb.pages import HTML_UTF8, Resource, _latest, _modified, _Renderer, e

__all__ = ["FOREIGN_SITE_FILES", "FOREIGN_THEMES", "build_foreign_routes", "load_foreign_sites",
           "states_time"]

FOREIGN_SITE_FILES = ("foreign-kabarkota.toml", "foreign-diskominfo.toml")
FOREIGN_THEMES = frozenset({"cms", "portal"})
# The day of the "visit" both portals print in their top bar: later than every article, so a
# crawler that takes the first date on the page gets it wrong.
VISIT_DAY = datetime(2024, 6, 14, 8, 0, tzinfo=WIB)


def load_foreign_sites() -> list[Site]:
    """Fresh copies of the foreign sites."""
    return [load_site(name) for name in FOREIGN_SITE_FILES]


def states_time(site: Site) -> bool:
    """Whether the site's article pages state the time of day (the cms dateline does)."""
    return site.style.theme == "cms"


def build_foreign_routes(site: Site, base: str) -> dict[str, Resource]:
    if site.style.theme == "cms":
        return _Cms(site, base).routes()
    return _Portal(site, base).routes()


def _numeric_dateline(when: datetime, *, clock: bool = True) -> str:
    """ "Rabu, 12/06/2024 14:30 WIB" — the custom CMS's date format."""
    local = when.astimezone(WIB)
    day = indonesian_date(local).split(",", 1)[0]
    text = f"{day}, {local:%d/%m/%Y}"
    return f"{text} {local:%H:%M} WIB" if clock else text


class _Foreign(_Renderer):
    def href(self, path: str) -> str:
        return path

    def news(self) -> list[Article]:
        return self.site.real_articles()

    def popular(self, current: Article | None) -> list[Article]:
        others = [a for a in self.news() if a is not current]
        return others[: self.style.sidebar_count]

    def article_resource(self, article: Article, html: str) -> Resource:
        deps = [article, *self.popular(article)]
        return Resource(
            "article",
            self.content_type,
            self.encode(html),
            _latest(self.site.changed_at, self.site.layout_date, *_modified(deps)),
            slug=article.slug,
        )

    def page_resource(self, kind: str, html: str, deps: list[Article], page: int = 1) -> Resource:
        return Resource(
            kind,
            self.content_type,
            self.encode(html),
            _latest(self.site.changed_at, self.site.layout_date, *_modified(deps)),
            page=page,
        )

    content_type = HTML_UTF8

    def paginated(self, first: str, query: str) -> dict[str, Resource]:
        posts = self.news()
        pages = self.pages_count(len(posts))
        per_page = self.style.per_page
        out: dict[str, Resource] = {}
        for n in range(1, pages + 1):
            chunk = posts[(n - 1) * per_page : n * per_page]
            older = (
                f'<a href="{e(f"{first}?{query}={n + 1}")}" rel="next">Selanjutnya &raquo;</a>'
                if n < pages
                else ""
            )
            resource = self.page_resource("listing", self.listing_html(chunk, older, n), chunk, n)
            out[f"{first}?{query}={n}"] = resource
            if n == 1:
                out[first] = resource
        return out

    def routes(self) -> dict[str, Resource]:
        out: dict[str, Resource] = {"/": self.home(), **self.listings()}
        for article in self.site.articles:
            out[article.path] = self.single(article)
        for page in self.site.pages:
            out[page.path] = self.static(page)
        out.update(self.files())
        if self.style.robots:
            robots = "User-agent: *\n" + "".join(f"Disallow: {p}\n" for p in self.style.robots_disallow)
            out["/robots.txt"] = Resource("robots", "text/plain", robots.encode(), self.site.layout_date)
        return out

    # Each theme provides these.
    def home(self) -> Resource:
        raise NotImplementedError

    def listings(self) -> dict[str, Resource]:
        raise NotImplementedError

    def listing_html(self, chunk: list[Article], older: str, n: int) -> str:
        raise NotImplementedError

    def single(self, article: Article) -> Resource:
        raise NotImplementedError

    def static(self, page: StaticPage) -> Resource:
        raise NotImplementedError


class _Cms(_Foreign):
    def frame(self, title: str, main: str, current: Article | None = None) -> str:
        site = self.site
        popular = "".join(
            f'<li><a href="{e(a.path)}">{e(a.title)}</a><span class="tgl">{_numeric_dateline(a.published)}</span></li>'
            for a in self.popular(current)
        )
        pages = "".join(f'<a href="{e(p.path)}">{e(p.title)}</a> ' for p in site.pages)
        return f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>{e(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
<div class="bar-atas"><span class="hari-ini">{_numeric_dateline(VISIT_DAY, clock=False)}</span> | <a href="/">Beranda</a> | <a href="/indeks">Indeks</a> | {pages}</div>
<div class="kepala"><a href="/" class="logo">{e(site.title)}</a> <span class="moto">{e(site.tagline)}</span></div>
<div class="badan">
<div class="kiri">
{main}
</div>
<div class="kanan">
<div class="kotak-populer"><div class="kotak-judul">Terpopuler</div><ul>{popular}</ul></div>
</div>
</div>
<div class="kaki">{e(site.footer)}</div>
</body>
</html>
"""

    def single(self, article: Article) -> Resource:
        sep, label = self.style.title_sep, self.style.domain_label
        if article.category == "foto":
            body = f"""<div class="foto-utama"><figure><img src="{e(article.image or "")}" alt="{e(article.title)}" width="640" height="400"><figcaption>{e(article.caption or "")}</figcaption></figure></div>
<div class="foto-nav"><a href="{e(article.path)}#next">Next</a> <span>Vote Photo</span></div>"""
        else:
            body = f'<div class="isi-berita">\n{self.body_html(article)}\n</div>'
        main = f"""<div class="jejak"><a href="/">Home</a> &gt; <a href="/indeks">Berita</a></div>
<h1 class="judul-berita">{e(article.title)}</h1>
<div class="info-berita"><span class="penulis">{e(article.author or "")}</span> <span class="waktu">{_numeric_dateline(article.published)}</span></div>
{body}
<div class="bagikan">Bagikan: <a href="https://www.facebook.com/sharer.php">Facebook</a> <a href="https://wa.me/">WhatsApp</a></div>"""
        return self.article_resource(
            article, self.frame(f"{article.title}{sep}{label}", main, article)
        )

    def listing_html(self, chunk: list[Article], older: str, n: int) -> str:
        items = "".join(
            f'<div class="item-indeks"><h3><a href="{e(a.path)}">{e(a.title)}</a></h3><span class="tgl">{_numeric_dateline(a.published)}</span></div>'
            for a in chunk
        )
        main = f'<h1 class="judul-halaman">Indeks Berita</h1>\n{items}\n<div class="halaman">Halaman {n} {older}</div>'
        return self.frame(f"Indeks Berita{self.style.title_sep}{self.style.domain_label}", main)

    def listings(self) -> dict[str, Resource]:
        return self.paginated("/indeks", "page")

    def home(self) -> Resource:
        latest = self.news()[:3]
        items = "".join(
            f'<div class="item-utama"><h2><a href="{e(a.path)}">{e(a.title)}</a></h2></div>' for a in latest
        )
        main = f'{items}<p><a href="/indeks">Indeks Berita &raquo;</a></p>'
        return self.page_resource("home", self.frame(self.site.title, main), latest)

    def static(self, page: StaticPage) -> Resource:
        main = f'<h1 class="judul-halaman">{e(page.title)}</h1>' + "".join(f"<p>{e(p)}</p>" for p in page.body)
        html = self.frame(f"{page.title}{self.style.title_sep}{self.style.domain_label}", main)
        return self.page_resource("page", html, self.popular(None))


class _Portal(_Foreign):
    # No charset in the header nor in the page: only the bytes say windows-1252.
    content_type = "text/html"

    def frame(self, title: str, main: str, current: Article | None = None) -> str:
        site = self.site
        popular = "".join(
            f'<li><a href="{e(a.path)}">{e(a.title)}</a><br><small>{indonesian_date(a.published.astimezone(WIB))}</small></li>'
            for a in self.popular(current)
        )
        return f"""<!DOCTYPE html>
<html>
<head>
<title>{e(title)}</title>
</head>
<body>
<div id="atas">{indonesian_date(VISIT_DAY)} &middot; Selamat datang di portal resmi {e(site.title)}</div>
<div id="logo"><a href="/"><b>{e(site.title.upper())}</b></a><br><i>{e(site.tagline)}</i></div>
<div id="menu"><a href="/">Beranda</a> <a href="/berita/">Berita</a></div>
<div id="kolom-samping">
<div class="modul"><div class="modul-judul">Berita Terpopuler</div><ul>{popular}</ul></div>
<div class="modul"><div class="modul-judul">Agenda</div><p>Senin, 17 Juni 2024: Rapat koordinasi OPD</p></div>
</div>
<div id="kolom-utama">
{main}
</div>
<div id="bawah">{e(site.footer)}</div>
</body>
</html>
"""

    def single(self, article: Article) -> Resource:
        main = f"""<h2 class="judul-artikel">{e(article.title)}</h2>
<div class="isi-artikel">
{self.body_html(article)}
</div>
<p class="sumber">Sumber: {e(article.author or "Humas")}</p>"""
        sep, label = self.style.title_sep, self.style.domain_label
        return self.article_resource(article, self.frame(f"{article.title}{sep}{label}", main, article))

    def listing_html(self, chunk: list[Article], older: str, n: int) -> str:
        items = "".join(
            f'<div class="daftar"><h3><a href="{e(a.path)}">{e(a.title)}</a></h3><p>{self.excerpt(a, 20).replace(" [&hellip;]", " ...")}</p></div>'
            for a in chunk
        )
        main = f'<h2 class="judul-artikel">Berita</h2>\n{items}\n<div class="halaman">{older}</div>'
        return self.frame(f"Berita{self.style.title_sep}{self.style.domain_label}", main)

    def listings(self) -> dict[str, Resource]:
        return self.paginated("/berita/", self.style.listing_query or "start")

    def home(self) -> Resource:
        latest = self.news()[:2]
        items = "".join(f'<h3><a href="{e(a.path)}">{e(a.title)}</a></h3>' for a in latest)
        main = f'<h2 class="judul-artikel">Berita Terkini</h2>{items}<p><a href="/berita/">Indeks</a></p>'
        return self.page_resource("home", self.frame(self.site.title, main), latest)

    def static(self, page: StaticPage) -> Resource:
        main = f'<h2 class="judul-artikel">{e(page.title)}</h2>' + "".join(f"<p>{e(p)}</p>" for p in page.body)
        html = self.frame(f"{page.title}{self.style.title_sep}{self.style.domain_label}", main)
        return self.page_resource("page", html, self.popular(None))
