"""What every command shares: the connection, `--json`, one error path from a failure to an exit code.

A command is a function `def name(cli: Cli, ...)` registered with `@command(group, "name", "帮助")`: the
decorator adds `--json` to its options, builds the Cli from the global options, runs it, and turns a refused or
failed call into a plain message (the service's own words plus what to do) and the exit code of exit_codes.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

import grpc
import typer
from google.protobuf import json_format
from google.protobuf.message import Message
from rich.console import Console

from zdz_cli import exit_codes
from zdz_cli.connection import Connection, UsageError, default_addresses, resolve_token
from zdz_cli.ledger_columns import FileLayoutError
from zdz_cli.ledger_files import InputFileError

# gRPC service name by the Connection's stub property.
SERVICE_OF_STUB = {
    "registry": ("registry", "RegistryService"),
    "ledger": ("registry", "LedgerService"),
    "scoring": ("scoring", "ScoringService"),
    "workflow": ("workflow", "WorkflowService"),
    "notify": ("notify", "NotifyService"),
}
SERVICE_NAMES = {"registry": "登记服务", "scoring": "评分服务", "workflow": "流程服务", "notify": "通知服务"}


class ServiceError(Exception):
    """A call refused or failed, with the service that answered (or did not)."""

    def __init__(self, service: str, address: str, code: grpc.StatusCode | None, details: str) -> None:
        super().__init__(details)
        self.service, self.address, self.code, self.details = service, address, code, details


class CheckFailed(Exception):
    """A check ran and found a problem (exit code CHECK_FAILED); the output is already written."""


@dataclass
class GlobalOptions:
    """The options before the command (`zdz --as district units list`), kept in click's context."""

    token_file: Any = None
    as_role: str | None = None
    addresses: dict[str, str] = field(default_factory=default_addresses)
    timeout: float = 30.0


@dataclass
class Cli:
    """What a command works with: the services, the output mode and the consoles."""

    connection: Connection
    json: bool
    out: Console
    err: Console

    def call(self, stub: str, method: str, request: Any, *, timeout: float | None = None) -> Any:
        """One call to `stub.method` (e.g. "ledger", "ImportLedgerRows"); failures raise ServiceError."""
        service, _ = SERVICE_OF_STUB[stub]
        return self._call(service, getattr(getattr(self.connection, stub), method), request, timeout)

    def call_operations(
        self, service: str, method: str, request: Any, *, timeout: float | None = None
    ) -> Any:
        """One call to the OperationsService `service` (e.g. "registry") serves; failures raise ServiceError."""
        return self._call(service, getattr(self.connection.operations(service), method), request, timeout)

    def _call(self, service: str, rpc: Callable[..., Any], request: Any, timeout: float | None) -> Any:
        try:
            return self.connection.call(rpc, request, timeout=timeout)
        except grpc.RpcError as error:
            code = error.code() if hasattr(error, "code") else None
            details = error.details() if hasattr(error, "details") else str(error)
            raise ServiceError(service, self.connection.addresses[service], code, details or "") from None

    def pages(self, stub: str, method: str, request: Any, items: str) -> Iterator[Any]:
        """Every item of a paged list (page_size 1000, following next_page_token)."""
        request.page_size = 1000
        while True:
            response = self.call(stub, method, request)
            yield from getattr(response, items)
            if not response.next_page_token:
                return
            request.page_token = response.next_page_token

    def emit(self, document: Any, render: Callable[[], None]) -> None:
        """`--json`: one JSON document on stdout; otherwise the human rendering."""
        if self.json:
            sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")
            sys.stdout.flush()
        else:
            render()


def as_dict(message: Message) -> dict[str, Any]:
    """A message as JSON-ready data, with the proto's field names and enum names."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


JsonOption = Annotated[bool, typer.Option("--json", help="输出一个 JSON 文档（供脚本读取）")]


def _fail(cli_json: bool, err: Console, code_name: str, message: str, hint: str, exit_code: int) -> None:
    if cli_json:
        document = {"ok": False, "error": {"code": code_name, "message": message, "hint": hint}}
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    err.print(f"[bold red]错误[/]（{code_name}）：{message}", highlight=False)
    if hint:
        err.print(hint, highlight=False)
    raise typer.Exit(exit_code)


def run(options: GlobalOptions, json_output: bool, body: Callable[[Cli], None]) -> None:
    """Build the Cli, run `body`, and map every failure to its message and exit code."""
    err = Console(stderr=True, soft_wrap=True)
    # Piped output keeps whole ids and names (a terminal gets its own width).
    out = Console(soft_wrap=True, width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
    try:
        token = resolve_token(options.token_file, options.as_role)
        cli = Cli(Connection(dict(options.addresses), token, options.timeout), json_output, out, err)
        try:
            body(cli)
        finally:
            cli.connection.close()
    except ServiceError as error:
        hint = exit_codes.HINTS.get(error.code, "") if error.code else ""
        message = error.details
        if error.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            message = f"无法连接{SERVICE_NAMES.get(error.service, error.service)}（{error.address}）：{error.details}"
            hint = hint.replace("<服务>", error.service.upper())
        name = error.code.name if error.code else "UNAVAILABLE"
        _fail(json_output, err, name, message, hint, exit_codes.exit_code_of(error.code))
    except (InputFileError, FileLayoutError) as error:
        _fail(json_output, err, "BAD_FILE", str(error), "请修改文件后重试。", exit_codes.BAD_FILE)
    except UsageError as error:
        _fail(json_output, err, "USAGE", str(error), "用 --help 查看用法。", exit_codes.USAGE)
    except CheckFailed:
        raise typer.Exit(exit_codes.CHECK_FAILED) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as error:  # a bug of the command line itself: plain words, traceback only on request
        if os.environ.get("ZDZ_DEBUG"):
            raise
        _fail(
            json_output,
            err,
            "INTERNAL",
            f"{type(error).__name__}: {error}",
            "设置 ZDZ_DEBUG=1 可查看详情。",
            1,
        )


def command(
    group: typer.Typer, name: str, help_text: str
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register `fn(cli, **options)` as `group name`, with `--json` added to its options."""

    def decorate(fn: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(fn, eval_str=True)
        params = list(signature.parameters.values())[1:]
        json_param = inspect.Parameter(
            "json_output", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=JsonOption
        )
        context_param = inspect.Parameter(
            "typer_context", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context
        )
        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params] + [
            json_param,
            context_param,
        ]

        def wrapper(**kwargs: Any) -> None:
            json_output = bool(kwargs.pop("json_output", False))
            context: typer.Context = kwargs.pop("typer_context")
            options = context.find_object(GlobalOptions) or GlobalOptions()
            run(options, json_output, lambda cli: fn(cli, **kwargs))

        wrapper.__signature__ = signature.replace(parameters=params, return_annotation=None)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        wrapper.__name__ = fn.__name__
        wrapper.__doc__ = fn.__doc__
        group.command(name, help=help_text)(wrapper)
        return fn

    return decorate
