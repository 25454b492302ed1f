"""The console over the real services of one `make run`: each page and form as its people reach it, in process
(FastAPI's TestClient), every figure coming from the services' gRPC APIs with the signed-in person's token."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.e2e.programme import Caller, shanghai_day
from tests.integration.console.scene import Scene, console_config
from zdz.registry.v1 import ledger_pb2, registry_pb2
from zdz.workflow.v1 import workflow_pb2 as wf
from zdz_console.adapters.session import COOKIE
from zdz_console.entrypoints.app import create_app
from zdz_local.processes import free_port


def today() -> str:
    """The programme's day (Asia/Shanghai): a sheet is assessed within the stage it decides."""
    return shanghai_day(datetime.now(UTC)).isoformat()


@pytest.fixture(scope="module")
def app(scene: Scene):  # type: ignore[no-untyped-def]
    application = create_app(console_config(scene.env, scene.data))
    yield application
    application.state.backends.close()


def signed_in(app, caller: Caller) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, follow_redirects=False)
    answer = client.post("/signin", data={"token": caller.token})
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture
def city(app, scene: Scene) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with signed_in(app, scene.city) as client:
        yield client


def test_sign_in_keeps_the_token_in_a_signed_httponly_samesite_cookie_and_refuses_a_forged_one(
    app, scene: Scene
) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app, follow_redirects=False)
    assert client.get("/").headers["location"] == "/signin?next=/"  # nothing without signing in
    answer = client.post("/signin", data={"token": scene.district.token})
    assert (
        answer.status_code == 303 and answer.headers["location"] == "/districts/wanzhou"
    )  # a district's home
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert scene.district.token not in cookie  # signed and encoded, not the bare token
    forged = scene.district.token[:-6] + "AAAAAA"
    refused = TestClient(app).post("/signin", data={"token": forged})
    assert refused.status_code == 401 and "令牌无法使用" in refused.text
    tampered = TestClient(
        app, follow_redirects=False, cookies={COOKIE: "x" + cookie.split(";")[0].split("=", 1)[1]}
    )
    assert tampered.get("/").status_code == 303  # a cookie not signed by the console is no sign-in


def test_the_development_page_lists_the_dev_roles_and_signs_in_with_one_click(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app, follow_redirects=False)
    page = client.get("/dev")
    assert page.status_code == 200
    for label in ("以建设单元登录", "以区县工作专班登录", "以市级工作专班登录"):
        assert label in page.text
    answer = client.post("/dev/1")  # the second line of dev-tokens.txt: the 万州 district task force
    assert answer.headers["location"] == "/districts/wanzhou"


