"""Schema migrations (Alembic) of each service's store: the event store's tables and the service's read models.

Each service keeps its revisions in `<package>/migrations/versions/` and records its revision in its own table,
`alembic_version_<service>`, so services that share one database (as some tests do) never read each other's.

- `upgrade(engine_or_url, package)` applies every revision up to the head (`python -m zdz_<service> migrate`,
  `make migrate`, the Kubernetes migration Job; `bootstrap(url)` in tests and embedded callers).
- `check_current(engine, package)` is what a service does at start: it refuses (SystemExit, a message naming
  what to run) when its database is unmigrated or behind, and another message when a newer release migrated it.

A store made before migrations (by `create_all` at start, up to issue 13) has tables but no version table:
the baseline revision creates only the tables that are missing and the later revisions add only what is
missing, so `upgrade` adopts such a store in place.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from zdz_common.eventstore import create_store_engine


class _OnlyTheRevisions(logging.Filter):
    """Alembic says which dialect it found at every check; keep only the revisions it runs in the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(("Context impl", "Will assume"))


logging.getLogger("alembic.runtime.migration").addFilter(_OnlyTheRevisions())


def service_name(package: str) -> str:
    """`zdz_registry` → `registry`."""
    return package.removeprefix("zdz_")


def version_table(package: str) -> str:
    return f"alembic_version_{service_name(package)}"


def migrations_folder(package: str) -> Path:
    """The package's `migrations` folder (a sub-package, so it is installed with the service)."""
    module = importlib.import_module(f"{package}.migrations")
    assert module.__file__ is not None
    return Path(module.__file__).parent


