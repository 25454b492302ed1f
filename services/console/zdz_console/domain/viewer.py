"""Who is looking: the signed-in person's organisation and role, as their token names them."""

from __future__ import annotations

from dataclasses import dataclass

ROLE_LABELS = {
    "UNIT": "建设单元",
    "DISTRICT_TASK_FORCE": "区县工作专班",
    "MUNICIPAL_TASK_FORCE": "市级工作专班",
    "INTEGRATION": "集成系统",
    "PUBLIC": "公众",
    "SERVICE": "系统服务",
}


@dataclass(frozen=True)
class Viewer:
    role: str  # zdz_common.auth.Role value
    person: str
    organisation: str
    district_code: str = ""
    unit_id: str = ""

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def is_city(self) -> bool:
        return self.role == "MUNICIPAL_TASK_FORCE"

    def home(self) -> str:
        """Where the person starts: the city its 驾驶舱, a district its own view, a unit its own page."""
        match self.role:
            case "UNIT":
                return f"/units/{self.unit_id}"
            case "DISTRICT_TASK_FORCE":
                return f"/districts/{self.district_code}"
            case _:
                return "/"
