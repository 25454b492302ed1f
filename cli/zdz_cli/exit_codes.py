"""The exit codes scripts can rely on, and the one table from a gRPC status to an exit code.

`zdz --help` prints EPILOG; tests check the table, so a change here is a change of the command line's contract.
"""

from __future__ import annotations

import grpc

OK = 0
# The service refused the command: a rule, a permission, an unknown unit or sheet, a bad value.
REFUSED = 1
# Bad usage of the command line itself (typer/click's own code for a wrong option).
USAGE = 2
# The input file cannot be read: missing, not .xlsx/.csv, unknown or missing column headers.
BAD_FILE = 3
# The service cannot be reached (not running, wrong address, timed out, overloaded): try again later.
UNAVAILABLE = 4
# A check ran and found a problem: an audit chain broken, a ledger import with rejected rows.
CHECK_FAILED = 5

EXIT_CODES: dict[int, str] = {
    OK: "成功 (ok)",
    REFUSED: "服务拒绝了该命令：参数无效、不符合规则、无权限、找不到 (refused by the service)",
    USAGE: "命令用法错误 (bad usage)",
    BAD_FILE: "输入文件无法读取：文件不存在、格式不对、列名未知或缺少 (bad input file)",
    UNAVAILABLE: "服务不可用或超时，请稍后重试 (service unavailable)",
    CHECK_FAILED: "检查未通过：审计链断裂，或台账导入有被拒绝的行 (a check found a problem)",
}

# gRPC status → exit code. A status not listed is a refusal (REFUSED).
STATUS_EXIT: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: REFUSED,
    grpc.StatusCode.FAILED_PRECONDITION: REFUSED,
    grpc.StatusCode.PERMISSION_DENIED: REFUSED,
    grpc.StatusCode.UNAUTHENTICATED: REFUSED,
    grpc.StatusCode.NOT_FOUND: REFUSED,
    grpc.StatusCode.ALREADY_EXISTS: REFUSED,
    grpc.StatusCode.ABORTED: REFUSED,
    grpc.StatusCode.OUT_OF_RANGE: REFUSED,
    grpc.StatusCode.UNIMPLEMENTED: REFUSED,
    grpc.StatusCode.INTERNAL: REFUSED,
    grpc.StatusCode.UNKNOWN: REFUSED,
    grpc.StatusCode.UNAVAILABLE: UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: UNAVAILABLE,
    grpc.StatusCode.RESOURCE_EXHAUSTED: UNAVAILABLE,
    grpc.StatusCode.CANCELLED: UNAVAILABLE,
}

# What to do next, for the clerk, by status.
HINTS: dict[grpc.StatusCode, str] = {
    grpc.StatusCode.INVALID_ARGUMENT: "请按提示修改参数后重试。",
    grpc.StatusCode.FAILED_PRECONDITION: "当前阶段不允许此操作：用 `zdz units show <单元>` 查看阶段和期限。",
    grpc.StatusCode.PERMISSION_DENIED: "当前令牌的角色无权执行此操作：请换用有权限的令牌（ZDZ_TOKEN、--token-file 或 --as）。",
    grpc.StatusCode.UNAUTHENTICATED: "请提供有效令牌：设置 ZDZ_TOKEN 或 ZDZ_TOKEN_FILE，或在本机开发环境用 --as 角色。",
    grpc.StatusCode.NOT_FOUND: "请检查单元、评分表或流程的编号（`zdz units list` 列出单元）。",
    grpc.StatusCode.ALREADY_EXISTS: "该记录已存在，无需重复创建。",
    grpc.StatusCode.ABORTED: "数据已被他人修改，请重新读取后再试。",
    grpc.StatusCode.UNAVAILABLE: (
        "服务未启动或地址有误：请先运行 `make run`，或检查 ZDZ_<服务>_GRPC_ADDRESS 环境变量。"
    ),
    grpc.StatusCode.DEADLINE_EXCEEDED: "服务响应超时，请稍后重试（可用 --timeout 放宽时限）。",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "请求过于频繁或数据过大，请稍后重试或分批提交。",
}


def exit_code_of(status: grpc.StatusCode | None) -> int:
    """The exit code of a failed call."""
    if status is None:
        return UNAVAILABLE
    return STATUS_EXIT.get(status, REFUSED)


EPILOG = "退出码 (exit codes)：\n\n" + "\n\n".join(f"{code}  {text}" for code, text in EXIT_CODES.items())
