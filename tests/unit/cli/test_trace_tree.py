"""`zdz trace`: the command's span tree from the JSON lines the services write, Temporal's linked update handler
hung under the update that caused it (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from zdz_cli.app import app
from zdz_cli.traces import command_tree, read_spans

T1, T2 = "0x" + "1" * 32, "0x" + "2" * 32


def _span(name: str, trace: str, span: str, parent: str | None, start: int, end: int, **more) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {
        "name": name,
        "context": {"trace_id": trace, "span_id": span},
        "parent_id": parent,
        "start_time": f"2026-12-03T10:00:{start:02d}.000000Z",
        "end_time": f"2026-12-03T10:00:{end:02d}.000000Z",
        "status": {"status_code": "UNSET"},
        **more,
    }


def _write(folder: Path) -> None:
    workflow = [
        _span(
            "/zdz.workflow.v1.WorkflowService/RecordDistrictVerdict",
            T1,
            "0xa",
            None,
            1,
            9,
            attributes={"zdz.request_id": "req-1"},
        ),
        _span("StartWorkflowUpdate:RecordDistrictVerdict", T1, "0xb", "0xa", 2, 8),
        _span(
            "HandleUpdate:RecordDistrictVerdict",
            T2,
            "0xc",
            "0xroot",
            3,
            7,
            links=[{"context": {"trace_id": T1, "span_id": "0xb"}}],
        ),
        _span("StartActivity:PublishProcessEvents", T2, "0xd", "0xroot", 4, 5),
        _span("RunActivity:PublishProcessEvents", T2, "0xe", "0xd", 4, 5),
        _span("HandleUpdate:PublishNotice", T2, "0x10", "0xroot", 19, 19),  # the next command's handler
        _span("StartActivity:LaterStep", T2, "0xf", "0xroot", 20, 21),  # ... and its activity
    ]
    (folder / "workflow.jsonl").write_text("\n".join(json.dumps(s) for s in workflow) + "\n")


def test_the_tree_hangs_the_linked_handler_and_its_activities_under_the_commands_update(
    tmp_path: Path,
) -> None:
    _write(tmp_path)
    tree = command_tree(read_spans(sorted(tmp_path.glob("*.jsonl"))), "req-1")
    assert tree is not None and tree.service == "workflow"
    [update] = tree.children
    [handler] = update.children
    assert handler.name == "HandleUpdate:RecordDistrictVerdict"
    assert [c.name for c in handler.children] == ["StartActivity:PublishProcessEvents"]
    assert [c.name for c in handler.children[0].children] == ["RunActivity:PublishProcessEvents"]


def test_zdz_trace_prints_the_tree_and_refuses_an_unknown_request_with_exit_3(tmp_path: Path) -> None:
    _write(tmp_path)
    shown = CliRunner().invoke(app, ["trace", "req-1", "--traces", str(tmp_path)])
    assert shown.exit_code == 0 and "RunActivity:PublishProcessEvents" in shown.stdout
    unknown = CliRunner().invoke(app, ["trace", "req-9", "--traces", str(tmp_path)])
    assert unknown.exit_code == 3 and "req-9" in unknown.output
    nothing = CliRunner().invoke(app, ["trace", "req-1", "--traces", str(tmp_path / "none")])
    assert nothing.exit_code == 3 and "ZDZ_TRACES_FILE" in nothing.output
