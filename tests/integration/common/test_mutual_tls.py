"""Mutual TLS between services (issue 7): a peer without a certificate the CA signed is turned away; the
health probe and a service-to-service client get through; plaintext is refused off loopback."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from zdz.registry.v1 import registry_pb2 as pb
from zdz.registry.v1 import registry_pb2_grpc
from zdz_common.grpc_server import GrpcServer
from zdz_common.tls import TlsFiles, aio_channel, is_loopback
from zdz_registry.bootstrap import bootstrap
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer


def _write(path: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> tuple[Path, Path]:
    key_file, cert_file = path.with_suffix(".key"), path.with_suffix(".crt")
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_file, key_file


def _certificate(name: str, issuer_key, issuer_name, *, ca: bool = False):  # type: ignore[no-untyped-def]
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(issuer_name or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName(name),
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
    return key, builder.sign(issuer_key or key, hashes.SHA256())


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, TlsFiles]:
    """A CA, a certificate for the registry and one for scoring; and a second CA nobody trusts."""
    ca_key, ca_cert = _certificate("zdz test CA", None, None, ca=True)
    ca_file, _ = _write(tmp_path / "ca", ca_key, ca_cert)
    rogue_key, rogue_cert = _certificate("rogue CA", None, None, ca=True)
    files = {}
    for name, (issuer_key, issuer_cert) in {
        "registry": (ca_key, ca_cert),
        "scoring": (ca_key, ca_cert),
        "intruder": (rogue_key, rogue_cert),
    }.items():
        key, cert = _certificate(f"{name}.zdz.svc.cluster.local", issuer_key, issuer_cert.subject)
        cert_file, key_file = _write(tmp_path / name, key, cert)
        files[name] = TlsFiles(cert_file, key_file, ca_file)
    return files


async def test_only_peers_with_a_certificate_from_the_ca_reach_a_service(tmp_path: Path, pki) -> None:
    service = bootstrap(f"sqlite:///{tmp_path / 'registry.db'}")
    server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(service), s)
        ],
        service_names=["zdz.registry.v1.RegistryService"],
        tls=pki["registry"],
    )
    await server.start()
    target = server.address
    options = [("grpc.ssl_target_name_override", "registry.zdz.svc.cluster.local")]
    try:
        # Scoring, with its certificate from the CA, reads the registry.
        async with aio_channel(target, pki["scoring"]) as channel:
            page = await registry_pb2_grpc.RegistryServiceStub(channel).ListDistricts(
                pb.ListDistrictsRequest()
            )
            assert page.total_size == 0
        # A plaintext client, and a client whose certificate another CA signed, are turned away.
        for channel in (
            grpc.aio.insecure_channel(target),
            grpc.aio.secure_channel(target, pki["intruder"].channel_credentials(), options=options),
        ):
            async with channel:
                with pytest.raises(grpc.aio.AioRpcError) as refused:
                    await registry_pb2_grpc.RegistryServiceStub(channel).ListDistricts(
                        pb.ListDistrictsRequest(), timeout=5
                    )
                assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        # The Kubernetes exec probe checks health over the same mutual TLS.
        files = pki["scoring"]
        probe = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "zdz_common.healthcheck"],
            env={
                **os.environ,
                "ZDZ_HEALTH_PORT": str(server.port),
                "ZDZ_TLS_CERT_FILE": str(files.cert_file),
                "ZDZ_TLS_KEY_FILE": str(files.key_file),
                "ZDZ_TLS_CA_FILE": str(files.ca_file),
                "ZDZ_TLS_SERVER_NAME": "registry.zdz.svc.cluster.local",
            },
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert probe.returncode == 0 and probe.stdout.strip() == "SERVING", probe.stderr
    finally:
        await server.stop(0)
        service.engine.dispose()


def test_plaintext_is_refused_off_loopback_unless_explicitly_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_loopback("127.0.0.1:50051") and is_loopback("localhost:1") and is_loopback("[::1]:50051")
    assert not is_loopback("0.0.0.0:50051")
    monkeypatch.delenv("ZDZ_ALLOW_PLAINTEXT", raising=False)
    with pytest.raises(SystemExit, match="plaintext"):
        GrpcServer(address="0.0.0.0:0", register=[], service_names=[])
    monkeypatch.setenv("ZDZ_ALLOW_PLAINTEXT", "1")
    assert GrpcServer(address="0.0.0.0:0", register=[], service_names=[]).port > 0
