"""Registration: bad input gets a clear error and stores nothing; good input is recorded in the audit trail."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from sqlmodel import Session, select

from tests.integration.notify.conftest import RunningNotify, StartNotify
from tests.integration.notify.factories import envelope, publish, unit_ref, until
from zdz.notify.v1 import events_pb2 as notify_events
from zdz.notify.v1 import notify_pb2 as pb
from zdz.workflow.v1 import events_pb2 as workflow
from zdz_common.eventstore import EventRecord
from zdz_notify.adapters.orm import EmailAddressRecord, IntegrationRecord, WebhookRecord
from zdz_notify.adapters.routing_file import DEFAULT_ROUTING_FILE
from zdz_notify.domain.routing import RoutingTableError

GOOD_SECRET = "0123456789abcdef"  # 16 characters, the minimum


async def _refused(call, request) -> grpc.aio.AioRpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call(request)
    return error.value


def _stored(notify: RunningNotify) -> tuple[int, int, int, int]:
    """Integrations, webhooks, e-mail addresses and audit events stored."""
    with Session(notify.app.service.engine) as session:
        return tuple(  # type: ignore[return-value]
            len(session.exec(select(table)).all())
            for table in (IntegrationRecord, WebhookRecord, EmailAddressRecord, EventRecord)
        )


@pytest.mark.parametrize(
    ("request_fields", "code", "says"),
    [
        (
            {"url": "ftp://bayu.cq.gov.cn/hook"},
            grpc.StatusCode.INVALID_ARGUMENT,
            "url: 回调地址须以 http:// 或 https:// 开头",
        ),
        (
            {"url": "https://bayu.cq.gov.cn/hook", "secret": "short-secret"},
            grpc.StatusCode.INVALID_ARGUMENT,
            "secret: 签名密钥至少 16 个字符，收到 12 个",
        ),
        (
            {"recipient": "integration:nobody"},
            grpc.StatusCode.NOT_FOUND,
            "recipient: 未注册的外部系统 integration:nobody",
        ),
        (
            {"recipient": "district:bishan"},
            grpc.StatusCode.INVALID_ARGUMENT,
            "recipient: 回调地址只供外部系统",
        ),
        ({"recipient": "bayu"}, grpc.StatusCode.INVALID_ARGUMENT, "recipient: 接收方须为"),
    ],
)
async def test_a_bad_webhook_registration_is_refused_clearly_and_stores_nothing(
    notify: RunningNotify, request_fields: dict[str, str], code: grpc.StatusCode, says: str
) -> None:
    request = pb.RegisterWebhookRequest(
        **{
            "recipient": "integration:bayu",
            "url": "https://bayu.cq.gov.cn/hook",
            "secret": GOOD_SECRET,
            **request_fields,
        }
    )
    if request.recipient == "integration:bayu":
        await notify.stub.RegisterIntegration(
            pb.RegisterIntegrationRequest(
                name="bayu", display_name="巴渝治水", event_types=["zdz.workflow.>"]
            )
        )
    before = _stored(notify)
    error = await _refused(notify.stub.RegisterWebhook, request)
    assert error.code() == code
    assert says in (error.details() or "")
    assert _stored(notify) == before


@pytest.mark.parametrize(
    ("request_fields", "says"),
    [
        (
            {"event_types": ["zdz.workflow.deadline.forgotten"]},
            "event_types[0]: 'zdz.workflow.deadline.forgotten'：未知事件类型",
        ),
        ({"event_types": []}, "至少订阅一种事件类型"),
        ({"name": "巴渝"}, "name: 名称须为"),
        ({"display_name": " "}, "display_name: 必填"),
    ],
)
async def test_an_integration_subscribing_to_an_unknown_event_type_is_refused_and_nothing_stored(
    notify: RunningNotify, request_fields: dict[str, object], says: str
) -> None:
    request = pb.RegisterIntegrationRequest(
        **{"name": "bayu", "display_name": "巴渝治水", "event_types": ["zdz.workflow.>"], **request_fields}  # type: ignore[arg-type]
    )
    error = await _refused(notify.stub.RegisterIntegration, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert says in (error.details() or "")
    assert _stored(notify) == (0, 0, 0, 0)


async def test_an_email_address_for_an_unknown_or_unsuitable_recipient_is_refused(
    notify: RunningNotify,
) -> None:
    unknown = await _refused(
        notify.stub.RegisterEmailAddress,
        pb.RegisterEmailAddressRequest(recipient="unit:never-heard-of", address="zbz@bishan.gov.cn"),
    )
    assert unknown.code() == grpc.StatusCode.NOT_FOUND and "未知接收方" in (unknown.details() or "")
    malformed = await _refused(
        notify.stub.RegisterEmailAddress,
        pb.RegisterEmailAddressRequest(recipient="municipal", address="zbz@"),
    )
    assert malformed.code() == grpc.StatusCode.INVALID_ARGUMENT
    public = await _refused(
        notify.stub.RegisterEmailAddress, pb.RegisterEmailAddressRequest(recipient="public", address="a@b.cn")
    )
    assert public.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _stored(notify) == (0, 0, 0, 0)


async def test_a_unit_becomes_a_known_recipient_once_an_event_names_it(notify: RunningNotify) -> None:
    unit = unit_ref(7)
    await publish(
        notify.js,
        envelope("zdz.workflow.spot_check.selected", workflow.SelectedForSpotCheck(unit=unit, draw_id="d1")),
    )

    async def registered() -> bool:
        try:
            await notify.stub.RegisterEmailAddress(
                pb.RegisterEmailAddressRequest(recipient=f"unit:{unit.id}", address="zhen7@bishan.gov.cn")
            )
        except grpc.aio.AioRpcError as error:
            assert error.code() == grpc.StatusCode.NOT_FOUND
            return False
        return True

    await until(registered, what="the unit known")
    # Its district task force is known with it.
    district = await notify.stub.RegisterEmailAddress(
        pb.RegisterEmailAddressRequest(recipient="district:bishan", address="zbz@bishan.gov.cn")
    )
    assert district.email_address.recipient == "district:bishan"


async def test_a_webhook_registration_is_audited_without_its_secret_and_published(
    notify: RunningNotify,
) -> None:
    await notify.stub.RegisterIntegration(
        pb.RegisterIntegrationRequest(name="bayu", display_name="巴渝治水", event_types=["zdz.workflow.>"])
    )
    registered = await notify.stub.RegisterWebhook(
        pb.RegisterWebhookRequest(
            recipient="integration:bayu", url="https://bayu.cq.gov.cn/hook", secret=GOOD_SECRET
        ),
        metadata=(("x-zdz-organisation", "bayu"), ("x-zdz-person", "ops")),
    )
    listed = await notify.stub.ListWebhooks(pb.ListWebhooksRequest(recipient="integration:bayu"))
    assert [w.url for w in listed.webhooks] == ["https://bayu.cq.gov.cn/hook"]
    # The audit event names who registered it and a fingerprint of the secret, never the secret.
    with Session(notify.app.service.engine) as session:
        record = session.exec(
            select(EventRecord).where(EventRecord.type == "zdz.notify.webhook.registered")
        ).one()
    assert (record.actor_organisation, record.actor_person) == ("bayu", "ops")
    assert GOOD_SECRET.encode() not in record.data

    # The outbox relay publishes it to the notify service's own stream.
    async def published() -> bool:
        try:
            message = await notify.js.get_last_msg("ZDZ_NOTIFY", "zdz.notify.webhook.registered")
        except Exception:
            return False
        return message.headers is not None and message.headers.get("Nats-Msg-Id") == record.event_id

    await until(published, what="the audit event on ZDZ_NOTIFY")
    payload = notify_events.WebhookRegistered.FromString(record.data)
    assert payload.webhook_id == registered.webhook.id and len(payload.secret_fingerprint) == 12


async def test_the_service_refuses_to_start_with_a_routing_rule_for_an_unknown_event_payload(
    start_notify: StartNotify, tmp_path: Path
) -> None:
    routing = tmp_path / "routing.toml"
    routing.write_text(
        DEFAULT_ROUTING_FILE.read_text(encoding="utf-8")
        + '\n[[event]]\ntype = "zdz.workflow.deadline.forgotten"\npayload = "zdz.workflow.v1.DeadlineForgotten"\n'
        'title = "t"\ntext = "t"\nroutes = [{ to = "unit", channels = ["inbox"] }]\n',
        encoding="utf-8",
    )
    with pytest.raises(RoutingTableError) as error:
        await start_notify(routing_file=routing)
    assert str(error.value) == (
        "event (zdz.workflow.deadline.forgotten).payload: 事件契约中没有消息 zdz.workflow.v1.DeadlineForgotten "
        "(no such protobuf message)"
    )


async def test_the_routing_table_is_listed_for_integrators_with_who_hears_what(notify: RunningNotify) -> None:
    listed = {t.type: t for t in (await notify.stub.ListEventTypes(pb.ListEventTypesRequest())).event_types}
    selected = listed["zdz.workflow.spot_check.selected"]
    assert selected.payload == "zdz.workflow.v1.SelectedForSpotCheck" and selected.offered_to_integrations
    assert [(r.audience, list(r.channels)) for r in selected.routes] == [
        ("unit", [pb.CHANNEL_INBOX, pb.CHANNEL_EMAIL]),
        ("district", [pb.CHANNEL_INBOX, pb.CHANNEL_EMAIL]),
        ("integrations", [pb.CHANNEL_WEBHOOK]),
    ]
    stage = listed["zdz.workflow.process.stage_entered"]
    assert {r.audience: dict(r.when) for r in stage.routes}["district"] == {"to_stage": "DISTRICT_ACCEPTANCE"}


async def test_an_email_address_is_registered_once_and_removed_once(
    notify: RunningNotify,
) -> None:
    added = await notify.stub.RegisterEmailAddress(
        pb.RegisterEmailAddressRequest(recipient="municipal", address="zbz@sthjj.cq.gov.cn")
    )
    duplicate = await _refused(
        notify.stub.RegisterEmailAddress,
        pb.RegisterEmailAddressRequest(recipient="municipal", address="ZBZ@sthjj.cq.gov.cn"),
    )
    assert duplicate.code() == grpc.StatusCode.ALREADY_EXISTS
    removed = await notify.stub.RemoveEmailAddress(pb.RemoveEmailAddressRequest(id=added.email_address.id))
    assert removed.cancelled_deliveries == 0
    again = await _refused(
        notify.stub.RemoveEmailAddress, pb.RemoveEmailAddressRequest(id=added.email_address.id)
    )
    assert again.code() == grpc.StatusCode.NOT_FOUND
    # Registered, duplicate refused, removed: two audit events.
    assert _stored(notify) == (0, 0, 1, 2)
