"""What callers ask of the registry, in the imperative."""

from __future__ import annotations

from dataclasses import dataclass

from zdz_common.vocabulary import UnitKind
from zdz_registry.directory.domain.model import DistrictTargets, UnitDetails


@dataclass(frozen=True)
class CreateDistrict:
    code: str
    name: str
    gb_code: str
    targets: DistrictTargets
    ordinal: int = 0


@dataclass(frozen=True)
class UpdateDistrict:
    code: str
    name: str
    gb_code: str
    targets: DistrictTargets
    expected_version: int | None = None


@dataclass(frozen=True)
class CreateUnit:
    district_code: str
    kind: UnitKind
    details: UnitDetails
    unit_id: str = ""
    source: str = ""  # the document or data set the official data comes from
    town_id: str = ""  # villages: the town/street they belong to


@dataclass(frozen=True)
class UpdateUnit:
    unit_id: str
    details: UnitDetails
    expected_version: int | None = None
    source: str = ""  # required by the domain: the document the change comes from