def test_without_dev_login_there_is_no_development_page(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZDZ_CONSOLE_DEV_LOGIN", "0")
    config = console_config(scene.env | {"ZDZ_CONSOLE_DEV_LOGIN": "0"}, scene.data)
    application = create_app(config)
    assert TestClient(application).get("/dev").status_code == 404
    application.state.backends.close()


def test_the_city_view_shows_targets_every_district_and_the_units_at_each_stage(city: TestClient) -> None:
    page = city.get("/")
    assert page.status_code == 200
    for words in ("全市镇街目标", "沿江目标", "工业园区组团", "千村示范", "/ 1000", "各阶段单元", "自查评估"):
        assert words in page.text
    data = json.loads(page.text.split('id="progress-data">', 1)[1].split("</script>", 1)[0])
    names = {d["name"] for d in data["districts"]}
    assert (
        len(names) == 38 and {"万州区", "梁平区", "石柱县", "渝中区"} <= names
    )  # the map's 38, registry names
    for zone in (
        "两江新区",
        "西部科学城重庆高新区",
        "万盛经开区",
        "双桥经开区",
    ):  # no polygon: listed beside the map
        assert zone in page.text.split('class="zones"', 1)[1].split("</aside>", 1)[0]
    wanzhou = next(d for d in data["districts"] if d["code"] == "wanzhou")
    assert (wanzhou["towns"], wanzhou["required_2025"], wanzhou["required_2027"]) == (52, 19, 42)


def test_the_map_data_is_chongqing_from_the_kept_package_under_the_registry_names(
    city: TestClient, scene: Scene
) -> None:
    geo = city.get("/map/chongqing.json").json()
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 38
    districts = scene.programme.call(
        scene.programme.registry.ListDistricts, registry_pb2.ListDistrictsRequest(page_size=100), scene.city
    ).districts
    assert {f["properties"]["name"] for f in geo["features"]} <= {d.name for d in districts}
    lon, lat = geo["features"][0]["geometry"]["coordinates"][0][0]
    assert 105 < lon < 111 and 28 < lat < 33  # decoded from ECharts' UTF8Encoding into degrees


def test_a_district_reading_the_city_report_sees_the_registry_refusal_and_its_own_district(
    app, scene: Scene
) -> None:  # type: ignore[no-untyped-def]
    with signed_in(app, scene.district) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert "issue7.district-read" in page.text and "/districts/wanzhou" in page.text


def test_the_district_view_lists_units_by_stage_problems_and_exports_its_schedule(app, scene: Scene) -> None:  # type: ignore[no-untyped-def]
    with signed_in(app, scene.district) as client:
        page = client.get("/districts/wanzhou")
        assert page.status_code == 200
        unit = scene.at_self_check.unit
        stage_table = page.text.split("<h3>自查评估（", 1)[1].split("</table>", 1)[0]
        assert unit.name in stage_table
        problems = page.text.split("问题与整改任务", 1)[1].split("</table>", 1)[0]
        assert unit.name in problems
        workbook = client.get("/districts/wanzhou/export.xlsx")
        assert workbook.status_code == 200 and "attachment" in workbook.headers["content-disposition"]
        sheet = load_workbook(io.BytesIO(workbook.content)).worksheets[0]
        assert any(unit.name in str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
        csv_file = client.get("/districts/wanzhou/export.csv")
        assert csv_file.content.startswith("\ufeff".encode()) and unit.name in csv_file.content.decode(
            "utf-8-sig"
        )
        # another district's schedule is the registry's to refuse
        assert client.get("/districts/fuling/export.csv").status_code == 403


def test_the_unit_view_shows_ledger_problems_process_history_chain_and_the_temporal_link(
    city: TestClient, scene: Scene
) -> None:
    unit = scene.at_self_check.unit
    page = city.get(f"/units/{unit.id}")
    assert page.status_code == 200
    for words in (
        "源",
        "网",
        "厂",
        "口",
        "1000 / 1000",
        "问题清单与任务清单",
        "区县核验记录-",
        "自查评估",
        "区县专班-李四",
        "纳入2026年污水零直排区建设",
        "哈希链完整",
    ):
        assert words in page.text, words
    process = scene.programme.call(
        scene.programme.workflow.GetProcess, wf.GetProcessRequest(process=scene.at_self_check.ref), scene.city
    ).process
    workflow = quote(process.process_id, safe="")  # one path segment: the id holds slashes
    temporal = f"http://127.0.0.1:{scene.env['ZDZ_TEMPORAL_UI_PORT']}/namespaces/default/workflows/{workflow}"
    assert temporal in page.text


def test_each_role_is_offered_only_the_commands_it_issues_for_the_unit_now(app, scene: Scene) -> None:  # type: ignore[no-untyped-def]
    unit = scene.at_self_check.unit
    with signed_in(app, scene.at_self_check.clerk) as client:
        page = client.get(f"/units/{unit.id}").text
        assert f"/units/{unit.id}/commands/SubmitSelfCheck" in page  # the unit submits its own self-check
        assert "RecordDistrictVerdict" not in page and "StartLookBack" not in page
        assert "填写评分表" in page and "导入台账" in page
    with signed_in(app, scene.district) as client:
        page = client.get(f"/units/{unit.id}").text
        assert "/commands/" not in page  # at self-check the district has nothing to issue
        assert "导入台账" not in page
    with signed_in(app, scene.other_district) as client:
        page = client.get(f"/units/{unit.id}")
        assert page.status_code == 200 and "/commands/" not in page.text
        assert "issue7.ledger-read" in page.text  # 涪陵 reads no 万州 ledger: the registry says so


def test_a_command_the_role_may_not_issue_shows_the_workflow_service_permission_denied(
    app, scene: Scene
) -> None:  # type: ignore[no-untyped-def]
    unit = scene.at_self_check.unit
    with signed_in(app, scene.at_self_check.clerk) as client:
        answer = client.post(
            f"/units/{unit.id}/commands/RecordDistrictVerdict", data={"sheet_id": "x", "reason": "越权"}
        )
    assert answer.status_code == 403
    assert "issue7.district-accepts-own-units" in answer.text and "PERMISSION_DENIED" in answer.text


def _ledger_csv(bad_length: str) -> bytes:
    lines = [
        "台账类别,编号,名称,类型,单体楼,户数,已排查,自查结果,管网类型,长度（米）,位置",
        "源头排水户,H-201,和平小区,生活小区,否,200,是,自查合格,,,",
        "管段,P-201,,,,,是,,污水,120,沙龙路",
        f"管段,P-202,,,,,是,,雨水,{bad_length},沙龙路",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def test_a_ledger_upload_all_or_nothing_writes_nothing_and_names_the_bad_row_and_column(
    app, scene: Scene
) -> None:  # type: ignore[no-untyped-def]
    unit = scene.no_ledger
    with signed_in(app, scene.unit_caller(unit)) as client:
        answer = client.post(
            f"/units/{unit.id}/ledger",
            data={"mode": "all"},
            files={"file": ("台账.csv", _ledger_csv("0"), "text/csv")},
        )
        assert answer.status_code == 422
        errors = answer.text.split('id="row-errors"', 1)[1].split("</table>", 1)[0]
        assert "第 4 行" in errors and "长度" in errors and "above zero" in errors
        assert "第 2 行" not in errors and "未写入任何行" in answer.text
        unreadable = client.post(
            f"/units/{unit.id}/ledger",
            data={"mode": "all"},
            files={"file": ("台账.csv", _ledger_csv("十米"), "text/csv")},
        )
        assert "须为数字，而不是“十米”" in unreadable.text  # read by the console, before the registry
    rows = scene.programme.call(
        scene.programme.ledger.ListLedgerRows,
        ledger_pb2.ListLedgerRowsRequest(unit_id=unit.id, entity_class=ledger_pb2.ENTITY_CLASS_PIPE_SEGMENT),
        scene.city,
    )
    assert rows.total_size == 0


def test_a_ledger_upload_best_effort_writes_the_good_rows_of_an_xlsx(app, scene: Scene) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    unit = scene.no_ledger
    workbook = Workbook()
    for line in _ledger_csv("-5").decode("utf-8-sig").splitlines():
        workbook.active.append(line.split(","))
    content = io.BytesIO()
    workbook.save(content)
    with signed_in(app, scene.unit_caller(unit)) as client:
        answer = client.post(
            f"/units/{unit.id}/ledger",
            data={"mode": "best"},
            files={
                "file": (
                    "台账.xlsx",
                    content.getvalue(),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            },
        )
    assert "已写入 2 行，1 行被拒绝" in answer.text and "第 4 行" in answer.text
    rows = scene.programme.call(
        scene.programme.ledger.ListLedgerRows,
        ledger_pb2.ListLedgerRowsRequest(unit_id=unit.id, entity_class=ledger_pb2.ENTITY_CLASS_PIPE_SEGMENT),
        scene.city,
    )
    assert [r.pipe_segment.code for r in rows.rows] == ["P-201"]


def test_a_service_that_is_down_gives_a_page_that_names_it(scene: Scene) -> None:
    config = console_config(scene.env | {"ZDZ_WORKFLOW_GRPC_ADDRESS": f"127.0.0.1:{free_port()}"}, scene.data)
    application = create_app(config)
    with signed_in(application, scene.city) as client:
        page = client.get(f"/units/{scene.at_self_check.unit.id}")
    application.state.backends.close()
    assert page.status_code == 503 and "流程服务（workflow）" in page.text and "没有响应" in page.text


def test_a_unit_scores_itself_preview_draft_sign_then_submits_the_signed_sheet(app, scene: Scene) -> None:  # type: ignore[no-untyped-def]
    """Last: it moves the unit on to district acceptance."""
    unit = scene.at_self_check.unit
    form = {
        "sheet_kind": "SELF_CHECK",
        "assessor": f"{unit.name}办事处/张三",
        "assessed_on": today(),
        "residential_sample_pass_rate": "100",
        "non_residential_sample_pass_rate": "100",
        "discretionary": "4，2，排查台账部分不详实",
    }
    with signed_in(app, scene.at_self_check.clerk) as client:
        preview = client.post(f"/units/{unit.id}/sheets/form", data={**form, "action": "preview"})
        assert (
            preview.status_code == 200
            and '<span id="total">98.00</span>' in preview.text
            and "预览" in preview.text
        )
        draft = client.post(f"/units/{unit.id}/sheets/form", data={**form, "action": "save"})
        sheet_id = draft.text.split('name="sheet_id" value="', 1)[1].split('"', 1)[0]
        version = draft.text.split('name="version" value="', 1)[1].split('"', 1)[0]
        assert sheet_id and "草稿" in draft.text
        signed = client.post(
            f"/units/{unit.id}/sheets/form",
            data={**form, "action": "sign", "sheet_id": sheet_id, "version": version},
        )
        assert signed.headers["location"] == f"/units/{unit.id}/sheets/{sheet_id}"
        page = client.get(signed.headers["location"])
        assert "已签署" in page.text and "98.00" in page.text
        rendered = client.get(f"/units/{unit.id}/sheets/{sheet_id}/rendered.html")
        assert (
            rendered.status_code == 200 and "自查评分表" in rendered.text
        )  # the scoring service's own rendering
        submitted = client.post(
            f"/units/{unit.id}/commands/SubmitSelfCheck",
            data={"sheet_id": sheet_id, "reason": "自查评估达到合格"},
        )
        assert submitted.status_code == 303 and "done=" in submitted.headers["location"]
        after = client.get(submitted.headers["location"]).text
        assert '<strong id="stage">区县验收</strong>' in after and "已完成：提交自查评估" in after


def test_the_district_draws_the_sample_records_verdicts_signs_its_acceptance_sheet_and_passes_the_unit(
    app, scene: Scene
) -> None:  # type: ignore[no-untyped-def]
    """After the unit's self-check (the test above): 区县验收 through the console, plan → verdicts → sheet → verdict."""
    unit = scene.at_self_check.unit
    with signed_in(app, scene.district) as client:
        page = client.get(f"/units/{unit.id}").text
        assert f'action="/units/{unit.id}/plans"' in page and "RecordDistrictVerdict" in page
        drawn = client.post(f"/units/{unit.id}/plans")
        plan_url = drawn.headers["location"]
        plan_id = plan_url.rsplit("/", 1)[1]
        items = re.findall(r'name="(verdict:[A-Z_]+:[^"]+)"', client.get(plan_url).text)
        assert items
        recorded = client.post(plan_url, data={name: "pass" for name in items})
        assert recorded.status_code == 303
        assert "核查结论已记录" in client.get(recorded.headers["location"]).text
        form = client.get(f"/units/{unit.id}/sheets/form/new?plan={plan_id}").text
        assert f'value="{plan_id}"' in form
        fields = {
            "sheet_kind": "DISTRICT_ACCEPTANCE",
            "assessor": "万州区工作专班/李四",
            "assessed_on": today(),  # assessed inside the acceptance stage, which began today
            "sampling_plan_id": plan_id,
            "panel": "李四，万州区生态环境局，组长\n王五，万州区住房城乡建委，组员",
        }
        draft = client.post(f"/units/{unit.id}/sheets/form", data={**fields, "action": "save"})
        assert draft.status_code == 200, draft.text
        sheet_id = draft.text.split('name="sheet_id" value="', 1)[1].split('"', 1)[0]
        version = draft.text.split('name="version" value="', 1)[1].split('"', 1)[0]
        signed = client.post(
            f"/units/{unit.id}/sheets/form",
            data={**fields, "action": "sign", "sheet_id": sheet_id, "version": version},
        )
        assert signed.status_code == 303, signed.text
        verdict = client.post(
            f"/units/{unit.id}/commands/RecordDistrictVerdict",
            data={"sheet_id": sheet_id, "reason": "验收合格"},
        )
        assert verdict.status_code == 303, verdict.text
        assert '<strong id="stage">公示</strong>' in client.get(verdict.headers["location"]).text
