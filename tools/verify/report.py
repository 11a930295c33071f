"""The matrix in words: a table for the terminal, Markdown for a pull request or a run's summary,
and the JSON of the contract (`{"rows": [...]}`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tools.verify.drift import DriftReport
from tools.verify.live import Result
from tools.verify.matrix import Row

_COLUMNS = ("caller", "api", "operation", "method", "expect")


def outcome(row: Row) -> str:
    """`allow`, or `deny <status> <reason>`."""
    if row.expect == "allow":
        return "allow"
    return " ".join(str(part) for part in ("deny", row.status, row.reason) if part is not None)


def render_text(rows: Sequence[Row]) -> str:
    """One line per cell, aligned; the reason of each refusal in the last column."""
    table = [(row.caller, row.api, row.operation, row.method, outcome(row)) for row in rows]
    widths = [max([len(c), *(len(line[i]) for line in table)]) for i, c in enumerate(_COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(_COLUMNS, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in table]
    allowed = sum(row.expect == "allow" for row in rows)
    lines.append(f"{len(rows)} cells: {allowed} allowed, {len(rows) - allowed} refused")
    return "\n".join(lines)


def render_markdown(rows: Sequence[Row], title: str) -> str:
    """A Markdown table with each cell's reason in words."""
    lines = [
        f"### {title}",
        "",
        "| caller | API | operation | method | expected | why |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {_md(row.caller)} | {_md(row.api)} | {_md(row.operation)} | {row.method} | {_md(outcome(row))} | {_md(row.why)} |"
        for row in rows
    ]
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_json(rows: Sequence[Row]) -> dict[str, Any]:
    return {"rows": [row.to_json() for row in rows]}


def render_results(results: Sequence[Result], gateway: str, *, markdown: bool = False) -> str:
    """What held, what differs (each with the cell and the likely reason) and what was skipped."""
    counts = {
        verdict: sum(r.verdict == verdict for r in results) for verdict in ("holds", "differs", "skipped")
    }
    summary = f"{len(results)} cells against {gateway}: {counts['holds']} hold, {counts['differs']} differ, {counts['skipped']} skipped"
    differing = [r for r in results if r.verdict == "differs"]
    skipped = [r for r in results if r.verdict == "skipped"]
    if markdown:
        lines = [f"### Access matrix against {gateway}", "", summary, ""]
        if differing:
            lines += ["| cell | expected | got | likely reason |", "|---|---|---|---|"]
            lines += [
                f"| {_md(r.row.cell)} | {_md(outcome(r.row))} | {r.status} {r.reason or ''} | {_md(r.note)} |"
                for r in differing
            ]
        lines += [
            "",
            "<details><summary>every cell</summary>",
            "",
            "| cell | expected | result |",
            "|---|---|---|",
        ]
        lines += [f"| {_md(r.row.cell)} | {_md(outcome(r.row))} | {r.verdict} |" for r in results]
        return "\n".join([*lines, "", "</details>"])
    lines = [
        f"DIFFERS  {r.row.cell}: expected {outcome(r.row)}, got {r.status} {r.reason or ''}: {r.note}"
        for r in differing
    ]
    lines += [f"skipped  {r.row.cell}: {r.note}" for r in skipped]
    lines += [f"holds    {r.row.cell}: {outcome(r.row)}" for r in results if r.verdict == "holds"]
    return "\n".join([*lines, summary])


def results_json(results: Sequence[Result], gateway: str) -> dict[str, Any]:
    return {"gateway": gateway, "rows": [result.to_json() for result in results]}


def render_drift(report: DriftReport, *, markdown: bool = False) -> str:
    """Where the deployment differs from the plan, by meaning; or that it does not."""
    summary = f"drift: {len(report.drifts)} of {len(report.read)} deployed items differ from the plan"
    if markdown:
        lines = ["### Drift: deployed against planned", "", summary, ""]
        lines += [f"- **{_md(d.subject)}**: {_md('; '.join(d.words))}" for d in report.drifts]
        return "\n".join(lines)
    lines = [f"DRIFT    {d.subject}: {w}" for d in report.drifts for w in d.words]
    return "\n".join([*lines, summary])
