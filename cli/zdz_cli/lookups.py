"""Finding a unit by what a clerk knows of it (its id, its 统计用区划代码, its name) and its process."""

from __future__ import annotations

import os

from zdz.registry.v1 import registry_pb2
from zdz.workflow.v1 import workflow_pb2
from zdz_cli.framework import Cli, ServiceError


class Refused(ServiceError):
    """Refused by the command line on the services' answers (e.g. no such unit): exit code REFUSED."""

    def __init__(self, code_name: str, message: str) -> None:
        import grpc

        super().__init__("registry", "", grpc.StatusCode[code_name], message)


def resolve_unit(cli: Cli, reference: str) -> registry_pb2.Unit:
    """The unit with this id, official code (9 or 12 digits) or exact name (when only one unit has it)."""
    reference = reference.strip()
    if reference.isdigit():
        found = cli.call(
            "registry", "ListUnits", registry_pb2.ListUnitsRequest(official_code=reference, page_size=2)
        )
        if found.units:
            return found.units[0]
    else:
        try:
            return cli.call("registry", "GetUnit", registry_pb2.GetUnitRequest(id=reference)).unit
        except ServiceError as error:
            if error.code is None or error.code.name not in ("NOT_FOUND", "INVALID_ARGUMENT"):
                raise
        named = [
            u
            for u in cli.pages("registry", "ListUnits", registry_pb2.ListUnitsRequest(), "units")
            if u.name == reference
        ]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            choices = "；".join(f"{u.id}（{u.district_code}）" for u in named)
            raise Refused(
                "FAILED_PRECONDITION", f"有 {len(named)} 个单元名为“{reference}”，请用编号：{choices}"
            )
    raise Refused(
        "NOT_FOUND",
        f"找不到单元“{reference}”（可用单元编号、统计用区划代码或名称；`zdz units list` 列出单元）",
    )


def processes_of(cli: Cli, unit: registry_pb2.Unit) -> list[workflow_pb2.ProcessSummary]:
    """The unit's processes, most recently started first."""
    request = workflow_pb2.ListProcessesRequest(district_code=unit.district_code, unit_kind=unit.kind)
    return [
        p for p in cli.pages("workflow", "ListProcesses", request, "processes") if p.ref.unit_id == unit.id
    ]


def process_ref(cli: Cli, unit_reference: str, campaign: str) -> workflow_pb2.ProcessRef:
    """The process of a unit in a campaign (`--campaign`, or ZDZ_CAMPAIGN); without one, the unit's latest process
    (listing processes is for districts and the city: a unit names its campaign)."""
    unit = resolve_unit(cli, unit_reference)
    campaign = campaign or os.environ.get("ZDZ_CAMPAIGN", "")
    if campaign:
        return workflow_pb2.ProcessRef(district_code=unit.district_code, unit_id=unit.id, campaign=campaign)
    try:
        processes = processes_of(cli, unit)
    except ServiceError as error:
        if error.code is None or error.code.name != "PERMISSION_DENIED":
            raise
        raise Refused(
            "PERMISSION_DENIED",
            f"{error.details}\n当前角色不能列出流程：请用 --campaign 指定批次（或设置环境变量 ZDZ_CAMPAIGN）",
        ) from None
    if not processes:
        raise Refused(
            "NOT_FOUND",
            f"单元“{unit.name}”还没有流程：先用 `zdz process start {unit.id} --campaign 2025` 开始",
        )
    return processes[0].ref
