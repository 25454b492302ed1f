"""What a spot-check round reads of the service's own records: which process is a unit's current one."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from zdz_common.eventstore import EventRecord


def current_process_id(engine: Engine, district_code: str, unit_id: str) -> str | None:
    """The workflow id of the unit's current process: every process appends to a stream named by its workflow id
    ("zdz-process/<district>/<unit>/<campaign>" before issue 13, "zdz-process/<district>/<code>/<unit>/<campaign>"
    since), and the current campaign's is the one written last (a re-acceptance's process starts after its
    predecessor's last step). None: no process."""

    def escaped(text: str) -> str:
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

    district, unit = escaped(district_code), escaped(unit_id)
    stream_id = sa.inspect(EventRecord).c.stream_id
    position = sa.inspect(EventRecord).c.position
    either = sa.or_(
        stream_id.like(f"zdz-process/{district}/{unit}/%", escape="\\"),
        stream_id.like(f"zdz-process/{district}/%/{unit}/%", escape="\\"),
    )
    query = sa.select(stream_id).where(either).order_by(position.desc()).limit(1)
    with Session(engine) as session:
        return session.execute(query).scalar_one_or_none()
