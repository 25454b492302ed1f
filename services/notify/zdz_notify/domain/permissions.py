"""Who may call which notify RPC (issue 7), one line per RPC. Checked by the servicer through
`zdz_common.authorisation.Guard`; a method without a line is refused.

An inbox, its subscription, its webhooks, e-mail addresses and deliveries belong to one recipient, named like the
caller's organisation ("unit:<id>", "district:<code>", "municipal", "integration:<name>"): each organisation
manages its own (an integration registering its own webhook is subscribing). The municipal task force also
manages every recipient's endpoints and deliveries, but reads no one else's inbox. Registering an integration is
the municipal task force's. Services (SERVICE) may do what the system does. PUBLIC reads the public board (HTTP),
nothing over gRPC.
"""

from __future__ import annotations

from zdz_common.authorisation import MUNICIPAL, OWN_RECIPIENT, SERVICE, SIGNED_IN, Policy, Rule

_OWN_INBOX = Rule(
    "issue7.own-inbox",
    "只能查阅、订阅本机构的收件箱 (an organisation reads and follows only its own inbox)",
    OWN_RECIPIENT | SERVICE,
)
_OWN_ENDPOINTS = Rule(
    "issue7.own-endpoints",
    "只能管理本机构的推送地址与投递，市级专班可管理全部 (an organisation manages its own endpoints and deliveries; the city all)",
    OWN_RECIPIENT | MUNICIPAL | SERVICE,
)

NOTIFY_POLICY: Policy = {
    "ListNotifications": _OWN_INBOX,
    "MarkRead": _OWN_INBOX,
    "Subscribe": _OWN_INBOX,
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
