"""Events as the workflow, scoring and registry services publish them; the service's test settings; a real
webhook receiver."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from google.protobuf.any_pb2 import Any as AnyMessage
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from nats.js import JetStreamContext

from zdz.events.v1.envelope_pb2 import Envelope
from zdz.events.v1.refs_pb2 import UnitKind as UnitKindPb
from zdz.events.v1.refs_pb2 import UnitRef
from zdz_common.config import AuthSettings
from zdz_common.pb_enums import enum_to_pb
from zdz_notify.adapters.email_sender import SmtpSettings
from zdz_notify.adapters.routing_file import DEFAULT_ROUTING_FILE
from zdz_notify.adapters.secret_box import KEY_FILE, keys_from
from zdz_notify.config import NotifyConfig, ObjectionSettings
from zdz_notify.domain.deliveries import RetryPolicy
from zdz_notify.domain.webhooks import AllowList

SHANGHAI_OFFSET = timedelta(hours=8)


def shanghai(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An Asia/Shanghai wall-clock time as an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - SHANGHAI_OFFSET


def timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def unit_ref(n: int = 1, *, district: str = "bishan", name: str = "", kind: str = "TOWN") -> UnitRef:
    return UnitRef(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"unit/{district}/{n}")),
        district_code=district,
        kind=enum_to_pb(UnitKindPb, kind),
        name=name or f"测试镇{n:04d}",
    )


def envelope(event_type: str, payload: Message, *, at: datetime | None = None) -> Envelope:
    moment = at or datetime.now(UTC)
    return Envelope(
        id=str(uuid.uuid4()),
        source=f"zdz/{event_type.split('.')[1]}",
        type=event_type,
        subject=f"unit/{payload.unit.id}" if payload.DESCRIPTOR.fields_by_name.get("unit") else "",
        time=timestamp(moment),
        datacontenttype="application/protobuf",
        specversion="1.0",
        data=AnyMessage(
            type_url=f"type.googleapis.com/{payload.DESCRIPTOR.full_name}", value=payload.SerializeToString()
        ),
    )


async def publish(js: JetStreamContext, event: Envelope) -> None:
    """Publish as the outbox relay does: subject = type, Nats-Msg-Id = event id."""
    await js.publish(event.type, event.SerializeToString(), headers={"Nats-Msg-Id": event.id})


LOCAL_RECEIVERS = "127.0.0.1"  # the allow-list the webhook tests' receivers need (ZDZ_NOTIFY_WEBHOOK_ALLOW)
FAST_RETRY = RetryPolicy(max_attempts=5, base_seconds=0.05, max_seconds=0.5)  # 0.05, 0.1, 0.2, 0.4 s


def notify_config(
    tmp_path: Path,
    nats_url: str,
    *,
    smtp: SmtpSettings | None = None,
    retry: RetryPolicy = FAST_RETRY,
    routing_file: Path = DEFAULT_ROUTING_FILE,
    workflow_address: str = "127.0.0.1:9",  # nothing listens: objections are refused as unavailable
    objections: ObjectionSettings | None = None,
    service_token: str = "",
    webhook_allow: str = LOCAL_RECEIVERS,
    board_public_url: str = "",
) -> NotifyConfig:
    """Fast retries, ports chosen by the OS, a fresh database under `tmp_path`; `workflow_address` and
    `service_token` where the board forwards objections, as whom; `webhook_allow` the internal webhook targets
    allowed (the tests' receivers on loopback, by default); the webhook secrets' key in a file under `tmp_path`,
    so a restarted service reads them."""
    return NotifyConfig(
        database_url=f"sqlite:///{tmp_path / 'notify.db'}",
        nats_url=nats_url,
        grpc_address="127.0.0.1:0",
        board_address="127.0.0.1:0",
        board_public_url=board_public_url,
        board_frame_ancestors="*",
        source_services=("registry", "scoring", "workflow"),
        routing_file=routing_file,
        smtp=smtp,
        retry=retry,
        consumer_retry_delays=(0.1, 0.1),
        consumer_ack_wait_seconds=5.0,
        delivery_poll_seconds=0.2,
        delivery_lease_seconds=5.0,
        shutdown_grace_seconds=0,
        auth=AuthSettings(service_token=service_token),
        workflow_address=workflow_address,
        objections=objections or ObjectionSettings(),
        webhook_allow=AllowList.parse(webhook_allow),
        webhook_secret_keys=tuple(keys_from("", tmp_path / KEY_FILE)),
    )


async def until(predicate: Callable[[], object], *, within: float = 30.0, what: str = "condition") -> None:
    """Wait until `predicate()` is truthy (it may be a coroutine function)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} not reached within {within:.0f}s")
        await asyncio.sleep(0.05)


@dataclass(frozen=True)
class Received:
    """One request a webhook receiver got, and the status it answered."""

    delivery_id: str
    attempt: int
    signature: str
    body: bytes
    status: int
    path: str = "/zdz/hook"
    host: str = ""  # the Host header


class _ReceiverServer(ThreadingHTTPServer):
    request_queue_size = 128  # 16 deliveries arrive at once; the standard library's backlog is 5
    daemon_threads = True


class WebhookReceiver:
    """A real HTTP server on loopback that records every POST and answers `answer(delivery_id, nth_request)`;
    a 3xx answer points at `redirect_to`."""

    def __init__(self, answer: Callable[[str, int], int] = lambda _id, _n: 200) -> None:
        self.answer = answer
        self.redirect_to = ""
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                delivery_id = self.headers["X-Zdz-Delivery"]
                with receiver._lock:
                    nth = sum(1 for r in receiver.received if r.delivery_id == delivery_id) + 1
                    status = receiver.answer(delivery_id, nth)
                    receiver.received.append(
                        Received(
                            delivery_id,
                            int(self.headers["X-Zdz-Attempt"]),
                            self.headers["X-Zdz-Signature"],
                            body,
                            status,
                            self.path,
                            self.headers["Host"],
                        )
                    )
                self.send_response(status)
                if 300 <= status < 400 and receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _ReceiverServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/zdz/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if 200 <= r.status < 300]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
