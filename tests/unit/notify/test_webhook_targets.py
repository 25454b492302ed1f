"""Where a webhook may point (issue 16, server-side request forgery): public addresses only, unless allow-listed;
checked at registration and again at every delivery on the addresses the name resolves to then."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zdz_common.errors import InvalidArgument
from zdz_notify.adapters.webhook_targets import WebhookTargets
from zdz_notify.domain.webhooks import AllowList, TargetRefused, refusal, require_webhook_url

PUBLIC = "93.184.216.34"


def _targets(names: dict[str, list[str]], allow: str = "") -> WebhookTargets:
    return WebhookTargets(AllowList.parse(allow), lambda host, _port: names.get(host, []))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.8.9.10:8080/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata address
        "http://[fe80::1]/hook",
        "http://10.0.0.5/hook",
        "http://172.16.0.1/hook",
        "http://192.168.1.1/hook",
        "http://100.64.0.1/hook",  # shared address space (carrier-grade NAT)
        "http://0.0.0.0/hook",
        "http://[::]/hook",
        "http://224.0.0.1/hook",
        "http://[ff02::1]/hook",
        "http://240.0.0.1/hook",  # reserved
        "http://255.255.255.255/hook",
        "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
        "http://[::ffff:169.254.169.254]/hook",
        "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
        "http://[fc00::1]/hook",  # unique local
    ],
)
def test_a_webhook_to_an_internal_address_literal_is_refused_at_registration(url: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        _targets({}).check_registration(url)
    assert error.value.field == "url" and "不允许推送" in error.value.message


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/hook",  # 127.0.0.1 in decimal
        "http://0x7f000001/hook",  # in hex
        "http://0177.0.0.1/hook",  # in octal
        "http://0x7f.0.0.1/hook",
        "http://127.1/hook",  # fewer than four parts
        "http://127.0.0.1./hook.",
        "http://3232235777/hook",  # 192.168.1.1
    ],
)
def test_an_ipv4_address_spelt_other_than_dotted_decimal_is_refused_before_any_lookup(url: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        require_webhook_url(url)
    assert error.value.field == "url" and "点分十进制" in error.value.message


@pytest.mark.parametrize("url", ["gopher://bayu.cq.gov.cn/", "file:///etc/passwd", "dict://127.0.0.1:11211/"])
def test_only_http_and_https_webhooks_are_registered(url: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        require_webhook_url(url)
    assert error.value.field == "url"


def test_a_name_resolving_to_loopback_or_to_any_internal_address_is_refused_at_registration() -> None:
    targets = _targets({"localhost": ["127.0.0.1", "::1"], "mixed.bayu.test": [PUBLIC, "10.1.2.3"]})
    for url in ("http://localhost:8080/hook", "https://mixed.bayu.test/hook"):
        with pytest.raises(InvalidArgument, match="不允许推送"):
            targets.check_registration(url)


def test_a_public_name_is_registered_and_a_name_that_does_not_resolve_yet_is_left_to_delivery() -> None:
    targets = _targets({"hooks.bayu.test": [PUBLIC]})
    targets.check_registration("https://hooks.bayu.test/zdz")
    targets.check_registration("https://not-yet.bayu.test/zdz")
    with pytest.raises(TargetRefused, match="无法解析"):
        targets.target("https://not-yet.bayu.test/zdz")


def test_at_delivery_a_name_re_pointed_at_loopback_is_refused_and_a_public_one_is_pinned() -> None:
    names = {"hooks.bayu.test": [PUBLIC]}
    targets = _targets(names)
    targets.check_registration("https://hooks.bayu.test/zdz")
    pinned = targets.target("https://hooks.bayu.test:8443/zdz")
    assert (pinned.host, pinned.port, pinned.address) == (
        "hooks.bayu.test",
        8443,
        ipaddress.ip_address(PUBLIC),
    )
    names["hooks.bayu.test"] = ["127.0.0.1"]  # DNS rebinding after the registration
    with pytest.raises(TargetRefused, match="回环"):
        targets.target("https://hooks.bayu.test/zdz")


def test_the_allow_list_admits_named_hosts_and_networks_and_nothing_else() -> None:
    names = {"hooks.internal": ["10.20.0.7"], "other.internal": ["10.30.0.1"]}
    targets = _targets(names, allow="hooks.internal, 127.0.0.1/32, fd00::/8")
    targets.check_registration("http://hooks.internal/zdz")
    targets.check_registration("http://127.0.0.1:9000/zdz")
    targets.check_registration("http://[fd00::5]/zdz")
    assert targets.target("http://hooks.internal/zdz").address == ipaddress.ip_address("10.20.0.7")
    for url in ("http://other.internal/zdz", "http://127.0.0.2/zdz", "http://169.254.169.254/"):
        with pytest.raises(InvalidArgument):
            targets.check_registration(url)


def test_an_allow_list_entry_that_is_neither_host_nor_network_is_refused() -> None:
    with pytest.raises(ValueError, match="主机名或网段"):
        AllowList.parse("hooks.internal, http://10.0.0.1/")


@pytest.mark.parametrize("address", [PUBLIC, "2606:4700:4700::1111", "8.8.8.8"])
def test_public_addresses_are_reachable(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) == ""


def _spellings(address: ipaddress.IPv4Address) -> list[str]:
    """The ways a URL's host can spell one IPv4 address."""
    number = int(address)
    octets = str(address).split(".")
    return [
        str(address),
        str(number),
        hex(number),
        ".".join(f"0{int(o):o}" for o in octets),
        ".".join(hex(int(o)) for o in octets),
        f"{octets[0]}.{number & 0xFFFFFF}",
        f"[::ffff:{address}]",
        f"[::ffff:{number >> 16:x}:{number & 0xFFFF:x}]",
    ]


INTERNAL_V4 = st.one_of(
    st.ip_addresses(v=4, network="127.0.0.0/8"),
    st.ip_addresses(v=4, network="10.0.0.0/8"),
    st.ip_addresses(v=4, network="172.16.0.0/12"),
    st.ip_addresses(v=4, network="192.168.0.0/16"),
    st.ip_addresses(v=4, network="169.254.0.0/16"),
    st.ip_addresses(v=4, network="0.0.0.0/8"),
    st.ip_addresses(v=4, network="224.0.0.0/4"),
)


@settings(max_examples=100, deadline=None)
@given(address=INTERNAL_V4, port=st.integers(1, 65535), scheme=st.sampled_from(["http", "https"]))
def test_no_spelling_of_an_internal_ipv4_address_is_registered(
    address: ipaddress.IPv4Address, port: int, scheme: str
) -> None:
    targets = _targets({})
    for host in _spellings(address):
        url = f"{scheme}://{host}:{port}/hook"
        with pytest.raises(InvalidArgument) as error:
            targets.check_registration(require_webhook_url(url))
        assert error.value.field == "url"
