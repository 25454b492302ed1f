"""The console in a real browser (headless Debian Chromium), served by the console `make run` started: the
stories issue 13 names, each leaving a screenshot under ${ZDZ_TEST_ARTEFACTS:-.artefacts}/console/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.e2e.programme import Caller, shanghai_day
from tests.integration.console.scene import Scene, System
from zdz.workflow.v1 import workflow_pb2 as wf


def sign_in_with_token(page: Page, scene: Scene, caller: Caller) -> None:
    page.goto(f"{scene.console_url}/signin")
    page.get_by_label("访问令牌").fill(caller.token)
    page.get_by_role("button", name="登录").click()


def dev_sign_in(page: Page, scene: Scene, role: str) -> None:
    page.goto(f"{scene.console_url}/dev")
    page.locator(f"button[data-role='{role}']").click()


def test_make_run_starts_the_console_last_and_prints_its_address(console_system: System) -> None:
    printed = console_system.printed
    console = f"console   http://{console_system.env['ZDZ_CONSOLE_HTTP_ADDRESS']}"
    assert any(line.startswith(console) for line in printed)
    starting = [line for line in printed if line.startswith("starting ")]
    assert starting[-1] == "starting console …"  # a client of the four, after them


def test_a_district_signs_in_from_the_development_page_and_lands_on_its_district(
    page: Page, scene: Scene, artefacts: Path
) -> None:
    dev_sign_in(page, scene, "DISTRICT_TASK_FORCE")
    expect(page).to_have_url(f"{scene.console_url}/districts/wanzhou")
    expect(page.get_by_role("heading", level=1)).to_contain_text("万州区")
    expect(page.locator("header .who")).to_contain_text("区县工作专班")
    expect(page.get_by_role("link", name="下载调度表（Excel）")).to_be_visible()
    expect(page.locator("main")).to_contain_text(scene.at_self_check.unit.name)
    page.screenshot(path=artefacts / "district-view.png", full_page=True)


def test_the_city_view_draws_the_district_bars_and_the_chongqing_map(
    page: Page, scene: Scene, artefacts: Path
) -> None:
    dev_sign_in(page, scene, "MUNICIPAL_TASK_FORCE")
    expect(page).to_have_url(f"{scene.console_url}/")
    expect(page.locator("#bars canvas")).to_have_count(1)
    expect(page.locator("#map[data-drawn='1'] canvas")).to_have_count(
        1
    )  # the boundaries were loaded and drawn
    for name in ("两江新区", "万盛经开区", "全市镇街目标", "沿江目标", "千村示范"):
        expect(page.locator("main")).to_contain_text(name)
    # the bars are drawn: the canvas is not blank
    painted = page.evaluate(
        """() => { const c = document.querySelector('#map canvas'); const d = c.getContext('2d')
             .getImageData(0, 0, c.width, c.height).data; let n = 0;
             for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""
    )
    assert painted > 10_000
    page.screenshot(path=artefacts / "city-view.png", full_page=True)


def test_a_unit_opens_its_own_page_with_ledger_problems_timeline_and_temporal_link(
    page: Page, scene: Scene, artefacts: Path
) -> None:
    subject = scene.at_self_check
    sign_in_with_token(page, scene, subject.clerk)
    expect(page).to_have_url(f"{scene.console_url}/units/{subject.unit.id}")
    expect(page.locator("#stage")).to_have_text("自查评估")
    expect(page.get_by_role("heading", name="台账概况（源网厂口）")).to_be_visible()
    expect(page.locator("main")).to_contain_text("区县核验记录-")  # a task's evidence
    process = scene.programme.call(
        scene.programme.workflow.GetProcess, wf.GetProcessRequest(process=subject.ref), scene.city
    ).process
    temporal = f"http://127.0.0.1:{scene.env['ZDZ_TEMPORAL_UI_PORT']}/namespaces/default/workflows/"
    expect(page.locator("#temporal-link")).to_have_attribute(
        "href", temporal + quote(process.process_id, safe="")
    )
    page.screenshot(path=artefacts / "unit-view.png", full_page=True)


