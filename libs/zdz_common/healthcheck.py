"""`python -m zdz_common.healthcheck`: exit 0 when the service in this container reports SERVING.

For Kubernetes exec probes where the kubelet's own gRPC probe cannot be used (it does not speak TLS): checks
127.0.0.1:$ZDZ_HEALTH_PORT over mutual TLS when ZDZ_TLS_* are set, with ZDZ_TLS_SERVER_NAME as the name the
certificate is checked against.
"""

from __future__ import annotations

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from zdz_common.config import env_int, env_str
from zdz_common.tls import TlsFiles


def main() -> int:
    address = f"127.0.0.1:{env_int('ZDZ_HEALTH_PORT', 50051)}"
    tls = TlsFiles.from_env()
    if tls is None:
        channel = grpc.insecure_channel(address)
    else:
        name = env_str("ZDZ_TLS_SERVER_NAME", "localhost")
        channel = grpc.secure_channel(
            address, tls.channel_credentials(), options=[("grpc.ssl_target_name_override", name)]
        )
    with channel:
        try:
            status = (
                health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=3).status
            )
        except grpc.RpcError as error:
            print(f"health check failed: {error.code().name}", file=sys.stderr)  # type: ignore[attr-defined]
            return 1
    print(health_pb2.HealthCheckResponse.ServingStatus.Name(status))
    return 0 if status == health_pb2.HealthCheckResponse.SERVING else 1


if __name__ == "__main__":
    sys.exit(main())
