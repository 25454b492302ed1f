"""Who may call which notify RPC (issue 7), one line per RPC. Checked by the servicer through
`zdz_common.authorisation.Guard`; a method without a line is refused.

An inbox, its subscription, its webhooks, e-mail addresses and deliveries belong to one recipient, named like the
caller's organisation ("unit:<id>", "district:<code>", "municipal", "integration:<name>"): each organisation
manages its own (an integration registering its own webhook is subscribing). The municipal task force also
manages every recipient's endpoints and deliveries. Registering an integration is the municipal task force's.
Services (SERVICE) may do what the system does. PUBLIC reads the public board (HTTP), nothing over gRPC.

Reading an inbox (issue 16, read scoping): a unit reads only its own; a district task force reads its own and
those of its district's units (the servicer names the unit's district in the target, as the events told it);
the municipal task force reads every inbox. Marking read stays the recipient's own: it records who read.
"""

from __future__ import annotations

from zdz_common.authorisation import (
    MUNICIPAL,
    OWN_DISTRICT,
    OWN_RECIPIENT,
    SERVICE,
    SIGNED_IN,
    Policy,
    Predicate,
    Rule,
)

UNIT_INBOX = Predicate("a unit's inbox", lambda _p, t: t.recipient.startswith("unit:"))

_READS_INBOX = Rule(
    "issue16.inbox-reads",
    "单元只能查阅本单元的收件箱，区县工作专班可查阅本区县及所辖单元的收件箱，市级工作专班可查阅全部 "
    "(a unit reads its own inbox, a district its own and its units', the city every inbox)",
    OWN_RECIPIENT | (UNIT_INBOX & OWN_DISTRICT) | MUNICIPAL | SERVICE,
)
_OWN_INBOX = Rule(
    "issue7.own-inbox",
    "只能将本机构收件箱中的通知标为已读 (an organisation marks read only its own inbox)",
    OWN_RECIPIENT | SERVICE,
)
_OWN_ENDPOINTS = Rule(
    "issue7.own-endpoints",
    "只能管理本机构的推送地址与投递，市级专班可管理全部 (an organisation manages its own endpoints and deliveries; the city all)",
    OWN_RECIPIENT | MUNICIPAL | SERVICE,
)

NOTIFY_POLICY: Policy = {
    "ListNotifications": _READS_INBOX,
    "MarkRead": _OWN_INBOX,
    "Subscribe": _READS_INBOX,
    "RegisterIntegration": Rule(
        "issue7.integrations",
        "集成系统由市级工作专班登记 (integrations are registered by the municipal task force)",
        MUNICIPAL | SERVICE,
    ),
    "RegisterWebhook": _OWN_ENDPOINTS,
    "RemoveWebhook": _OWN_ENDPOINTS,
    "ListWebhooks": _OWN_ENDPOINTS,
    "RegisterEmailAddress": _OWN_ENDPOINTS,
    "RemoveEmailAddress": _OWN_ENDPOINTS,
    "ListDeliveries": _OWN_ENDPOINTS,
    "ReplayDeadLetters": _OWN_ENDPOINTS,
    "ListEventTypes": Rule(
        "issue7.event-types",
        "事件类型目录供已登录的机构查阅 (the event catalogue is read by signed-in organisations)",
        SIGNED_IN,
    ),
}