def alembic_config(package: str, *, url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic configuration for the package's revisions (no alembic.ini): the `env.py` of each service
    reads the connection (or URL) and the version table from here."""
    config = Config()
    config.set_main_option("script_location", str(migrations_folder(package)))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s")  # new_revision's ids already carry the slug
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    config.attributes["package"] = package
    return config


@cache
def _script(package: str) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(package))


def heads(package: str) -> tuple[str, ...]:
    """The package's head revisions (one, as long as the history has no branches)."""
    return tuple(_script(package).get_heads())


def known_revisions(package: str) -> frozenset[str]:
    return frozenset(script.revision for script in _script(package).walk_revisions())


def _engine(target: Engine | str) -> tuple[Engine, bool]:
    if isinstance(target, Engine):
        return target, False
    return create_store_engine(target), True


def upgrade(target: Engine | str, package: str, *, revision: str = "head") -> None:
    """Apply the package's revisions to `revision` (the head by default); a store already there is left as is."""
    engine, owned = _engine(target)
    try:
        if revision == "head" and current_revisions(engine, package) == set(heads(package)):
            return  # the usual case at every bootstrap: nothing to load or run
        found = status(engine, package)
        if found.newer:  # never "upgrade" a store past what this release knows
            raise SystemExit(refusal(package, found))
        with engine.begin() as connection:
            command.upgrade(alembic_config(package, connection=connection), revision)
    finally:
        if owned:
            engine.dispose()


def current_revisions(engine: Engine, package: str) -> set[str]:
    """The revisions recorded in the package's version table (empty when there is none)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": version_table(package)})
        return set(context.get_current_heads())


@dataclass(frozen=True)
class Status:
    current: frozenset[str]
    heads: frozenset[str]
    # recorded revisions this release does not have: a newer release migrated the store
    unknown: frozenset[str]
    legacy: bool  # tables but no version table: a store made at start, before migrations

    @property
    def up_to_date(self) -> bool:
        return self.current == self.heads

    @property
    def newer(self) -> bool:
        return bool(self.unknown)


def status(engine: Engine, package: str) -> Status:
    current = frozenset(current_revisions(engine, package))
    legacy = not current and bool(sa.inspect(engine).get_table_names())
    return Status(
        current=current,
        heads=frozenset(heads(package)),
        unknown=current - known_revisions(package),
        legacy=legacy,
    )


def _commands(package: str) -> str:
    service = service_name(package)
    return f"`make migrate`（或 `zdz-{service} migrate`、`python -m {package} migrate`）"


def refusal(package: str, found: Status) -> str | None:
    """The message a service stops with, or None when its store is at the head."""
    service = service_name(package)
    if found.up_to_date:
        return None
    if found.newer:
        revisions = ", ".join(sorted(found.unknown))
        return (
            f"{service}: 数据库已由更新的版本迁移（修订 {revisions} 本版本不认识），本版本不能使用：请运行更新的版本，"
            f"或从备份恢复。The database was migrated by a newer release (revision {revisions} is unknown to "
            "this one): run the newer release, or restore a backup; not starting."
        )
    if not found.current:
        state = "尚未迁移（由迁移之前的版本创建）" if found.legacy else "尚未迁移（空库）"
        english = "was made before migrations" if found.legacy else "is empty"
    else:
        state = f"落后（当前 {', '.join(sorted(found.current))}，应为 {', '.join(sorted(found.heads))}）"
        english = f"is behind (at {', '.join(sorted(found.current))}, head {', '.join(sorted(found.heads))})"
    return (
        f"{service}: 数据库结构未升级：{state}，请先运行 {_commands(package)}。"
        f"The database schema is not upgraded (it {english}): run `make migrate` (or `zdz-{service} migrate`) "
        "first; not starting."
    )


def check_current(engine: Engine, package: str) -> None:
    """Refuse to start (SystemExit with the message) unless the store is at the package's head."""
    message = refusal(package, status(engine, package))
    if message is not None:
        raise SystemExit(message)


def require_current(database_url: str, package: str) -> None:
    """`check_current` on the service's database URL: the first thing a service's `main` does, before it
    connects to anything else (Temporal, NATS), so an unmigrated store stops it at once."""
    engine = create_store_engine(database_url)
    try:
        check_current(engine, package)
    finally:
        engine.dispose()


def main_with_migrate(package: str, database_url: Callable[[], str], argv: Sequence[str]) -> None:
    """The `migrate` sub-command of a service's `main`: `python -m zdz_<service> migrate [revision]` upgrades its
    store and exits; without it the store is checked and the service refuses to start unless it is current."""
    if argv[:1] == ["migrate"]:
        raise SystemExit(migrate_main(package, database_url(), argv[1:]))
    if argv:
        raise SystemExit(
            f"usage: python -m {package} [migrate [revision]] (unknown arguments: {' '.join(argv)})"
        )
    require_current(database_url(), package)


def prepare(engine: Engine, package: str, *, migrate: bool) -> None:
    """A bootstrap's step: migrate the store to the head, or (a service at start) only check it is there."""
    if migrate:
        upgrade(engine, package)
    else:
        check_current(engine, package)


def create_event_store_tables() -> None:
    """The baseline revision's event store (events, stream heads, outbox, tracking, idempotency), as every
    service's store had it at the release before migrations (c8b9760). Frozen: a later change to the event store
    is a new function here, called by a new revision of every service. Run inside a revision (`op` bound)."""
    from alembic import op

    op.create_table(
        "es_event",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("stream_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("recorded_at", sa.String(length=40), nullable=False),
        sa.Column("data_type", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("actor_organisation", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=100), nullable=False),
        sa.Column("actor_person", sa.String(length=200), nullable=False),
        sa.Column("request_id", sa.String(length=100), nullable=False),
        sa.Column("traceparent", sa.String(length=100), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("position"),
        sa.UniqueConstraint("event_id"),
        sa.UniqueConstraint("stream_id", "version", name="uq_es_event_stream_version"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_es_event_stream_id"), "es_event", ["stream_id"], unique=False, if_not_exists=True
    )
    op.create_table(
        "es_idempotency",
        sa.Column("caller", sa.String(length=300), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("caller", "key"),
        if_not_exists=True,
    )
    op.create_table(
        "es_outbox",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("sent_at", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("position"),
        if_not_exists=True,
    )
    op.create_index(op.f("ix_es_outbox_sent_at"), "es_outbox", ["sent_at"], unique=False, if_not_exists=True)
    op.create_table(
        "es_stream",
        sa.Column("stream_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("stream_id"),
        if_not_exists=True,
    )
    op.create_table(
        "es_tracking",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("processed_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
        if_not_exists=True,
    )


def add_outbox_parking() -> None:
    """Issue 16: the outbox row's parked mark (`parked_at`, indexed, and `parked_reason`), set by the relay on an
    event that can never be published and on the later events of its stream, cleared by a re-feed. Every service
    calls it from one revision; a column already there is left as it is. Run inside a revision (`op` bound)."""
    from alembic import op

    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("es_outbox")}
    with op.batch_alter_table("es_outbox") as batch:
        if "parked_at" not in present:
            batch.add_column(sa.Column("parked_at", sa.String(length=40), nullable=True))
            batch.create_index(batch.f("ix_es_outbox_parked_at"), ["parked_at"], unique=False)
        if "parked_reason" not in present:
            batch.add_column(sa.Column("parked_reason", sa.Text(), nullable=True))


def remove_outbox_parking() -> None:
    """The downgrade of `add_outbox_parking`."""
    from alembic import op

    with op.batch_alter_table("es_outbox") as batch:
        batch.drop_index(batch.f("ix_es_outbox_parked_at"))
        batch.drop_column("parked_reason")
        batch.drop_column("parked_at")


def run_env(context: Any, tables: Callable[[], Sequence[sa.Table]]) -> None:
    """The body of every service's `env.py`: online migrations on the given connection (or the configured URL),
    the service's own version table, batch mode so that SQLite's ALTERs work. `tables` (the models' tables) is
    called only to autogenerate a revision (`new_revision`): upgrading never imports the models."""
    config = context.config
    package = config.attributes["package"]
    autogenerating = bool(config.attributes.get("autogenerate"))
    options: dict[str, Any] = {
        "target_metadata": metadata_of(tables()) if autogenerating else None,
        "version_table": version_table(package),
        "render_as_batch": True,
        "compare_type": True,
    }
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_store_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.begin() as owned:
            context.configure(connection=owned, **options)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def metadata_of(tables: Sequence[sa.Table]) -> sa.MetaData:
    """The service's tables alone (SQLModel's metadata holds every imported service's), for autogenerate."""
    metadata = sa.MetaData()
    for table in tables:
        table.to_metadata(metadata)
    return metadata


def differences(engine: Engine, tables: Sequence[sa.Table], package: str) -> list[Any]:
    """What Alembic's autogenerate finds between the store and the models (empty when the revisions at the head
    build exactly the models' tables); the service's version table is not a difference."""
    from alembic.autogenerate import compare_metadata

    metadata = metadata_of(tables)
    own = {table.name for table in tables}
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "version_table": version_table(package),
                "compare_type": True,
                "include_name": lambda name, kind, _parent: kind != "table" or name in own,
            },
        )
        return list(compare_metadata(context, metadata))


def new_revision(package: str, message: str, *, database_url: str) -> Path:
    """For a developer who changed a model: autogenerate the next revision of `package` against a store at the
    head (`database_url`, e.g. a scratch SQLite file just migrated), into its versions folder. Review every op by
    hand (render_as_batch is on for SQLite; a NOT NULL column on existing rows needs a server default).

        .venv/bin/python -c "from zdz_common.migrations import new_revision as r; \\
            print(r('zdz_registry', 'what changed', database_url='sqlite:////tmp/scratch.db'))"
    """
    upgrade(database_url, package)
    engine = create_store_engine(database_url)
    try:
        with engine.begin() as connection:
            config = alembic_config(package, connection=connection)
            config.attributes["autogenerate"] = True
            number = len(known_revisions(package)) + 1
            slug = "_".join(message.lower().split())[:40]
            script = command.revision(config, message, autogenerate=True, rev_id=f"{number:04d}_{slug}")
    finally:
        engine.dispose()
        _script.cache_clear()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def migrate_main(package: str, database_url: str, argv: Sequence[str]) -> int:
    """`python -m zdz_<service> migrate [revision]`: upgrade the store and say where it is."""
    revision = argv[0] if argv else "head"
    engine = create_store_engine(database_url)
    try:
        before = status(engine, package)
        if before.newer:
            raise SystemExit(refusal(package, before))
        upgrade(engine, package, revision=revision)
        after = current_revisions(engine, package)
    finally:
        engine.dispose()
    service = service_name(package)
    if after == set(before.current):
        print(f"{service}: 数据库已是最新 (already at {', '.join(sorted(after))})", flush=True)
    else:
        was = ", ".join(sorted(before.current)) or "—"
        print(f"{service}: 数据库已升级 {was} → {', '.join(sorted(after))} (migrated)", flush=True)
    return 0
