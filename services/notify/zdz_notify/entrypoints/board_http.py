"""The public notice board (公示栏) over HTTP: a Starlette app, served by uvicorn in the notify process's own
event loop (its signal handling left to the service runtime, which stops it together with the gRPC server).

GET /board              the page (HTML); ?district=<code> one district's notices; ?embed=1 compact, for iframes
GET /board/feed.atom    the Atom feed, same filter
GET /board/demonstration            the published 示范园区清单 and its commendation
GET /board/notices/<id>/objection   the objection form of a running notice (sets the form's same-site cookie)
POST /board/notices/<id>/objection  raise the objection: forwarded to the workflow service; the page says what
                                    happened (received, or refused: 400 invalid, 403 stale form, 404/409 no
                                    running notice, 409 duplicate, 413 too long, 429 too many from this address,
                                    503 unavailable)
GET /healthz            200 when serving
Portals may frame the board and feed pages (Content-Security-Policy frame-ancestors, configurable); the objection
form and its answers may not be framed by anyone (frame-ancestors 'none', X-Frame-Options DENY).

Reading the store and calling the workflow block, so every handler's work runs in Starlette's thread pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import socket
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from http import HTTPStatus
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from zdz_common.errors import (
    AlreadyExists,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from zdz_common.validation import target_id
from zdz_notify.adapters.board_pages import BoardPages
from zdz_notify.domain.objections import DeskUnavailable, ObjectionForm
from zdz_notify.service_layer.objections import PublicObjections
from zdz_notify.service_layer.services import NotifyService

log = logging.getLogger(__name__)

FORM_COOKIE = "zdz_objection_form"
MAX_FORM_BYTES = 32 * 1024
_NOTICE_ID = re.compile(r"[0-9a-f-]{36}")  # a notice id is a UUID
_HTTP_STATUS: tuple[tuple[type[DomainError], HTTPStatus], ...] = (
    (InvalidArgument, HTTPStatus.BAD_REQUEST),
    (PermissionDenied, HTTPStatus.FORBIDDEN),
    (NotFound, HTTPStatus.NOT_FOUND),
    (AlreadyExists, HTTPStatus.CONFLICT),
    (FailedPrecondition, HTTPStatus.CONFLICT),
    (RateLimited, HTTPStatus.TOO_MANY_REQUESTS),
    (DeskUnavailable, HTTPStatus.SERVICE_UNAVAILABLE),
)
_HTML = "text/html; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"
_PLAIN_ANSWERS = {
    HTTPStatus.NOT_FOUND: "未找到该页面\n",
    HTTPStatus.METHOD_NOT_ALLOWED: "不支持该请求方法\n",
}
_UNAVAILABLE = "服务暂时不可用\n"
_Handler = Callable[[Request], Response]  # blocking: run in the thread pool
_Endpoint = Callable[[Request], Awaitable[Response]]
_TOO_LONG = "提交内容过长\n"


def http_status(error: DomainError) -> HTTPStatus:
    return next((status for cls, status in _HTTP_STATUS if isinstance(error, cls)), HTTPStatus.CONFLICT)


class _Answers:
    """The board's responses with its headers: never-cached, never-framed form pages; cacheable, framable
    board pages."""

    def __init__(self, frame_ancestors: str) -> None:
        self._frame_ancestors = frame_ancestors

    def __call__(
        self,
        body: str | bytes,
        status: int = HTTPStatus.OK,
        *,
        media_type: str = _HTML,
        form_page: bool = False,
        form_cookie: tuple[str, str] | None = None,  # (notice id, form id)
        retry_after: str = "",
    ) -> Response:
        response = Response(body, status_code=int(status), media_type=media_type)
        headers = response.headers
        # The objection form and its answers are never cached, nor framed: its cookie is same-site, and no
        # page elsewhere may overlay it.
        headers["Cache-Control"] = "no-store" if form_page else "public, max-age=60"
        ancestors = "'none'" if form_page else self._frame_ancestors
        headers["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
        if form_page:
            headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        if retry_after:
            headers["Retry-After"] = retry_after
        if form_cookie is not None:
            notice_id, form_id = form_cookie
            # Scoped to its notice's form: two notices' forms open at once both work.
            response.set_cookie(
                FORM_COOKIE, form_id, path=f"/board/notices/{notice_id}/", httponly=True, samesite="strict"
            )
        return response


def board_app(
    service: NotifyService,
    pages: BoardPages,
    objections: PublicObjections,
    *,
    clock: Callable[[], datetime],
    public_base_url: str,
    frame_ancestors: str = "*",
    trust_forwarded_for: bool = False,
) -> Starlette:
    """The board as an ASGI app; its links start with `public_base_url`. `trust_forwarded_for`: a reverse proxy in front appends the client's address
    to X-Forwarded-For, which the objection form's rate limit then counts."""
    answer = _Answers(frame_ancestors)
    public_base_url = public_base_url.rstrip("/")

    def guarded(*, form_page: bool) -> Callable[[_Handler], _Endpoint]:
        """Run the handler in the thread pool; an unexpected failure is logged and answered in Chinese."""

        def wrap(handler: _Handler) -> _Endpoint:
            @functools.wraps(handler)
            async def endpoint(request: Request) -> Response:
                try:
                    return await run_in_threadpool(handler, request)
                except _NoSuchDistrict:
                    return answer(
                        _PLAIN_ANSWERS[HTTPStatus.NOT_FOUND], HTTPStatus.NOT_FOUND, media_type=_TEXT
                    )
                except Exception:
                    log.exception("board: %s %s failed", request.method, request.url.path)
                    return answer(
                        _UNAVAILABLE, HTTPStatus.INTERNAL_SERVER_ERROR, media_type=_TEXT, form_page=form_page
                    )

            return endpoint

        return wrap

    def base_url(_request: Request) -> str:
        return public_base_url  # configured: a hostile Host header never reaches a link

    def client(request: Request) -> str:
        forwarded = request.headers.get("x-forwarded-for", "") if trust_forwarded_for else ""
        direct = request.client.host if request.client else ""
        return forwarded.rsplit(",", 1)[-1].strip() or direct

    def district(request: Request) -> str:
        """The ?district= filter; NotFound for anything but a well-formed code (it is shown on the page)."""
        code = request.query_params.get("district", "")
        if code and not target_id(code):
            raise _NoSuchDistrict
        return code

    @guarded(form_page=False)
    def board(request: Request) -> Response:
        district_code = district(request)
        notices = service.notices(district_code)
        district_name = service.district_name(district_code) if district_code else ""
        lists = service.demonstration_lists()
        page = pages.html(
            notices,
            now=clock(),
            base_url=base_url(request),
            district_code=district_code,
            district_name=district_name,
            embed=request.query_params.get("embed") in {"1", "true"},
            demonstration=lists[0] if lists else None,
        )
        return answer(page)

    @guarded(form_page=False)
    def feed(request: Request) -> Response:
        district_code = district(request)
        atom = pages.atom(
            service.notices(district_code),
            now=clock(),
            base_url=base_url(request),
            district_code=district_code,
            district_name=service.district_name(district_code) if district_code else "",
        )
        return answer(atom, media_type="application/atom+xml; charset=utf-8")

    @guarded(form_page=False)
    def demonstration(request: Request) -> Response:
        return answer(pages.demonstration_page(service.demonstration_lists(), now=clock()))

    @guarded(form_page=True)
    def objection_form(request: Request) -> Response:
        notice_id = request.path_params["notice_id"]
        if not _NOTICE_ID.fullmatch(notice_id):
            return answer(_PLAIN_ANSWERS[HTTPStatus.NOT_FOUND], HTTPStatus.NOT_FOUND, media_type=_TEXT)
        now = clock()
        try:
            notice = objections.open_notice(notice_id)
        except DomainError as error:
            page = pages.objection_page(
                service.notice(notice_id), now=now, limits=objections.limits, error=error.message
            )
            return answer(page, http_status(error), form_page=True)
        issued = objections.tokens.issue(notice_id)
        page = pages.objection_page(notice, now=now, limits=objections.limits, token=issued.token)
        return answer(page, form_page=True, form_cookie=(notice_id, issued.form_id))

    def submit(request: Request, fields: dict[str, str]) -> Response:
        notice_id = request.path_params["notice_id"]
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
                cookie_form_id=request.cookies.get(FORM_COOKIE, ""),
                client=client(request),
            )
        except DomainError as error:
            status = http_status(error)
            notice = service.notice(notice_id)
            token = ""
            cookie = None
            if status in {HTTPStatus.BAD_REQUEST, HTTPStatus.FORBIDDEN} and notice is not None:
                issued = objections.tokens.issue(notice_id)  # a fresh form, filled in as sent
                token = issued.token
                cookie = (notice_id, issued.form_id)
            values = {"name": form.name, "contact": form.contact, "text": form.text}
            page = pages.objection_page(
                notice, now=now, limits=objections.limits, token=token, values=values, error=error.message
            )
            retry = str(objections.retry_after_seconds) if status is HTTPStatus.TOO_MANY_REQUESTS else ""
            return answer(page, status, form_page=True, form_cookie=cookie, retry_after=retry)
        page = pages.objection_page(
            service.notice(notice_id), now=now, limits=objections.limits, received=forwarded.objection_id
        )
        return answer(page, form_page=True)

    async def raise_objection(request: Request) -> Response:
        if not _NOTICE_ID.fullmatch(request.path_params["notice_id"]):
            return answer(_PLAIN_ANSWERS[HTTPStatus.NOT_FOUND], HTTPStatus.NOT_FOUND, media_type=_TEXT)
        try:
            fields = await _form_fields(request)
        except _TooLong:
            return answer(_TOO_LONG, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, media_type=_TEXT, form_page=True)
        try:
            return await run_in_threadpool(submit, request, fields)
        except Exception:
            log.exception("board: objection to %s failed", request.path_params["notice_id"])
            return answer(_UNAVAILABLE, HTTPStatus.INTERNAL_SERVER_ERROR, media_type=_TEXT, form_page=True)

    async def healthz(_request: Request) -> Response:
        return answer("ok\n", media_type=_TEXT)

    async def home(_request: Request) -> Response:
        return RedirectResponse("/board", status_code=HTTPStatus.FOUND)

    async def plain_error(_request: Request, exc: Exception) -> Response:
        status = HTTPStatus(exc.status_code) if isinstance(exc, HTTPException) else HTTPStatus.NOT_FOUND
        response = answer(_PLAIN_ANSWERS.get(status, status.phrase + "\n"), status, media_type=_TEXT)
        if isinstance(exc, HTTPException) and exc.headers:
            response.headers.update(exc.headers)  # Allow, on 405
        return response

    objection_path = "/board/notices/{notice_id}/objection"
    return Starlette(
        routes=[
            Route("/board", board, methods=["GET"]),
            Route("/board/", board, methods=["GET"]),
            Route("/board/feed.atom", feed, methods=["GET"]),
            Route("/board/demonstration", demonstration, methods=["GET"]),
            Route(objection_path, objection_form, methods=["GET"]),
            Route(objection_path, raise_objection, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/", home, methods=["GET"]),
        ],
        exception_handlers={404: plain_error, 405: plain_error},
    )


class _TooLong(Exception):
    pass


class _NoSuchDistrict(Exception):
    pass


async def _form_fields(request: Request) -> dict[str, str]:
    """The posted form (application/x-www-form-urlencoded, UTF-8; the last of repeated fields), read up to
    MAX_FORM_BYTES whether or not Content-Length says so; _TooLong beyond."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise _TooLong
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise _TooLong
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[-1] for name, values in fields.items()}


class _Server(uvicorn.Server):
    """uvicorn without its own signal handlers: the service runtime owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class BoardServer:
    """The board's uvicorn server on `address` (port 0: one the OS chooses), bound when built."""

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
        shutdown_grace_seconds: float = 5.0,
    ) -> None:
        host, _, port = address.rpartition(":")
        host = host.strip("[]")
        try:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            self._socket = socket.create_server((host, int(port)), family=family, backlog=128)
        except (OSError, ValueError) as exc:
            raise SystemExit(f"cannot serve the notice board on {address}: {exc}") from exc
        bound = self._socket.getsockname()[1]
        self.address = f"[{host}]:{bound}" if family == socket.AF_INET6 else f"{host}:{bound}"
        if not public_base_url:
            local = "127.0.0.1" if host in {"", "0.0.0.0", "::"} else self.address.rpartition(":")[0]
            public_base_url = f"http://{local}:{bound}"
        app = board_app(
            service,
            pages,
            objections,
            clock=clock,
            public_base_url=public_base_url,
            frame_ancestors=frame_ancestors,
            trust_forwarded_for=trust_forwarded_for,
        )
        self._server = _Server(
            uvicorn.Config(
                app,
                lifespan="off",
                log_config=None,  # the process's logging stays as the service set it up
                access_log=False,
                proxy_headers=False,  # X-Forwarded-For counts only when trusted (board_app)
                server_header=False,
                ws="none",
                backlog=128,
                timeout_graceful_shutdown=max(shutdown_grace_seconds, 1.0),
            )
        )
        self._serving: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    async def start(self) -> None:
        """Serve in the running event loop; return once connections are accepted."""
        self._serving = asyncio.create_task(self._server.serve(sockets=[self._socket]), name="notify board")
        while not self._server.started:
            if self._serving.done():
                await self._serving  # its failure, if any
                raise RuntimeError(f"the notice board on {self.address} stopped while starting")
            await asyncio.sleep(0.01)

    async def run(self, _stop: asyncio.Event) -> None:
        """Until the board stops (the runtime supervises it: a board that ends on its own ends the service)."""
        if self._serving is not None:
            await self._serving

    async def stop(self) -> None:
        """Stop accepting, let requests in flight finish (up to the grace period), close the socket."""
        self._server.should_exit = True
        if self._serving is not None:
            await asyncio.wait([self._serving])  # a failure is the runtime's to report, through run()
        else:
            self._socket.close()
