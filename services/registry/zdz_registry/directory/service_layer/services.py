"""The directory's use cases: load → call → save, and the queries the read models answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, func, select

from zdz_common.context import CommandContext
from zdz_common.errors import AlreadyExists, FailedPrecondition, NotFound
from zdz_common.eventstore import EventStore, RecordedEvent, VerifyResult
from zdz_common.paging import Page, checked_page_size, decode_token, next_token
from zdz_common.vocabulary import UnitKind
from zdz_registry.directory.adapters.orm import DistrictView, UnitView, registered_unit_row
from zdz_registry.directory.domain.commands import CreateDistrict, CreateUnit, UpdateDistrict, UpdateUnit
from zdz_registry.directory.domain.events import Event, UnitRegistered
from zdz_registry.directory.domain.model import District, Unit, district_stream, unit_id_for, unit_stream
from zdz_registry.directory.service_layer.unit_of_work import DirectoryUnitOfWorkFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")

_DISTRICT_CODE = sa.bindparam("district_code")
_UNIT_CLASHES = sa.select(
    sa.select(DistrictView.code).where(col(DistrictView.code) == _DISTRICT_CODE).scalar_subquery(),
    sa.select(UnitView.id).where(col(UnitView.id) == sa.bindparam("unit_id")).scalar_subquery(),
    sa.select(UnitView.id)
    .where(
        col(UnitView.district_code) == _DISTRICT_CODE,
        col(UnitView.kind) == sa.bindparam("kind"),
        col(UnitView.name) == sa.bindparam("name"),
    )
    .limit(1)
    .scalar_subquery(),
)
"""`CreateUnit`'s checks in one statement: the district (or NULL), a unit with the same id (or NULL), the id of a
unit of the same district, kind and name (or NULL)."""


def district_of_unit(engine: Engine, unit_id: str) -> str:
    """The unit's district code, "" for an unknown unit (what the permission rules compare)."""
    with Session(engine) as session:
        view = session.get(UnitView, unit_id) if unit_id else None
    return view.district_code if view else ""


@dataclass(frozen=True)
class UnitFilter:
    district_code: str = ""
    kind: UnitKind | None = None
    along_river: bool | None = None
    target_year: int = 0
    acceptance_states: frozenset[str] = frozenset()  # AcceptanceState values; IN_PROGRESS includes "none yet"
    official_code: str = ""
    town_id: str = ""
    out_of_scope: bool | None = None
    demonstration_state: str = ""


UnitsInStates = Callable[[frozenset[str]], ColumnElement[bool]]
"""The condition on `UnitView` rows "the unit's acceptance state is one of these". The ledger keeps the states
(the directory does not import it); bootstrap hands its condition in."""


