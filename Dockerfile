# syntax=docker/dockerfile:1
# One image for every service, built in stages from pinned bases (exact tags; a release pipeline may pin them
# further by digest: `docker buildx imagetools inspect python:3.11.14-slim-bookworm`).
# Each service is its console script (`zdz-registry`, `zdz-scoring`, `zdz-workflow`, `zdz-notify`,
# `zdz-console`) or `python -m zdz_<service>`; `python -m zdz_<service> migrate` upgrades its store. The
# Kubernetes manifests (deploy/k8s) name the one to run in each container's args; there is no ENTRYPOINT.

# 1. The console's browser assets (ECharts and the map data), from its package-lock.json: never a CDN.
FROM node:20.20.2-bookworm-slim AS console-assets
WORKDIR /src
COPY services/console/package.json services/console/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# 2. The pinned third-party packages and the project's own packages as built wheels (not editable) in a venv:
# the generated code, the shared libraries, every folder under services/ and the `zdz` command line, with the
# pinned setuptools from requirements.txt and no dependency resolution (the pinned set is installed first);
# `pip check` proves nothing is missing.
FROM python:3.11.14-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/zdz/bin:$PATH
RUN python -m venv /opt/zdz
WORKDIR /src
COPY requirements.txt constraints.txt ./
RUN pip install -r requirements.txt -c constraints.txt
COPY . .
RUN python scripts/gen_protos.py \
 && pip install --no-deps --no-build-isolation ./gen ./libs ./services/* $(test -f cli/pyproject.toml && echo ./cli) \
 && pip check \
 && python -c "import zdz_registry, zdz_scoring, zdz_workflow, zdz_notify, zdz_console"

# 3. The runtime: the venv and the assets only, as an unprivileged user (uid 10001, as the manifests require),
# nothing written to the image's own filesystem at run time (the manifests mount /tmp and the data folder).
FROM python:3.11.14-slim-bookworm
RUN groupadd --gid 10001 zdz && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin zdz
COPY --from=build /opt/zdz /opt/zdz
COPY --from=console-assets /src/node_modules /app/services/console/node_modules
ENV PATH=/opt/zdz/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ZDZ_CONSOLE_NODE_MODULES=/app/services/console/node_modules \
    ZDZ_DATA_DIR=/tmp/zdz
WORKDIR /tmp
USER 10001:10001
CMD ["python", "-c", "print('run one service: zdz-registry | zdz-scoring | zdz-workflow | zdz-notify | zdz-console')"]
