"""`warta crawl` as an operator sees it: on a terminal (a real pseudo-terminal) a live line per
site and an end summary; through a pipe plain timestamped lines; Scrapy's log in a file per run,
named in crawl_runs.log_path; and no crawl listening on a port (the telnet console is off).

Two crawls of two sample sites in all, one per mode, each into its own fresh archive."""

from __future__ import annotations

import fcntl
import os
import re
import select as io_select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.store.db import make_engine, session_factory
from archive.store.models import CrawlRun, Site
from tests.e2e.crawling import REPO_ROOT
from warta import demo
from warta.sampleweb import SampleWeb

# Two of the smaller sample sites; demo-bkkbn-sumsel has a rejected page, for the summary.
SITES = ("demo-sumeks-banyuasin", "demo-bkkbn-sumsel")
DEADLINE_SECONDS = 600.0  # never reached when green
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} [A-Z]+ [\w.]+: ")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]")
LIVE_LINE = re.compile(
    r"(?P<site>[\w-]+)\s+(?P<state>\w+)\s+(?P<pages>\d+) pages\s+(?P<new>\d+) new\s+"
    r"(?P<updated>\d+) updated\s+(?P<rejected>\d+) rejected\s+(?P<errors>\d+) errors"
)
# What Scrapy prints at INFO that must stay out of the console (it is in the log files).
SCRAPY_NOISE = ("Enabled extensions", "Overridden settings", "Enabled downloader middlewares",
                "Dumping Scrapy stats", "[scrapy")


@dataclass
class Crawl:
    """One `warta crawl` of SITES: its console output, exit status and archive."""

    output: str
    returncode: int
    db_url: str
    archive_dir: Path
    listening: set[str] = field(default_factory=set)
    """Listening TCP sockets seen open in the crawl's processes while it ran."""
    crawl_processes: int = 0
    """How many `scrapy crawl` processes the port scan saw (0: it looked at nothing)."""

    @property
    def runs(self) -> dict[str, CrawlRun]:
        """The archive's runs by site name (one each)."""
        engine = make_engine(self.db_url)
        with session_factory(engine)() as session:
            rows = session.execute(
                select(CrawlRun, Site.name).join(Site, CrawlRun.site_id == Site.id)
            ).all()
        engine.dispose()
        assert len(rows) == len(SITES), rows
        return {name: run for run, name in rows}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SampleWeb, Path]]:
    tmp = tmp_path_factory.mktemp("watch")
    with SampleWeb() as web:
        yield web, web.registry_toml(tmp / "sites.toml")


def _command(registry: Path, db_url: str) -> list[str]:
    return [
        sys.executable, "-m", "warta.cli", "crawl", *SITES,
        "-s", f"WARTA_SITES_FILE={registry}",
        "-s", f"WARTA_DATABASE_URL={db_url}",
        "-s", f"WARTA_CRAWL_COMMAND={demo.crawl_command()}",
    ]


def _env(**extra: str) -> dict[str, str]:
    # No inherited archive, and nothing that would make rich treat a pipe as a terminal.
    dropped = ("WARTA_", "FORCE_COLOR", "TTY_", "COLUMNS", "LINES", "NO_COLOR")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    return {**env, **extra}


def _new_archive(tmp_path_factory: pytest.TempPathFactory, name: str) -> tuple[Path, str]:
    directory = tmp_path_factory.mktemp(name)
    return directory, f"sqlite:///{directory / 'archive.db'}"


@pytest.fixture(scope="module")
def terminal_crawl(
    web: tuple[SampleWeb, Path], tmp_path_factory: pytest.TempPathFactory
) -> Crawl:
    """`warta crawl` with a pseudo-terminal as its standard input, output and error."""
    directory, db_url = _new_archive(tmp_path_factory, "tty")
    primary, secondary = os.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
    proc = subprocess.Popen(
        _command(web[1], db_url), cwd=REPO_ROOT, env=_env(TERM="xterm-256color"),
        stdin=secondary, stdout=secondary, stderr=secondary, close_fds=True,
    )
    os.close(secondary)
    chunks: list[bytes] = []
    deadline = time.monotonic() + DEADLINE_SECONDS
    try:
        while time.monotonic() < deadline:
            ready, _, _ = io_select.select([primary], [], [], 1.0)
            if not ready:
                continue
            try:
                data = os.read(primary, 65536)
            except OSError:  # EIO: every holder of the terminal's other end has exited
                break
            if not data:
                break
            chunks.append(data)
        returncode = proc.wait(timeout=60)
    finally:
        proc.kill()
        os.close(primary)
    return Crawl(b"".join(chunks).decode("utf-8", "replace"), returncode, db_url, directory)