def test_a_ledger_file_with_one_bad_row_shows_that_rows_error(
    page: Page, scene: Scene, artefacts: Path, tmp_path: Path
) -> None:
    unit = scene.no_ledger
    ledger = tmp_path / "五桥台账.csv"
    ledger.write_text(
        "台账类别,编号,名称,类型,单体楼,户数,已排查,自查结果,管网类型,长度(米),位置\n"
        "源头排水户,H-301,江南小区,生活小区,否,150,是,自查合格,,,\n"
        "管段,P-301,,,,,是,,污水,300,江南大道\n"
        "管段,P-302,,,,,是,,雨水,0,江南大道\n",
        encoding="utf-8-sig",
    )
    sign_in_with_token(page, scene, scene.unit_caller(unit))
    page.get_by_role("link", name="导入台账").click()
    page.get_by_label("台账文件（.xlsx 或 .csv，第一行为中文表头）").set_input_files(ledger)
    page.get_by_label("整批导入：任何一行有错，全部不写入").check()
    page.get_by_role("button", name="上传并导入").click()
    errors = page.locator("#row-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("第 4 行")
    expect(errors.first).to_contain_text("长度")
    expect(page.locator("main")).to_contain_text("未写入任何行")
    page.screenshot(path=artefacts / "ledger-upload-row-error.png", full_page=True)


def test_a_unit_scores_itself_through_the_form_and_sees_the_signed_sheet(
    page: Page, scene: Scene, artefacts: Path
) -> None:
    subject = scene.at_self_check
    sign_in_with_token(page, scene, subject.clerk)
    page.get_by_role("link", name="填写评分表").click()
    page.get_by_label("评分人（单位和姓名）").fill(f"{subject.unit.name}办事处/张三")
    page.get_by_label("评分日期").fill(shanghai_day(datetime.now(UTC)).isoformat())
    page.get_by_label("生活小区抽查样本合格率（%，未引用抽样方案时填写）").fill("100")
    page.get_by_label("非生活小区抽查样本合格率（%）").fill("100")
    page.get_by_label("酌情扣分（每行：项号，扣分，理由）").fill("4，2，排查台账部分不详实")
    page.get_by_role("button", name="预览得分").click()
    expect(page.locator("#total")).to_have_text("98.00")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#result-h")).to_contain_text("草稿")
    page.screenshot(path=artefacts / "sheet-form-draft.png", full_page=True)
    page.locator("#sign").click()
    expect(page.locator("#sheet-state")).to_contain_text("已签署")
    expect(page.locator("#sheet-state")).to_contain_text("98.00")
    rendered = page.frame_locator("iframe.sheet")
    expect(rendered.locator("body")).to_contain_text("自查评分表")  # the scoring service's own rendering
    page.screenshot(path=artefacts / "sheet-signed.png", full_page=True)


def test_a_role_is_refused_a_command_it_may_not_issue_with_the_services_words(
    page: Page, scene: Scene, artefacts: Path
) -> None:
    subject = scene.at_self_check
    sign_in_with_token(page, scene, subject.clerk)
    # The district's commands are not offered to the unit …
    expect(page.locator("form[action$='/commands/RecordDistrictVerdict']")).to_have_count(0)
    # … and a command sent anyway (a stale page, a crafted form) is refused by the workflow service.
    page.evaluate(
        """() => { const f = document.createElement('form'); f.method = 'post';
             f.action = location.pathname + '/commands/RecordDistrictVerdict';
             for (const [k, v] of [['sheet_id', 'x'], ['reason', '自行验收']]) {
               const i = document.createElement('input'); i.name = k; i.value = v; f.appendChild(i); }
             document.body.appendChild(f); f.submit(); }"""
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("无权执行此操作")
    expect(page.locator("#refusal")).to_contain_text("issue7.district-accepts-own-units")
    page.screenshot(path=artefacts / "command-refused.png", full_page=True)
