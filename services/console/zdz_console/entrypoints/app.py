"""The console's HTTP face: FastAPI routes rendering Jinja2 templates, one person's calls per request.

Sign-in keeps the pasted bearer token in a signed, HttpOnly, SameSite=Lax cookie; every page calls the services
with it. Refusals are shown as the service worded them: PERMISSION_DENIED on a 403 page, other rejections on a
400 page, a service that does not answer on a 503 page naming it.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import registry_pb2 as rpb
from zdz.scoring.v1 import scoring_pb2 as spb
from zdz_common.pb_enums import enum_name
from zdz_common.tls import TlsFiles
from zdz_console.adapters import ledger_files
from zdz_console.adapters.backends import Addresses, Backends, Calls
from zdz_console.adapters.map_data import chongqing_geojson
from zdz_console.adapters.session import COOKIE, MAX_AGE_SECONDS, BadToken, Sessions, development_tokens
from zdz_console.config import ConsoleConfig
from zdz_console.domain import labels
from zdz_console.domain.commands import BY_NAME, SHEET_KINDS, speaks_for
from zdz_console.domain.errors import Refused, Rejected, ServiceDown
from zdz_console.domain.geography import FUNCTIONAL_ZONES
from zdz_console.domain.viewer import ROLE_LABELS, Viewer
from zdz_console.service_layer import forms, pages

HERE = Path(__file__).resolve().parent


class NotSignedIn(Exception):
    pass


def create_app(config: ConsoleConfig, backends: Backends | None = None) -> FastAPI:
    backends = backends or Backends(
        Addresses(config.registry, config.scoring, config.workflow, config.notify), TlsFiles.from_env()
    )
    sessions = Sessions(config.secret, config.auth)
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals.update(labels=labels, role_labels=ROLE_LABELS, board_url=config.board_url)
    app = FastAPI(title="零直排控制台", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.backends = backends
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # The browser library from the pinned npm package (package-lock.json), never a CDN.
    app.mount(
        "/assets/echarts", StaticFiles(directory=config.node_modules / "echarts" / "dist", check_dir=False)
    )

    def signed_in(request: Request) -> tuple[Viewer, Calls]:
        token = sessions.open(request.cookies.get(COOKIE))
        if token is None:
            raise NotSignedIn
        try:
            viewer = sessions.viewer(token)
        except BadToken as error:
            raise NotSignedIn from error
        return viewer, backends.session(token)

    def page(
        request: Request, name: str, context: dict[str, Any], status: int = 200, viewer: Viewer | None = None
    ) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {"viewer": viewer, **context}, status_code=status)

    def dev_tokens() -> list[tuple[str, str, str]]:
        return development_tokens(config.dev_tokens) if config.dev_tokens is not None else []

    def viewer_or_none(request: Request) -> Viewer | None:
        try:
            return signed_in(request)[0]
        except NotSignedIn:
            return None

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, _error: NotSignedIn) -> Response:
        target = urllib.parse.quote(request.url.path)
        return RedirectResponse(f"/signin?next={target}", status_code=303)

    @app.exception_handler(ServiceDown)
    async def _down(request: Request, error: ServiceDown) -> Response:
        context = {"title": "服务暂时不可用", "service": error.label, "detail": error.detail}
        return page(request, "down.html", context, 503, viewer_or_none(request))

    @app.exception_handler(Refused)
    async def _refused(request: Request, error: Refused) -> Response:
        context = {
            "title": "无权执行此操作",
            "code": error.code,
            "message": error.message,
            "service": error.service,
        }
        return page(request, "refused.html", context, 403, viewer_or_none(request))

    @app.exception_handler(Rejected)
    async def _rejected(request: Request, error: Rejected) -> Response:
        status = 404 if error.code == "NOT_FOUND" else 400
        context = {
            "title": "操作未完成",
            "code": error.code,
            "message": error.message,
            "service": error.service,
        }
        return page(request, "rejected.html", context, status, viewer_or_none(request))

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok", media_type="text/plain")

    # --- sign-in --------------------------------------------------------------------------------------------

    @app.get("/signin", response_class=HTMLResponse)
    def signin_page(request: Request, next: str = "", error: str = "") -> HTMLResponse:
        context = {"title": "登录", "next": next, "error": error, "dev": bool(dev_tokens())}
        return page(request, "signin.html", context, 401 if error else 200)

    def _sign_in(request: Request, token: str, next_path: str) -> Response:
        token = token.strip().removeprefix("Bearer ").strip()
        try:
            viewer = sessions.viewer(token)
        except BadToken as error:
            context = {
                "title": "登录",
                "next": next_path,
                "error": f"令牌无法使用：{error}",
                "dev": bool(dev_tokens()),
            }
            return page(request, "signin.html", context, 401)
        target = next_path if next_path.startswith("/") and not next_path.startswith("//") else viewer.home()
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            sessions.seal(token),
            max_age=MAX_AGE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=config.secure_cookie,
        )
        return response

    @app.post("/signin")
    def signin(request: Request, token: str = Form(""), next: str = Form("")) -> Response:
        return _sign_in(request, token, next)

    @app.get("/dev", response_class=HTMLResponse)
    def dev_page(request: Request) -> HTMLResponse:
        rows = dev_tokens()
        if not rows:
            return page(
                request,
                "rejected.html",
                {
                    "title": "开发登录未启用",
                    "message": "只有本机开发环境（make run）提供开发登录",
                    "code": "",
                    "service": "console",
                },
                404,
            )
        choices = [
            {"index": i, "role": role, "role_label": ROLE_LABELS.get(role, role), "organisation": org}
            for i, (role, org, _token) in enumerate(rows)
            if role not in ("SERVICE",)
        ]
        return page(request, "dev.html", {"title": "开发登录", "choices": choices})

    @app.post("/dev/{index}")
    def dev_signin(request: Request, index: int) -> Response:
        rows = dev_tokens()
        if not 0 <= index < len(rows):
            return RedirectResponse("/dev", status_code=303)
        return _sign_in(request, rows[index][2], "")

    @app.post("/signout")
    def signout() -> Response:
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    # --- views ----------------------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def city(request: Request) -> HTMLResponse:
        viewer, calls = signed_in(request)
        view = pages.city(calls)
        return page(
            request, "city.html", {"title": "驾驶舱", "v": view, "zones": FUNCTIONAL_ZONES}, viewer=viewer
        )

    @app.get("/map/chongqing.json")
    def chongqing_map() -> Response:
        return Response(
            chongqing_geojson(config.node_modules),
            media_type="application/geo+json",
            headers={"cache-control": "public, max-age=86400"},
        )

    @app.get("/districts/{code}", response_class=HTMLResponse)
    def district(request: Request, code: str) -> HTMLResponse:
        viewer, calls = signed_in(request)
        view = pages.district(calls, code)
        return page(request, "district.html", {"title": view["district"].name, "v": view}, viewer=viewer)

    @app.get("/districts/{code}/export.{file_format}")
    def district_export(request: Request, code: str, file_format: str) -> Response:
        _viewer, calls = signed_in(request)
        if file_format not in ("xlsx", "csv"):
            raise Rejected("console", "INVALID_ARGUMENT", "导出格式须为 xlsx 或 csv")
        response = pages.export(calls, "" if code == "city" else code, file_format)
        return _download(response.content, response.media_type, response.filename)

    @app.get("/units/{unit_id}", response_class=HTMLResponse)
    def unit(request: Request, unit_id: str, done: str = "") -> HTMLResponse:
        viewer, calls = signed_in(request)
        view = pages.unit(calls, unit_id, viewer, config.temporal_ui, config.temporal_namespace)
        return page(
            request, "unit.html", {"title": view["unit"].name, "v": view, "done": done}, viewer=viewer
        )

    @app.get("/units/{unit_id}/sheets/{sheet_id}", response_class=HTMLResponse)
    def sheet(request: Request, unit_id: str, sheet_id: str) -> HTMLResponse:
        viewer, calls = signed_in(request)
        got = calls.scoring.GetSheet(spb.GetSheetRequest(sheet_id=sheet_id)).sheet
        context = {"title": "评分表", "unit_id": unit_id, "sheet": got, "result": forms.sheet_result(got)}
        return page(request, "sheet.html", context, viewer=viewer)

    @app.get("/units/{unit_id}/sheets/{sheet_id}/rendered.{file_format}")
    def rendered_sheet(request: Request, unit_id: str, sheet_id: str, file_format: str) -> Response:
        _viewer, calls = signed_in(request)
        number = {"html": spb.DOCUMENT_FORMAT_HTML, "xlsx": spb.DOCUMENT_FORMAT_XLSX}.get(file_format)
        if number is None:
            raise Rejected("console", "INVALID_ARGUMENT", "格式须为 html 或 xlsx")
        document = calls.scoring.RenderSheet(spb.RenderSheetRequest(sheet_id=sheet_id, format=number))
        if file_format == "html":
            return Response(
                document.content,
                media_type=document.content_type or "text/html; charset=utf-8",
                headers={"content-security-policy": "default-src 'none'; style-src 'unsafe-inline'"},
            )
        return _download(document.content, document.content_type, document.file_name)

    # --- forms ----------------------------------------------------------------------------------------------

    @app.get("/units/{unit_id}/ledger", response_class=HTMLResponse)
    def ledger_form(request: Request, unit_id: str) -> HTMLResponse:
        viewer, calls = signed_in(request)
        unit_pb = calls.registry.GetUnit(rpb.GetUnitRequest(id=unit_id)).unit
        context = {
            "title": "台账导入",
            "unit": unit_pb,
            "columns": ledger_files.columns_help(),
            "report": None,
        }
        return page(request, "ledger.html", context, viewer=viewer)

    @app.get("/units/{unit_id}/ledger/template.csv")
    def ledger_template(unit_id: str) -> Response:
        return _download(
            ("\ufeff" + ",".join(ledger_files.template_headers()) + "\n").encode(),
            "text/csv; charset=utf-8",
            "台账模板.csv",
        )

    @app.post("/units/{unit_id}/ledger", response_class=HTMLResponse)
    async def ledger_upload(
        request: Request, unit_id: str, file: UploadFile, mode: str = Form("all")
    ) -> HTMLResponse:
        viewer, calls = signed_in(request)
        content = await file.read()
        unit_pb = calls.registry.GetUnit(rpb.GetUnitRequest(id=unit_id)).unit
        try:
            file_rows = ledger_files.prepared_rows(file.filename or "", content)
        except ledger_files.UnreadableFile as error:
            raise Rejected("console", "INVALID_ARGUMENT", str(error)) from error
        report = forms.import_rows(calls, unit_id, file_rows, all_or_nothing=mode != "best")
        context = {
            "title": "台账导入结果",
            "unit": unit_pb,
            "columns": ledger_files.columns_help(),
            "report": report,
            "outcomes": forms.OUTCOMES,
            "filename": file.filename,
        }
        return page(request, "ledger.html", context, 200 if not report.errors else 422, viewer=viewer)

    @app.get("/units/{unit_id}/sheets/form/new", response_class=HTMLResponse)
    def sheet_form(request: Request, unit_id: str, plan: str = "") -> HTMLResponse:
        viewer, calls = signed_in(request)
        values = {"sampling_plan_id": plan, "sheet_kind": "DISTRICT_ACCEPTANCE"} if plan else {}
        return _sheet_page(request, viewer, calls, unit_id, values, None)

    @app.post("/units/{unit_id}/sheets/form", response_class=HTMLResponse)
    async def sheet_submit(request: Request, unit_id: str) -> Response:
        viewer, calls = signed_in(request)
        values = {k: str(v) for k, v in (await request.form()).items()}
        try:
            result = forms.sheet_step(calls, unit_id, values)
        except Rejected as error:
            return _sheet_page(request, viewer, calls, unit_id, values, None, error.message, 400)
        if result.state == spb.SHEET_STATE_SIGNED:
            return RedirectResponse(f"/units/{unit_id}/sheets/{result.id}", status_code=303)
        return _sheet_page(request, viewer, calls, unit_id, values, result)

    def _sheet_page(
        request: Request,
        viewer: Viewer,
        calls: Calls,
        unit_id: str,
        values: dict[str, str],
        sheet_pb: Any,
        error: str = "",
        status: int = 200,
    ) -> HTMLResponse:
        unit_pb = calls.registry.GetUnit(rpb.GetUnitRequest(id=unit_id)).unit
        kinds = [
            (k, label)
            for k, (issuer, label) in SHEET_KINDS.items()
            if speaks_for(viewer, issuer, unit_pb.id, unit_pb.district_code)
        ]
        if sheet_pb is not None and sheet_pb.id:
            values = {**values, "sheet_id": sheet_pb.id, "version": str(sheet_pb.version)}
        context = {
            "title": "评分表",
            "unit": unit_pb,
            "kind": labels.unit_kind(enum_name(refs_pb2.UnitKind, unit_pb.kind, "kind")),
            "town": unit_pb.kind == refs_pb2.UNIT_KIND_TOWN,
            "kinds": kinds,
            "values": values,
            "result": forms.sheet_result(sheet_pb) if sheet_pb is not None else None,
            "error": error,
        }
        return page(request, "sheet_form.html", context, status, viewer=viewer)

    @app.post("/units/{unit_id}/plans")
    def draw_plan(request: Request, unit_id: str) -> Response:
        _viewer, calls = signed_in(request)
        plan = forms.draw_plan(calls, unit_id)
        return RedirectResponse(f"/units/{unit_id}/plans/{plan.id}", status_code=303)

    @app.get("/units/{unit_id}/plans/{plan_id}", response_class=HTMLResponse)
    def plan_page(request: Request, unit_id: str, plan_id: str, saved: str = "") -> HTMLResponse:
        viewer, calls = signed_in(request)
        plan = calls.scoring.GetSamplingPlan(spb.GetSamplingPlanRequest(plan_id=plan_id)).plan
        context = {
            "title": "验收抽样方案",
            "unit_id": unit_id,
            "plan": plan,
            "rows": forms.plan_rows(plan),
            "saved": saved,
        }
        return page(request, "plan.html", context, viewer=viewer)

    @app.post("/units/{unit_id}/plans/{plan_id}")
    async def plan_verdicts(request: Request, unit_id: str, plan_id: str) -> Response:
        _viewer, calls = signed_in(request)
        values = {k: str(v) for k, v in (await request.form()).items()}
        forms.record_verdicts(calls, plan_id, values)
        return RedirectResponse(f"/units/{unit_id}/plans/{plan_id}?saved=1", status_code=303)

    @app.post("/units/{unit_id}/commands/{name}")
    async def command(request: Request, unit_id: str, name: str) -> Response:
        _viewer, calls = signed_in(request)
        values = {k: str(v) for k, v in (await request.form()).items()}
        unit_pb = calls.registry.GetUnit(rpb.GetUnitRequest(id=unit_id)).unit
        summary = pages.find_process(calls, unit_pb) if name != "StartProcess" else None
        built = forms.command_request(name, unit_pb, summary.ref if summary is not None else None, values)
        forms.issue(calls, name, built)
        label = BY_NAME[name].label
        return RedirectResponse(f"/units/{unit_id}?done={urllib.parse.quote(label)}", status_code=303)

    return app


def _download(content: bytes, media_type: str, filename: str) -> Response:
    quoted = urllib.parse.quote(filename)
    return Response(
        content,
        media_type=media_type or "application/octet-stream",
        headers={"content-disposition": f"attachment; filename*=UTF-8''{quoted}"},
    )
