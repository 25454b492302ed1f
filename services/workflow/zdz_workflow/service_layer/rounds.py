"""What a spot-check round reads of the service's own records: which process is a unit's current one."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from zdz_common.eventstore import EventRecord


def current_process_id(engine: Engine, prefix: str) -> str | None:
    """The workflow id of the unit's current process: every process appends to a stream named by its workflow id
    ("zdz-process/<district>/<unit>/<campaign>", `prefix` up to the unit), and the current campaign's is the one
    written last (a re-acceptance's process starts after its predecessor's last step). None: no process."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stream_id = sa.inspect(EventRecord).c.stream_id
    position = sa.inspect(EventRecord).c.position
    query = (
        sa.select(stream_id).where(stream_id.like(pattern, escape="\\")).order_by(position.desc()).limit(1)
    )
    with Session(engine) as session:
        return session.execute(query).scalar_one_or_none()
