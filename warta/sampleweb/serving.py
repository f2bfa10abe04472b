"""Serving plumbing shared by the sample webs (SampleWeb, RegionalWeb): one threaded HTTP server
per site on 127.0.0.1, each on its own thread, and a request handler that looks like nginx.

What a page holds stays with each web: its handler subclasses `SiteHandler` and fills the two
hooks, `respond` (the answer to the request) and `record` (the request log's entry), and the web
subclasses `ServedWeb` for start/stop and the context manager.
"""

from __future__ import annotations

import logging
import socketserver
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Response:
    """A full HTTP answer: status, headers as sent, body (empty for HEAD, 304, redirects)."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class SiteHandler(BaseHTTPRequestHandler):
    """GET and HEAD for one site: `respond` answers, `record` logs, a failure answers 500."""

    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.24.0"
    sys_version = ""
    # Idle keep-alive connections end instead of holding a thread forever.
    timeout = 30
    server: SiteServer

    def respond(self) -> Response:
        """The answer to this request (`self.command`, `self.path`, `self.headers`)."""
        raise NotImplementedError

    def record(self, response: Response) -> None:
        """Log the request; called before the answer goes out."""

    def seen(self, response: Response) -> dict[str, Any]:
        """What every request log records of this request and its answer (a web's record type
        adds its own fields): site, method, path, status, conditional, user_agent, at."""
        return {
            "site": self.server.site_name,
            "method": self.command,
            "path": self.path,
            "status": response.status,
            "conditional": bool(
                self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
            ),
            "user_agent": self.headers.get("User-Agent", ""),
            "at": datetime.now(UTC),
        }

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def _serve(self) -> None:
        try:
            response = self.respond()
        except Exception:  # a rendering bug must show up as a 500, not kill the connection
            logger.exception(
                "sample web: %s %s%s failed", self.command, self.server.site_name, self.path
            )
            body = b"internal error"
            response = Response(
                500, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))], body
            )
        # Logged before the answer goes out: a client holding the response must find it in the log.
        self.record(response)
        self.send_response(response.status)
        for key, value in response.headers:
            self.send_header(key, value)
        self.end_headers()
        if response.body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        # The request log replaces stderr noise.
        pass


class SiteServer(ThreadingHTTPServer):
    """The server of one site of `web`; its handler finds both as `self.server.web/.site_name`."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], web: Any, site_name: str, handler: type[SiteHandler]
    ) -> None:
        self.web = web
        self.site_name = site_name
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can stall on machines
        # without DNS; the name is never used here.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class ServedWeb:
    """A web served one site a port until `stop()`; also a context manager.

    Subclasses set `handler` and `thread_prefix`, call `_init_serving(host)` and give the ports
    to bind in `_site_ports` (0: the OS picks one); `_started` runs once every site is up.
    """

    handler: ClassVar[type[SiteHandler]]
    thread_prefix: ClassVar[str]
    host: str
    _servers: dict[str, SiteServer]
    _threads: list[threading.Thread]

    def _init_serving(self, host: str) -> None:
        self.host = host
        self._servers = {}
        self._threads = []

    def _site_ports(self) -> Mapping[str, int]:
        raise NotImplementedError

    def _started(self) -> None:
        """Hook: every site's server is listening."""

    def start(self) -> Self:
        if self._servers:
            return self
        try:
            for name, port in self._site_ports().items():
                server = SiteServer((self.host, port), self, name, self.handler)
                self._servers[name] = server
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.1},
                    name=f"{self.thread_prefix}-{name}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)
        except BaseException:
            self.stop()
            raise
        self._started()
        return self

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return bool(self._servers)

    def _bound_ports(self, hint: str) -> dict[str, int]:
        """{site name: port} of the running servers; `hint` ends the error when none runs."""
        if not self._servers:
            raise RuntimeError(f"{type(self).__name__} is not running ({hint})")
        return {name: int(server.server_address[1]) for name, server in self._servers.items()}
