"""The 回头看 thresholds (000 三（五）"问题频发或多次整改不到位"), as versioned data with the ruling's text.

The numbers are DESIGN's reading, held in data/look_back_thresholds_<version>.toml; the process carries the
thresholds it was started with (in its settings, so a replay uses them too) and raises a flag naming the rule
when one is met. It orders nothing: the municipal task force decides (OrderReacceptance).
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources

from zdz_common.errors import InvalidArgument
from zdz_workflow.domain.values import FlagRule

CURRENT_VERSION = "2024"


@dataclass(frozen=True)
class FlagThreshold:
    rule: FlagRule
    rule_id: str  # e.g. "look-back-2024.recurring-problems"
    term: str  # the document's words, e.g. "问题频发"
    text: str  # the ruling's text, shown on the flag
    count: int  # rounds with findings in a row / verifications 不到位 in the campaign


@dataclass(frozen=True)
class LookBackThresholds:
    version: str
    source: str
    rules: tuple[FlagThreshold, ...]

    def __post_init__(self) -> None:
        if {t.rule for t in self.rules} != set(FlagRule) or len(self.rules) != len(FlagRule):
            raise InvalidArgument("须为每条规则各给出一个阈值", field="look_back_thresholds.rule")
        if any(t.count < 1 for t in self.rules):
            raise InvalidArgument("阈值须至少为 1", field="look_back_thresholds.rule.count")

    def of(self, rule: FlagRule) -> FlagThreshold:
        return next(t for t in self.rules if t.rule is rule)


def parse_thresholds(text: str) -> LookBackThresholds:
    document = tomllib.loads(text)
    return LookBackThresholds(
        version=str(document["version"]),
        source=str(document["source"]),
        rules=tuple(
            FlagThreshold(
                rule=FlagRule(rule["flag"]),
                rule_id=str(rule["id"]),
                term=str(rule["term"]),
                text=str(rule["text"]),
                count=int(rule["count"]),
            )
            for rule in document["rule"]
        ),
    )


@functools.cache
def thresholds(version: str = CURRENT_VERSION) -> LookBackThresholds:
    """The thresholds of `version`, from the data file packaged with the domain."""
    path = resources.files("zdz_workflow.domain") / "data" / f"look_back_thresholds_{version}.toml"
    return parse_thresholds(path.read_text(encoding="utf-8"))
