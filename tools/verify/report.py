"""The matrix in words: a table for the terminal, Markdown for a pull request or a run's summary,
and the JSON of the contract (`{"rows": [...]}`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
