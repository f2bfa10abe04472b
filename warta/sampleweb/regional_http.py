"""HTTP plumbing of the regional benchmark web: one threaded server per site on 127.0.0.1, the
request log's records and conditional-request rules (RFC 9110: If-None-Match wins, weak
comparison; If-Modified-Since against Last-Modified)."""

from __future__ import annotations

import socketserver
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol


class Responder(Protocol):
    """What a site server asks of the web (RegionalWeb)."""

    night: int

    def respond(
        self, site: str, method: str, target: str, headers: Mapping[str, str] | Message
    ) -> Answer: ...

    def record(self, record: RegionalRequest) -> None: ...


@dataclass(frozen=True, slots=True)
class RegionalRequest:
    """One request as the web saw it."""

    site: str
    method: str
    path: str
    """Request target as sent (path and query)."""
    status: int
    bytes: int
    """Body bytes written (0 for HEAD, 304 and redirects)."""
    conditional: bool
    """The request carried If-None-Match or If-Modified-Since."""
    night: int
    at: datetime
    user_agent: str = ""

    @property
    def bytes_sent(self) -> int:
        """The name SampleWeb's RequestRecord uses."""
        return self.bytes


@dataclass(slots=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def not_modified(validators: Mapping[str, str], headers: Mapping[str, str] | Message) -> bool:
    if_none_match = headers.get("If-None-Match")
    etag = validators.get("ETag")
    if if_none_match:
        # RFC 9110: If-None-Match wins over If-Modified-Since; weak comparison.
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return etag is not None and ("*" in tags or etag.removeprefix("W/") in tags)
    if_modified_since = headers.get("If-Modified-Since")
    last_modified = validators.get("Last-Modified")
    if if_modified_since and last_modified:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return parsedate_to_datetime(last_modified) <= since
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.24.0"
    sys_version = ""
    timeout = 30
    server: SiteServer

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def _serve(self) -> None:
        web, site = self.server.web, self.server.site_name
        try:
            answer = web.respond(site, self.command, self.path, self.headers)
        except Exception:  # a rendering bug must show up as a 500, not kill the connection
            answer = Answer(500, [("Content-Type", "text/plain")], b"internal error")
        # Logged before the answer goes out: a client holding the response finds it in the log.
        web.record(
            RegionalRequest(
                site=site,
                method=self.command,
                path=self.path,
                status=answer.status,
                bytes=len(answer.body),
                conditional=bool(
                    self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
                ),
                night=web.night,
                at=datetime.now(UTC),
                user_agent=self.headers.get("User-Agent", ""),
            )
        )
        self.send_response(answer.status)
        for key, value in answer.headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if answer.body:
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log replaces stderr noise


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], web: Responder, site_name: str) -> None:
        self.web = web
        self.site_name = site_name
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)
