"""The public notice board over HTTP (standard library server, one thread per request).

GET /board              the page (HTML); ?district=<code> one district's notices; ?embed=1 compact, for iframes
GET /board/feed.atom    the Atom feed, same filter
GET /healthz            200 when serving
Portals may frame the page (Content-Security-Policy frame-ancestors, configurable).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from zdz_notify.adapters.board_pages import BoardPages
from zdz_notify.service_layer.services import NotifyService

log = logging.getLogger(__name__)


class _BoardHTTPServer(ThreadingHTTPServer):
    request_queue_size = 128  # the standard library's backlog of 5 drops connections under a portal's traffic
    daemon_threads = True


class BoardServer:
    def __init__(
        self,
        address: str,
        service: NotifyService,
        pages: BoardPages,
        *,
        clock: Callable[[], datetime],
        public_base_url: str = "",
        frame_ancestors: str = "*",
    ) -> None:
        host, _, port = address.rpartition(":")
        handler = _handler_class(service, pages, clock, public_base_url.rstrip("/"), frame_ancestors)
        try:
            self._server = _BoardHTTPServer((host, int(port)), handler)
        except OSError as exc:
            raise SystemExit(f"cannot serve the notice board on {address}: {exc}") from exc
        self.address = f"{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="board-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_class(
    service: NotifyService,
    pages: BoardPages,
    clock: Callable[[], datetime],
    public_base_url: str,
    frame_ancestors: str,
) -> type[BaseHTTPRequestHandler]:
    class BoardHandler(BaseHTTPRequestHandler):
        server_version = "zdz-notify-board"

        def do_GET(self) -> None:
            self._serve(head=False)

        def do_HEAD(self) -> None:
            self._serve(head=True)

        def _serve(self, *, head: bool) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            try:
                if parts.path in {"/board", "/board/"}:
                    body, content_type = self._board(query, feed=False), "text/html; charset=utf-8"
                elif parts.path == "/board/feed.atom":
                    body, content_type = self._board(query, feed=True), "application/atom+xml; charset=utf-8"
                elif parts.path == "/healthz":
                    body, content_type = b"ok\n", "text/plain; charset=utf-8"
                elif parts.path == "/":
                    self._send(HTTPStatus.FOUND, b"", "text/plain", head, location="/board")
                    return
                else:
                    self._send(
                        HTTPStatus.NOT_FOUND, "未找到该页面\n".encode(), "text/plain; charset=utf-8", head
                    )
                    return
            except Exception:
                log.exception("board: %s failed", self.path)
                self._send(
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    "服务暂时不可用\n".encode(),
                    "text/plain; charset=utf-8",
                    head,
                )
                return
            self._send(HTTPStatus.OK, body, content_type, head)

        def _board(self, query: dict[str, str], *, feed: bool) -> bytes:
            district_code = query.get("district", "")
            notices = service.notices(district_code)
            district_name = service.district_name(district_code) if district_code else ""
            base_url = (
                public_base_url or f"http://{self.headers.get('Host') or self.server.server_address[0]}"
            )
            now = clock()
            if feed:
                return pages.atom(
                    notices,
                    now=now,
                    base_url=base_url,
                    district_code=district_code,
                    district_name=district_name,
                )
            return pages.html(
                notices,
                now=now,
                base_url=base_url,
                district_code=district_code,
                district_name=district_name,
                embed=query.get("embed") in {"1", "true"},
            ).encode("utf-8")

        def _send(
            self, status: HTTPStatus, body: bytes, content_type: str, head: bool, location: str = ""
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "public, max-age=60")
            self.send_header("Content-Security-Policy", f"frame-ancestors {frame_ancestors}")
            self.send_header("X-Content-Type-Options", "nosniff")
            if location:
                self.send_header("Location", location)
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("board: " + format, *args)

    return BoardHandler
