"""The pure rules of scoring: no I/O, nothing imported from the service's other folders.

- `rubric`, `rubrics/`: the 2024 rubrics (000 附件3 附表, 附件4 附表) as plain data, loaded into frozen
  dataclasses; `rubrics.get_rubric(unit_kind, version)` looks one up.
- `facts`: what a sheet is computed from: `UnitFacts` (the registry ledger's figures) and `AssessorEntries`.
- `engine.score(rubric, facts, entries, sheet_kind=…)` → `sheet.ScoreSheetResult`, inputs checked first by
  `validation`; `window.Window` is the one-year window of park items 13–14; `compare.compare(a, b)` diffs
  two results of one rubric.
- `sampling.plan_town_sample` / `plan_park_sample`: acceptance sampling plans (000 附件3/附件4 §三(三));
  `spot_check.draw_spot_check`: the municipal spot-check draw (§三(二)4). Both seeded and reproducible.
- `errors`: `InvalidInput` (field + item), `UnknownRubric`, `RubricDataError`.
- `records`: what the service keeps: the `ScoreSheet` aggregate (draft → signed, immutable once signed; a
  correction names the signed sheet it replaces) and the events of sheets, sampling plans and spot-check draws;
  `commands`: what callers ask of the service.
"""