class RegistryService:
    """Districts and units: commands append events; queries read the projections."""

    def __init__(
        self, uow: DirectoryUnitOfWorkFactory, *, units_in_states: UnitsInStates | None = None
    ) -> None:
        self._uow = uow
        self._units_in_states = units_in_states

    @property
    def engine(self) -> Engine:
        return self._uow.engine

    @property
    def store(self) -> EventStore:
        return self._uow.store

    # --- districts -------------------------------------------------------------------------------------------

    def create_district(self, command: CreateDistrict, context: CommandContext) -> DistrictView:
        district = District.register(
            code=command.code,
            name=command.name,
            gb_code=command.gb_code,
            targets=command.targets,
            ordinal=command.ordinal,
        )
        with self._uow(context) as uow:
            if uow.session.get(DistrictView, command.code) is not None:
                raise AlreadyExists(
                    f"区县代码 {command.code} 已存在 (district exists)", field="district.code"
                )
            uow.save(district_stream(district.code), 0, district.pending)
            return self._district_view(uow.session, district.code)

    def update_district(self, command: UpdateDistrict, context: CommandContext) -> DistrictView:
        with self._uow(context) as uow:
            district = self._load_district(uow.load(district_stream(command.code)), command.code)
            version = command.expected_version if command.expected_version else district.version
            district.update(name=command.name, gb_code=command.gb_code, targets=command.targets)
            uow.save(district_stream(district.code), version, district.pending)
            return self._district_view(uow.session, district.code)

    def get_district(self, code: str) -> DistrictView:
        with Session(self.engine) as session:
            return self._district_view(session, code)

    def list_districts(self, page_size: int = 0, page_token: str = "") -> Page[DistrictView]:
        size, offset = checked_page_size(page_size, 50), decode_token(page_token)
        with Session(self.engine) as session:
            total = session.exec(select(func.count()).select_from(DistrictView)).one()
            rows = session.exec(
                select(DistrictView)
                .order_by(DistrictView.ordinal, DistrictView.code)
                .offset(offset)
                .limit(size)
            ).all()
        return Page(list(rows), next_token(offset, size, total), total)

    # --- units -----------------------------------------------------------------------------------------------

    def create_unit(self, command: CreateUnit, context: CommandContext) -> UnitView:
        unit = Unit.register(
            unit_id=command.unit_id,
            district_code=command.district_code,
            kind=command.kind,
            details=command.details,
            source=command.source,
            town_id=command.town_id,
        )
        with self._uow(context) as uow:
            # One Core statement for the three checks; the answer is the row the projection wrote, from the
            # event in hand (nothing is read back).
            district, taken, duplicate = (
                uow.session.connection()
                .execute(
                    _UNIT_CLASHES,
                    {
                        "district_code": command.district_code,
                        "unit_id": unit.id,
                        "kind": command.kind.value,
                        "name": unit.details.name,
                    },
                )
                .one()
            )
            if district is None:
                raise NotFound(
                    f"未知区县 {command.district_code!r} (unknown district)", field="unit.district_code"
                )
            if taken is not None:
                raise AlreadyExists(
                    f"单元 {unit.details.name}（id {unit.id}）已存在 (unit exists)", field="unit.id"
                )
            if duplicate:
                raise AlreadyExists(
                    f"{command.district_code} 已有同名单元 {unit.details.name} (id {duplicate})",
                    field="unit.name",
                )
            [registered] = unit.pending
            assert isinstance(registered, UnitRegistered)
            [recorded] = uow.save(unit_stream(unit.id), 0, unit.pending)
            return UnitView(**registered_unit_row(registered, recorded))

    def register_units(self, commands: Sequence[CreateUnit], context: CommandContext) -> int:
        """Register many units in one transaction (the official load: a district's towns and villages); units
        already registered under the same id are skipped. Returns how many were registered."""
        units = [
            Unit.register(
                unit_id=c.unit_id,
                district_code=c.district_code,
                kind=c.kind,
                details=c.details,
                source=c.source,
                town_id=c.town_id,
            )
            for c in commands
        ]
        with self._uow(context) as uow:
            known = set(
                uow.session.exec(
                    select(UnitView.id).where(UnitView.id.in_([u.id for u in units]))  # type: ignore[attr-defined]
                ).all()
            )
            fresh = [u for u in units if u.id not in known]
            uow.save_all([(unit_stream(unit.id), 0, unit.pending) for unit in fresh])  # one append
        return len(fresh)

    def update_unit(self, command: UpdateUnit, context: CommandContext) -> UnitView:
        with self._uow(context) as uow:
            unit = self._load_unit(uow.load(unit_stream(command.unit_id)), command.unit_id)
            version = command.expected_version if command.expected_version else unit.version
            unit.update(command.details, source=command.source)
            if unit.pending and unit.details.name != self._unit_view(uow.session, unit.id).name:
                clash = uow.session.exec(
                    select(UnitView.id).where(
                        UnitView.district_code == unit.district_code,
                        UnitView.kind == str(unit.kind),
                        UnitView.name == unit.details.name,
                    )
                ).first()
                if clash:
                    raise AlreadyExists(f"已有同名单元 {unit.details.name} (id {clash})", field="unit.name")
            uow.save(unit_stream(unit.id), version, unit.pending)
            return self._unit_view(uow.session, unit.id)

    def move_unit(
        self,
        unit_id: str,
        district_code: str,
        source: str,
        context: CommandContext,
        expected_version: int = 0,
    ) -> UnitView:
        """An administrative change: the unit to another district or functional zone, with its source."""
        with self._uow(context) as uow:
            if uow.session.get(DistrictView, district_code) is None:
                raise NotFound(f"未知区县 {district_code!r} (unknown district)", field="district_code")
            unit = self._load_unit(uow.load(unit_stream(unit_id)), unit_id)
            version = expected_version or unit.version
            unit.move(district_code, source=source)
            uow.save(unit_stream(unit.id), version, unit.pending)
            return self._unit_view(uow.session, unit.id)

    def change_unit(
        self,
        unit_id: str,
        change: Callable[[Unit, date], None],
        context: CommandContext,
        expected_version: int = 0,
    ) -> UnitView:
        """Load the unit, apply one of its commands (profile, 千村示范) as of today in Asia/Shanghai, save."""
        with self._uow(context) as uow:
            unit = self._load_unit(uow.load(unit_stream(unit_id)), unit_id)
            version = expected_version or unit.version
            change(unit, datetime.now(SHANGHAI).date())
            uow.save(unit_stream(unit.id), version, unit.pending)
            return self._unit_view(uow.session, unit.id)

    def get_unit(self, unit_id: str) -> UnitView:
        with Session(self.engine) as session:
            return self._unit_view(session, unit_id)

    def list_units(self, unit_filter: UnitFilter, page_size: int = 0, page_token: str = "") -> Page[UnitView]:
        size, offset = checked_page_size(page_size, 100), decode_token(page_token)
        conditions = []
        if unit_filter.district_code:
            conditions.append(UnitView.district_code == unit_filter.district_code)
        if unit_filter.kind is not None:
            conditions.append(UnitView.kind == unit_filter.kind.value)
        if unit_filter.along_river is not None:
            conditions.append(UnitView.along_river == unit_filter.along_river)
        if unit_filter.target_year:
            conditions.append(UnitView.target_year == unit_filter.target_year)
        if unit_filter.official_code:
            conditions.append(UnitView.official_code == unit_filter.official_code)
        if unit_filter.town_id:
            conditions.append(UnitView.town_id == unit_filter.town_id)
        if unit_filter.out_of_scope is not None:
            conditions.append(UnitView.out_of_scope == unit_filter.out_of_scope)
        if unit_filter.demonstration_state:
            conditions.append(UnitView.demonstration_state == unit_filter.demonstration_state)
        if unit_filter.acceptance_states:
            if self._units_in_states is None:
                raise FailedPrecondition(
                    "本服务未接入验收状态，不能按验收状态筛选 (no acceptance states here)",
                    field="acceptance_states",
                )
            conditions.append(self._units_in_states(unit_filter.acceptance_states))
        with Session(self.engine) as session:
            total = session.exec(select(func.count()).select_from(UnitView).where(*conditions)).one()
            rows = session.exec(
                select(UnitView)
                .join(DistrictView, DistrictView.code == UnitView.district_code)  # type: ignore[arg-type]
                .where(*conditions)
                .order_by(DistrictView.ordinal, UnitView.kind.desc(), UnitView.name, UnitView.id)  # type: ignore[attr-defined]
                .offset(offset)
                .limit(size)
            ).all()
        return Page(list(rows), next_token(offset, size, total), total)

    def unit_exists(self, district_code: str, kind: UnitKind, name: str) -> bool:
        with Session(self.engine) as session:
            return session.get(UnitView, unit_id_for(district_code, kind, name)) is not None

    # --- audit -----------------------------------------------------------------------------------------------

    def audit_trail(self, stream_id: str) -> Sequence[RecordedEvent]:
        with Session(self.engine) as session:
            events = self.store.read(session, stream_id)
        if not events:
            raise NotFound(f"没有名为 {stream_id!r} 的记录流 (no such stream)", field="stream_id")
        return events

    def verify_chain(self, stream_id: str | None = None) -> VerifyResult:
        with Session(self.engine) as session:
            return self.store.verify(session, stream_id)

    # --- helpers ---------------------------------------------------------------------------------------------

    @staticmethod
    def _load_district(events: list[Event], code: str) -> District:
        if not events:
            raise NotFound(f"未知区县 {code!r} (unknown district)", field="district.code")
        district = District(code=code)
        for event in events:
            district.apply(event)
        return district

    @staticmethod
    def _load_unit(events: list[Event], unit_id: str) -> Unit:
        if not events:
            raise NotFound(f"未知单元 {unit_id!r} (unknown unit)", field="unit.id")
        unit = Unit(id=unit_id)
        for event in events:
            unit.apply(event)
        return unit

    @staticmethod
    def _district_view(session: Session, code: str) -> DistrictView:
        view = session.get(DistrictView, code)
        if view is None:
            raise NotFound(f"未知区县 {code!r} (unknown district)", field="code")
        return view

    @staticmethod
    def _unit_view(session: Session, unit_id: str) -> UnitView:
        view = session.get(UnitView, unit_id)
        if view is None:
            raise NotFound(f"未知单元 {unit_id!r} (unknown unit)", field="id")
        return view
