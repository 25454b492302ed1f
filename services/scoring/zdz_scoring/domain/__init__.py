"""The pure rules of scoring: no I/O, nothing imported from the service's other folders.

- `rubric`, `rubrics/`: the 2024 rubrics (000 附件3 附表, 附件4 附表) as plain data, loaded into frozen
  dataclasses; `rubrics.get_rubric(unit_kind, version)` looks one up.
- `facts`: what a sheet is computed from: `UnitFacts` (the registry ledger's figures, the self-check pass rates
  among them), `SampleFigures` (the sample pass rates from the plan's verdicts) and `AssessorEntries`.
- `verdicts`: the 验收小组's verdicts on a plan's drawn items and the sample pass rates they give.
- `engine.score(rubric, facts, entries, sheet_kind=…, sample=…)` → `sheet.ScoreSheetResult`, inputs checked by
  `validation`; `window.Window` is the one-year window of park items 13–14; `compare.compare(a, b)` diffs
  two results of one rubric.
- `sampling.plan_town_sample` / `plan_park_sample`: acceptance sampling plans (000 附件3/附件4 §三(三));
  `spot_check.draw_spot_check`: the municipal spot-check draw (§三(二)4). Both seeded and reproducible.
- `errors`: `InvalidInput` (field + item), `UnknownRubric`, `RubricDataError`.
- `records`: what the service keeps: the `ScoreSheet` aggregate (draft → signed with its signer, or imported
  signed with its evidence; immutable once signed; a correction names the signed sheet it replaces; a district
  acceptance names its sampling plan and panel) and the events of sheets, sampling plans, their verdicts and
  spot-check draws;
  `commands`: what callers ask of the service.
"""
