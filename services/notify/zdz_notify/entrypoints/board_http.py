"""The public notice board over HTTP (standard library server, one thread per request).

GET /board              the page (HTML); ?district=<code> one district's notices; ?embed=1 compact, for iframes
GET /board/feed.atom    the Atom feed, same filter
GET /board/demonstration            the published 示范园区清单 and its commendation
GET /board/notices/<id>/objection   the objection form of a running notice (sets the form's same-site cookie)
POST /board/notices/<id>/objection  raise the objection: forwarded to the workflow service; the page says what
                                    happened (received, or refused: 400 invalid, 403 stale form, 404/409 no
                                    running notice, 409 duplicate, 429 too many from this address, 503 unavailable)
GET /healthz            200 when serving
Portals may frame the page (Content-Security-Policy frame-ancestors, configurable).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from zdz_common.errors import (
    AlreadyExists,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from zdz_notify.adapters.board_pages import BoardPages
from zdz_notify.domain.objections import DeskUnavailable, ObjectionForm
from zdz_notify.service_layer.objections import PublicObjections
from zdz_notify.service_layer.services import NotifyService

log = logging.getLogger(__name__)

FORM_COOKIE = "zdz_objection_form"
MAX_FORM_BYTES = 32 * 1024
_OBJECTION_PATH = re.compile(r"^/board/notices/([0-9a-f-]{36})/objection$")
_HTTP_STATUS: tuple[tuple[type[DomainError], HTTPStatus], ...] = (
    (InvalidArgument, HTTPStatus.BAD_REQUEST),
    (PermissionDenied, HTTPStatus.FORBIDDEN),
    (NotFound, HTTPStatus.NOT_FOUND),
    (AlreadyExists, HTTPStatus.CONFLICT),
    (FailedPrecondition, HTTPStatus.CONFLICT),
    (RateLimited, HTTPStatus.TOO_MANY_REQUESTS),
    (DeskUnavailable, HTTPStatus.SERVICE_UNAVAILABLE),
)


def _form_cookie(notice_id: str, form_id: str) -> str:
    """The form's same-site cookie, scoped to its notice's form (two notices' forms open at once both work)."""
    return f"{FORM_COOKIE}={form_id}; Path=/board/notices/{notice_id}/; HttpOnly; SameSite=Strict"


def http_status(error: DomainError) -> HTTPStatus:
    return next((status for cls, status in _HTTP_STATUS if isinstance(error, cls)), HTTPStatus.CONFLICT)


_HTML = "text/html; charset=utf-8"


class _BoardHTTPServer(ThreadingHTTPServer):
    request_queue_size = 128  # the standard library's backlog of 5 drops connections under a portal's traffic
    daemon_threads = True


class BoardServer:
    def __init__(
        self,
        address: str,
        service: NotifyService,
        pages: BoardPages,
        objections: PublicObjections,
        *,
        clock: Callable[[], datetime],
        public_base_url: str = "",
        frame_ancestors: str = "*",
        trust_forwarded_for: bool = False,
    ) -> None:
        """`trust_forwarded_for`: a reverse proxy in front appends the client's address to X-Forwarded-For,
        which the objection form's rate limit then counts."""
        host, _, port = address.rpartition(":")
        handler = _handler_class(
            service,
            pages,
            objections,
            clock,
            public_base_url.rstrip("/"),
            frame_ancestors,
            trust_forwarded_for,
        )
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
    objections: PublicObjections,
    clock: Callable[[], datetime],
    public_base_url: str,
    frame_ancestors: str,
    trust_forwarded_for: bool,
) -> type[BaseHTTPRequestHandler]:
    class BoardHandler(BaseHTTPRequestHandler):
        server_version = "zdz-notify-board"

        def do_GET(self) -> None:
            self._serve(head=False)

        def do_HEAD(self) -> None:
            self._serve(head=True)

        def do_POST(self) -> None:
            match = _OBJECTION_PATH.match(urlsplit(self.path).path)
            if match is None:
                self._send(
                    HTTPStatus.NOT_FOUND, "未找到该页面\n".encode(), "text/plain; charset=utf-8", False
                )
                return
            try:
                self._submit_objection(match.group(1))
            except Exception:
                log.exception("board: objection to %s failed", match.group(1))
                self._send(
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    "服务暂时不可用\n".encode(),
                    "text/plain; charset=utf-8",
                    False,
                    form_page=True,
                )

        def _client(self) -> str:
            forwarded = self.headers.get("X-Forwarded-For", "") if trust_forwarded_for else ""
            return forwarded.rsplit(",", 1)[-1].strip() or self.client_address[0]

        def _cookie(self, name: str) -> str:
            try:
                morsel = SimpleCookie(self.headers.get("Cookie", "")).get(name)
            except CookieError:
                return ""
            return morsel.value if morsel else ""

        def _objection_form(self, notice_id: str, *, head: bool) -> None:
            now = clock()
            try:
                notice = objections.open_notice(notice_id)
            except DomainError as error:
                page = pages.objection_page(
                    service.notice(notice_id), now=now, limits=objections.limits, error=error.message
                )
                self._send(http_status(error), page.encode(), _HTML, head, form_page=True)
                return
            issued = objections.tokens.issue(notice_id)
            page = pages.objection_page(notice, now=now, limits=objections.limits, token=issued.token)
            cookie = _form_cookie(notice_id, issued.form_id)
            self._send(HTTPStatus.OK, page.encode(), _HTML, head, form_page=True, cookie=cookie)

        def _submit_objection(self, notice_id: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_FORM_BYTES:
                self._send(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    "提交内容过长\n".encode(),
                    "text/plain; charset=utf-8",
                    False,
                    form_page=True,
                )
                return
            body = self.rfile.read(length).decode("utf-8", errors="replace")
            fields = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
            form = ObjectionForm(
                name=fields.get("name", ""),
                contact=fields.get("contact", ""),
                text=fields.get("text", ""),
                website=fields.get("website", ""),
            )
            now = clock()
            try:
                forwarded = objections.submit(
                    notice_id,
                    form,
                    token=fields.get("token", ""),
                    cookie_form_id=self._cookie(FORM_COOKIE),
                    client=self._client(),
                )
            except DomainError as error:
                status = http_status(error)
                notice = service.notice(notice_id)
                token = ""
                cookie = ""
                if status in {HTTPStatus.BAD_REQUEST, HTTPStatus.FORBIDDEN} and notice is not None:
                    issued = objections.tokens.issue(notice_id)  # a fresh form, filled in as sent
                    token = issued.token
                    cookie = _form_cookie(notice_id, issued.form_id)
                values = {"name": form.name, "contact": form.contact, "text": form.text}
                page = pages.objection_page(
                    notice, now=now, limits=objections.limits, token=token, values=values, error=error.message
                )
                retry = str(objections.retry_after_seconds) if status is HTTPStatus.TOO_MANY_REQUESTS else ""
                self._send(
                    status, page.encode(), _HTML, False, form_page=True, cookie=cookie, retry_after=retry
                )
                return
            page = pages.objection_page(
                service.notice(notice_id), now=now, limits=objections.limits, received=forwarded.objection_id
            )
            self._send(HTTPStatus.OK, page.encode(), _HTML, False, form_page=True)

        def _serve(self, *, head: bool) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            try:
                if parts.path in {"/board", "/board/"}:
                    body, content_type = self._board(query, feed=False), "text/html; charset=utf-8"
                elif parts.path == "/board/feed.atom":
                    body, content_type = self._board(query, feed=True), "application/atom+xml; charset=utf-8"
                elif parts.path == "/board/demonstration":
                    page = pages.demonstration_page(service.demonstration_lists(), now=clock())
                    body, content_type = page.encode("utf-8"), _HTML
                elif (match := _OBJECTION_PATH.match(parts.path)) is not None:
                    self._objection_form(match.group(1), head=head)
                    return
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
            lists = service.demonstration_lists()
            return pages.html(
                notices,
                now=now,
                base_url=base_url,
                district_code=district_code,
                district_name=district_name,
                embed=query.get("embed") in {"1", "true"},
                demonstration=lists[0] if lists else None,
            ).encode("utf-8")

        def _send(
            self,
            status: HTTPStatus,
            body: bytes,
            content_type: str,
            head: bool,
            location: str = "",
            *,
            form_page: bool = False,
            cookie: str = "",
            retry_after: str = "",
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            # The objection form and its answers are never cached, nor framed: its cookie is same-site, and no
            # page elsewhere may overlay it.
            self.send_header("Cache-Control", "no-store" if form_page else "public, max-age=60")
            if cookie:
                self.send_header("Set-Cookie", cookie)
            if retry_after:
                self.send_header("Retry-After", retry_after)
            ancestors = "'none'" if form_page else frame_ancestors
            self.send_header("Content-Security-Policy", f"frame-ancestors {ancestors}")
            self.send_header("X-Content-Type-Options", "nosniff")
            if location:
                self.send_header("Location", location)
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("board: " + format, *args)

    return BoardHandler
