"""`python -m zdz_local.demo remove`: take the demo out of the running system, as far as the APIs allow.

What it does:
- terminates every demo workflow recorded in <data>/demo/created.json (the units' processes and the demo's
  spot-check round) on the Temporal server (reason
  「演示数据移除」): the Temporal UI lists them as Terminated, no longer Running, so the ZdzStage views and the
  workflow service's ListProcesses (running processes only) no longer show them, and no deadline or reminder of
  theirs fires again;
- sets each demo unit's acceptance state in the registry back to 建设中 (IN_PROGRESS, SetAcceptanceState), so the
  district and city progress counts no longer count the demo's filed and accepted units;
- marks the record removed (created.json keeps what was made, with `removed_at`).

What it does not undo (the stores are append-only audit chains, and no API deletes from them): the ledger rows,
problems and tasks the demo imported into the registry; the score sheets and sampling plans in the scoring
service; the events every service recorded and published (notifications already delivered, notices already on
the 公示栏 history); the terminated workflows' histories. The demo's campaign names (2024, 2026) stay taken for
its units: after removal the demo is not loaded again into the same data folder. For a clean system, stop
`make run` and start it on an empty data folder (ZDZ_DEMO=0 to start it without the demo).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc

from zdz.registry.v1 import ledger_pb2
from zdz_local.demo.ledgers import DEMO
from zdz_local.demo.loader import Addresses, Record, Services, created_file, iter_workflow_ids


def temporal_address(env: Mapping[str, str]) -> str:
    return env.get("ZDZ_TEMPORAL_ADDRESS") or f"127.0.0.1:{env.get('ZDZ_TEMPORAL_PORT', '7233')}"


async def _terminate(address: str, workflow_ids: list[str], say: Callable[[str], None]) -> int:
    from temporalio.client import Client
    from temporalio.service import RPCError

    client = await Client.connect(address)
    ended = 0
    for workflow_id in workflow_ids:
        try:
            await client.get_workflow_handle(workflow_id).terminate(reason=f"{DEMO}移除")
            ended += 1
        except RPCError as error:  # already closed, or not there
            say(f"demo remove: {workflow_id}：{error.message}")
    return ended


def remove(data: Path, env: Mapping[str, str], say: Callable[[str], None]) -> dict[str, Any]:
    record = Record(created_file(data))
    units = record.units
    if not units:
        say(f"demo remove: 没有演示数据记录（{record.path}）")
        return record.data
    ids = list(iter_workflow_ids(data))
    ended = asyncio.run(_terminate(temporal_address(env), ids, say))
    say(f"demo remove: 已终止 {ended}/{len(ids)} 个演示流程")
    services = Services(Addresses.from_env(dict(env)), data / "keys")
    reset = 0
    try:
        today = datetime.now(UTC).date().isoformat()
        for unit_id, unit in units.items():
            try:
                services.call(
                    services.ledger.SetAcceptanceState,
                    ledger_pb2.SetAcceptanceStateRequest(
                        unit_id=unit_id,
                        state=ledger_pb2.ACCEPTANCE_STATE_IN_PROGRESS,
                        on=today,
                        reason=f"{DEMO}移除",
                    ),
                    services.city,
                )
                reset += 1
            except grpc.RpcError as error:
                say(f"demo remove: {unit['name']} 验收状态未重置：{error.details()}")  # type: ignore[attr-defined]
    finally:
        services.close()
    say(
        f"demo remove: 已将 {reset}/{len(units)} 个单元的验收状态重置为建设中；台账、评分表与事件记录保留（见帮助）"
    )
    record.data["removed_at"] = datetime.now(UTC).isoformat()
    record.save()
    return record.data