@pytest.fixture(scope="module")
def piped_crawl(web: tuple[SampleWeb, Path], tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """`warta crawl` with its output to a file, as under cron or CI; while it runs, its process
    tree is searched for listening sockets."""
    directory, db_url = _new_archive(tmp_path_factory, "pipe")
    out_path = directory / "console.txt"
    with out_path.open("wb") as out:
        proc = subprocess.Popen(
            _command(web[1], db_url), cwd=REPO_ROOT, env=_env(),
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )
    listening: set[str] = set()
    crawlers: set[int] = set()
    deadline = time.monotonic() + DEADLINE_SECONDS
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            open_listening = listening_sockets()
            for pid in descendants(proc.pid):
                if b"scrapy\0crawl" in _cmdline(pid):
                    crawlers.add(pid)
                listening |= socket_inodes(pid) & open_listening
            time.sleep(0.1)
        returncode = proc.wait(timeout=60)
    finally:
        proc.kill()
    return Crawl(out_path.read_text(encoding="utf-8"), returncode, db_url, directory,
                 listening, len(crawlers))


# --- /proc: who listens ----------------------------------------------------------------------


def listening_sockets() -> set[str]:
    """Inodes of every listening TCP socket (IPv4 and IPv6) in this network namespace."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A":  # TCP_LISTEN
                inodes.add(fields[9])
    return inodes


def socket_inodes(pid: int) -> set[str]:
    inodes: set[str] = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        found.append(pid)
        frontier += children.get(pid, [])
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


# --- on a terminal ---------------------------------------------------------------------------


def screen_lines(output: str) -> list[str]:
    """Every line the terminal was shown, redraws included, without control sequences."""
    return [line.strip() for line in re.split(r"[\r\n]+", ANSI.sub("", output)) if line.strip()]


def test_terminal_shows_a_live_line_per_site_with_moving_counters(terminal_crawl: Crawl) -> None:
    assert terminal_crawl.returncode == 0, terminal_crawl.output[-3000:]
    runs_by_site = terminal_crawl.runs
    assert set(runs_by_site) == set(SITES)
    lines = screen_lines(terminal_crawl.output)
    for site in SITES:
        live = [m for line in lines if (m := LIVE_LINE.search(line)) and m["site"] == site]
        states = [m["state"] for m in live]
        assert "waiting" in states or "starting" in states, states
        # Figures from the running crawl, read from its progress file, not only the end.
        assert "crawling" in states, states
        pages = [int(m["pages"]) for m in live]
        assert len(set(pages)) >= 2, pages
        assert pages == sorted(pages), pages  # counters only go up
        final = live[-1]
        run = runs_by_site[site]
        assert final["state"] == run.status == "ok"
        assert (int(final["pages"]), int(final["new"]), int(final["rejected"])) == (
            run.pages_fetched, run.articles_new, run.rejected
        )
        assert run.pages_fetched > 0 and run.articles_new > 0


def test_terminal_end_summary_and_no_scrapy_noise(terminal_crawl: Crawl) -> None:
    lines = screen_lines(terminal_crawl.output)
    summary = lines[lines.index("Crawl summary:") + 1:]
    for site, run in terminal_crawl.runs.items():
        at = next(i for i, line in enumerate(summary) if line.split() == [site, "ok"])
        assert summary[at + 1] == (
            f"run {run.id}: {run.pages_fetched} pages ({run.not_modified} not modified), "
            f"{run.articles_new + run.articles_updated + run.articles_unchanged} stored "
            f"({run.articles_new} new, {run.articles_updated} updated, "
            f"{run.articles_unchanged} unchanged), {run.duplicates} duplicates, "
            f"{run.rejected} rejected, {run.errors} errors, "
            f"{summary[at + 1].split(', ')[-2]}, {summary[at + 1].split(', ')[-1]}"
        )
        assert re.search(r", \d+\.\d kB, \d+\.\d s$", summary[at + 1])
        reasons = ", ".join(
            f"{reason} {count}" for reason, count in
            sorted(run.rejected_by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        if reasons:
            assert f"rejected: {reasons}" in summary[at + 2:at + 4]
        assert f"log: {run.log_path}" in summary[at + 2:at + 5]
    assert any(run.rejected_by_reason for run in terminal_crawl.runs.values())
    for noise in SCRAPY_NOISE:
        assert noise not in terminal_crawl.output


# --- through a pipe ---------------------------------------------------------------------------


def test_without_a_terminal_plain_timestamped_lines_only(piped_crawl: Crawl) -> None:
    assert piped_crawl.returncode == 0, piped_crawl.output[-3000:]
    assert "\x1b[" not in piped_crawl.output  # no live display, no colours
    log_part = piped_crawl.output.split("\nCrawl summary:\n")[0]
    lines = [line for line in log_part.splitlines() if line.strip()]
    assert lines and all(LOG_LINE.match(line) for line in lines), log_part
    # Per site: it started, it ended with its figures. Nothing per page, no Scrapy.
    for site, run in piped_crawl.runs.items():
        mine = [line for line in lines if f" {site}: " in line]
        assert len(mine) == 2, mine
        assert mine[0].endswith(f"{site}: crawl started (pid {mine[0].split('pid ')[1]}")
        assert f"log {run.log_path}" in mine[0]
        assert f"{site}: ok: run {run.id}: {run.pages_fetched} pages" in mine[1]
        assert mine[1].endswith(f"; log {run.log_path}")
    assert len(lines) <= 2 * len(SITES) + 1  # + "crawling 2 site(s) once"
    for noise in SCRAPY_NOISE:
        assert noise not in piped_crawl.output


def test_each_run_has_a_log_file_with_scrapys_log(
    terminal_crawl: Crawl, piped_crawl: Crawl
) -> None:
    for crawl in (terminal_crawl, piped_crawl):
        for site, run in crawl.runs.items():
            assert run.log_path is not None
            path = Path(run.log_path)
            # logs/ beside the archive, one file per run, named by site and start time.
            assert path.parent == crawl.archive_dir / "logs"
            assert re.fullmatch(rf"{site}-\d{{8}}T\d{{6}}Z\.log", path.name)
            text = path.read_text(encoding="utf-8")
            assert "Spider opened" in text and "Enabled extensions" in text
            assert "Dumping Scrapy stats" in text
            assert f"'downloader/response_count': {run.pages_fetched}," in text


def test_a_crawl_opens_no_listening_port(piped_crawl: Crawl) -> None:
    # The search can see one: this test process listens (the sample web's servers).
    assert socket_inodes(os.getpid()) & listening_sockets()
    assert piped_crawl.crawl_processes == len(SITES)  # it looked while the crawls ran
    assert piped_crawl.listening == set()
