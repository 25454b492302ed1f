"""The services, written once: `make run` starts them in this order, the tests and the k8s check read them.

Each is a package `zdz_<name>` in services/<name>/ (its own pyproject.toml, installed by `make install`), run as
`python -m zdz_<name>` or its console script `zdz-<name>`, listening on ZDZ_<NAME>_GRPC_ADDRESS; the web console
serves HTTP instead (`http`), on ZDZ_CONSOLE_HTTP_ADDRESS, and is a gRPC client of the others.
The Makefile and the Dockerfile find them as services/*/pyproject.toml; the import-linter contracts in
pyproject.toml, deploy/k8s/base and this list are checked against each other by tests/unit/deploy.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from zdz_common.config import env_str


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    default_port: int
    http: bool = False  # serves HTTP for browsers (the console), not gRPC: no health service, no event store

    @property
    def module(self) -> str:
        return f"zdz_{self.name}"

    @property
    def console_script(self) -> str:
        return f"zdz-{self.name}"

    @property
    def folder(self) -> str:
        """Where its package lives, relative to the repository root."""
        return f"services/{self.name}"

    @property
    def default_address(self) -> str:
        return f"127.0.0.1:{self.default_port}"

    @property
    def address_variable(self) -> str:
        return f"ZDZ_{self.name.upper()}_{'HTTP' if self.http else 'GRPC'}_ADDRESS"

    @property
    def address(self) -> str:
        return env_str(self.address_variable, self.default_address)

    def exists(self) -> bool:
        if importlib.util.find_spec(self.module) is None:
            return False
        return importlib.util.find_spec(f"{self.module}.__main__") is not None


# In start order: the registry first (the others read it), notify after them (it follows everyone's events), the
# console last (a client of all four).
SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("registry", 50051),
    ServiceSpec("scoring", 50052),
    ServiceSpec("workflow", 50053),
    ServiceSpec("notify", 50054),
    ServiceSpec("console", 8080, http=True),
)
# The services with a gRPC API and an event store of their own.
GRPC_SERVICES: tuple[ServiceSpec, ...] = tuple(spec for spec in SERVICES if not spec.http)


def service(name: str) -> ServiceSpec:
    return next(spec for spec in SERVICES if spec.name == name)
