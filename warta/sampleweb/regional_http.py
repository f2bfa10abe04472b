"""HTTP side of the regional benchmark web: its handler (the servers are warta.sampleweb.serving's),
the request log's records and conditional-request rules (RFC 9110: If-None-Match wins, weak
comparison; If-Modified-Since against Last-Modified)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Protocol

from warta.sampleweb.serving import Response as Answer
from warta.sampleweb.serving import SiteHandler, SiteServer

__all__ = ["Answer", "Handler", "RegionalRequest", "Responder", "not_modified"]


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


class Handler(SiteHandler):
    """RegionalWeb's answers (with their Content-Length) and request log."""

    server: SiteServer

    def respond(self) -> Answer:
        web: Responder = self.server.web
        answer = web.respond(self.server.site_name, self.command, self.path, self.headers)
        return Answer(
            answer.status,
            [*answer.headers, ("Content-Length", str(len(answer.body)))],
            answer.body,
        )

    def record(self, response: Answer) -> None:
        web: Responder = self.server.web
        web.record(
            RegionalRequest(**self.seen(response), bytes=len(response.body), night=web.night)
        )
