"""Mutual TLS between services (issue 7): each service presents its certificate and accepts only peers whose
certificate the configured CA signed. Configured by ZDZ_TLS_CERT_FILE, ZDZ_TLS_KEY_FILE and ZDZ_TLS_CA_FILE (all
three, or none). Without them a server listens in plaintext, which is allowed on loopback only (the embedded
`make run` set-up) unless ZDZ_ALLOW_PLAINTEXT=1 says otherwise explicitly.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import grpc

from zdz_common.config import env_flag, env_str
from zdz_common.telemetry import grpc_client_interceptors, traced_channel


@dataclass(frozen=True)
class TlsFiles:
    cert_file: Path
    key_file: Path
    ca_file: Path

    @classmethod
    def from_env(cls) -> TlsFiles | None:
        names = ("ZDZ_TLS_CERT_FILE", "ZDZ_TLS_KEY_FILE", "ZDZ_TLS_CA_FILE")
        values = [env_str(name, "") for name in names]
        if not any(values):
            return None
        missing = [name for name, value in zip(names, values, strict=True) if not value]
        if missing:
            raise SystemExit(f"mutual TLS needs all of {', '.join(names)}; missing {', '.join(missing)}")
        files = [Path(v) for v in values]
        unreadable = [str(f) for f in files if not f.is_file()]
        if unreadable:
            raise SystemExit(f"TLS files not readable: {', '.join(unreadable)}")
        return cls(*files)

    def server_credentials(self) -> grpc.ServerCredentials:
        """This service's certificate; peers must present one the CA signed."""
        return grpc.ssl_server_credentials(
            [(self.key_file.read_bytes(), self.cert_file.read_bytes())],
            root_certificates=self.ca_file.read_bytes(),
            require_client_auth=True,
        )

    def channel_credentials(self) -> grpc.ChannelCredentials:
        """For calling another service: trust the CA, present this service's certificate."""
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca_file.read_bytes(),
            private_key=self.key_file.read_bytes(),
            certificate_chain=self.cert_file.read_bytes(),
        )


def is_loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_plaintext_allowed(address: str) -> None:
    """Refuse a plaintext listener off loopback unless explicitly allowed (ZDZ_ALLOW_PLAINTEXT=1)."""
    if not is_loopback(address) and not env_flag("ZDZ_ALLOW_PLAINTEXT"):
        raise SystemExit(
            f"refusing to listen in plaintext on {address}: configure mutual TLS (ZDZ_TLS_CERT_FILE, "
            "ZDZ_TLS_KEY_FILE, ZDZ_TLS_CA_FILE), listen on loopback, or set ZDZ_ALLOW_PLAINTEXT=1"
        )


def channel(address: str, tls: TlsFiles | None) -> grpc.Channel:
    """A blocking channel to another service, over mutual TLS when configured; traced while tracing is on."""
    if tls is None:
        return traced_channel(grpc.insecure_channel(address))
    return traced_channel(grpc.secure_channel(address, tls.channel_credentials()))


def aio_channel(address: str, tls: TlsFiles | None) -> grpc.aio.Channel:
    """An asyncio channel to another service, over mutual TLS when configured."""
    interceptors = grpc_client_interceptors()
    if tls is None:
        return grpc.aio.insecure_channel(address, interceptors=interceptors)
    return grpc.aio.secure_channel(address, tls.channel_credentials(), interceptors=interceptors)
