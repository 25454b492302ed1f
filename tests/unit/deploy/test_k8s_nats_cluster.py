"""The rendered NATS configuration, run for real: three nats-servers on loopback with the manifest's config
(only the addresses and the store folder changed) form one JetStream cluster, and a stream made as the services
make theirs, with ZDZ_NATS_STREAM_REPLICAS replicas, is on all three nodes. `nats-server -t` accepts the config."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from nats.js.api import StorageType, StreamConfig

from tests.unit.deploy.k8s import config, of_kind, render
from zdz_local.processes import free_port, stop_process, venv_binary, wait_for_port


def _manifest_config() -> tuple[str, int]:
    documents = render("prod")
    replicas = int(config(documents)["ZDZ_NATS_STREAM_REPLICAS"])
    return of_kind(documents, "ConfigMap")["nats-config"]["data"]["nats.conf"], replicas


def _local(
    conf: str, node: int, client: list[int], cluster: list[int], monitor: list[int], data: Path
) -> str:
    """The manifest's config for node `node` on loopback: its ports, its store; everything else as deployed."""
    conf = conf.replace("listen: 0.0.0.0:4222", f"listen: 127.0.0.1:{client[node]}")
    conf = conf.replace("http: 0.0.0.0:8222", f"http: 127.0.0.1:{monitor[node]}")
    conf = conf.replace("pid_file: /var/run/nats/nats.pid", f"pid_file: {data / f'nats-{node}.pid'}")
    conf = conf.replace("store_dir: /data/jetstream", f"store_dir: {str(data / f'js-{node}')!r}")
    conf = conf.replace("port: 6222", f"listen: 127.0.0.1:{cluster[node]}")
    for peer in range(3):
        conf = conf.replace(
            f"nats-{peer}.nats-headless.zdz.svc.cluster.local:6222", f"127.0.0.1:{cluster[peer]}"
        )
    return conf


def test_the_rendered_nats_config_is_accepted_by_nats_server(tmp_path: Path) -> None:
    conf, _ = _manifest_config()
    path = tmp_path / "nats.conf"
    path.write_text(conf, encoding="utf-8")
    result = subprocess.run(
        [venv_binary("nats-server"), "-c", str(path), "-t"],
        env={"SERVER_NAME": "nats-0"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "sync_interval: always" in conf and re.search(r"routes: \[[^\]]+\]", conf)


@pytest.fixture
def three_nodes(tmp_path: Path) -> Iterator[list[int]]:
    """Three nats-servers with the rendered config on loopback; their client ports."""
    conf, _ = _manifest_config()
    client, cluster, monitor = ([free_port() for _ in range(3)] for _ in range(3))
    processes = []
    try:
        for node in range(3):
            path = tmp_path / f"nats-{node}.conf"
            path.write_text(_local(conf, node, client, cluster, monitor, tmp_path), encoding="utf-8")
            processes.append(
                subprocess.Popen(
                    [venv_binary("nats-server"), "-c", str(path)],
                    env={"SERVER_NAME": f"nats-{node}"},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for node in range(3):
            wait_for_port(client[node], timeout=20, process=processes[node], what="nats-server")
        yield client
    finally:
        for process in processes:
            stop_process(process)


async def test_three_nodes_with_the_rendered_config_hold_a_stream_on_every_node(
    three_nodes: list[int],
) -> None:
    _, replicas = _manifest_config()
    assert replicas == 3
    connection = await nats.connect(f"nats://127.0.0.1:{three_nodes[0]}")
    try:
        js = connection.jetstream()
        stream = StreamConfig(
            name="ZDZ_REGISTRY", subjects=["zdz.registry.>"], storage=StorageType.FILE, num_replicas=replicas
        )
        for _ in range(100):  # until the three nodes have elected a JetStream meta leader
            try:
                await js.add_stream(stream)
                break
            except Exception:
                await asyncio.sleep(0.2)
        else:
            raise AssertionError("the three nodes formed no JetStream cluster")
        ack = await js.publish("zdz.registry.unit.registered", b"{}")
        assert ack.seq == 1
        info = await js.stream_info("ZDZ_REGISTRY")
        assert info.config.num_replicas == 3
        assert info.cluster is not None and info.cluster.name == "zdz"
        nodes = {info.cluster.leader, *(r.name for r in info.cluster.replicas or [])}
        assert nodes == {"nats-0", "nats-1", "nats-2"}
    finally:
        await connection.close()
