"""Every citation in the repository points to something a reader of the repository can open.

A comment or page may cite a public source (a URL, or a repository with path and commit) or a page
under `docs/`; never a document that lives outside the repository (a numbered section of some
reference, a design document's habit, a shared folder). Pages and sections of `docs/` that code or
docs name must exist, and relative links in Markdown must resolve inside the repository.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THIS = Path(__file__).resolve()

# Directories that are not the project's own text: installs, caches, generated output.
SKIPPED_DIRS = frozenset(
    {".git", ".tools", "venv", ".venv", "out", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}
)
# Hidden directories that hold the project's own files (others are caches: .hypothesis, .mypy_cache).
DOT_DIRS = frozenset({".github", ".vscode", ".ci"})
TEXT_SUFFIXES = frozenset({".py", ".md", ".yaml", ".yml", ".json", ".toml", ".txt", ".cfg", ".ini", ""})
SKIPPED_FILES = frozenset({"uv.lock"})

# What a citation of a document outside the repository looks like.
OUTSIDE_CITATIONS = {
    "a numbered section of an outside reference": re.compile(r"\breference,? (?:section )?\d", re.IGNORECASE),
    "an outside reference's section": re.compile(r"\breference,? section\b", re.IGNORECASE),
    "an outside reference document": re.compile(
        r"entra-apim\.md|portal-users-onward-auth|browser-limits-credentials|\breference/[\w-]+\.md"
    ),
    "a habit of an outside design document": re.compile(r"\bhabit \d", re.IGNORECASE),
    "an outside design document": re.compile(r"(?<![\w/-])design\.md"),
    "a shared folder outside the repository": re.compile(r"(?<![\w.-])shared/"),
}

# `docs/page.md` or `docs/page.md#section`, as code and docs name them (`docs/design/...` too).
DOCS_MENTION = re.compile(r"(?<![\w./-])docs/(\w[\w/.-]*?\.md)(?:#([\w-]+))?")
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def project_files() -> list[Path]:
    files: list[Path] = []
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT)
        if any(
            part in SKIPPED_DIRS
            or part.endswith(".egg-info")
            or (part.startswith(".") and part not in DOT_DIRS)
            for part in relative.parts[:-1]
        ):
            continue
        if path.is_file() and path.suffix in TEXT_SUFFIXES and path.name not in SKIPPED_FILES | SKIPPED_DIRS:
            files.append(path)
    return files


FILES = project_files()
MARKDOWN = [path for path in FILES if path.suffix == ".md"]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped, spaces to '-'."""
    text = re.sub(r"`|\*\*|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@cache
def anchors(page: Path) -> frozenset[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return frozenset(slug(m.group(1)) for m in HEADING.finditer(text))


def read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ""


def test_the_scan_sees_the_project() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in FILES}
    assert {"README.md", "docs/sources.md", "apim_oauth/azure/clouds.py", "tests/conftest.py"} <= names


def test_nothing_cites_a_document_outside_the_repository() -> None:
    found: list[str] = []
    for path in FILES:
        if path == THIS:
            continue
        for number, line in enumerate(read(path).splitlines(), start=1):
            for what, pattern in OUTSIDE_CITATIONS.items():
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {what}: {line.strip()[:120]}")
    assert not found, "cite a URL, a repository + path + commit, or a page under docs/:\n" + "\n".join(found)


def test_docs_pages_and_sections_named_anywhere_exist() -> None:
    broken: list[str] = []
    for path in FILES:
        if path == THIS:
            continue
        for number, line in enumerate(read(path).splitlines(), start=1):
            for match in DOCS_MENTION.finditer(line):
                folder, _, rest = match.group(1).partition("/")
                if rest and not (ROOT / "docs" / folder).is_dir():
                    continue  # another repository's docs/ (a cited source), not this one's
                page = ROOT / "docs" / match.group(1)
                section = match.group(2)
                if not page.is_file():
                    broken.append(f"{path.relative_to(ROOT)}:{number}: no page docs/{match.group(1)}")
                elif section and section not in anchors(page):
                    broken.append(
                        f"{path.relative_to(ROOT)}:{number}: docs/{match.group(1)} has no #{section}"
                    )
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("doc", MARKDOWN, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve_inside_the_repository(doc: Path) -> None:
    text = FENCE.sub("", doc.read_text(encoding="utf-8"))
    broken: list[str] = []
    for target in MARKDOWN_LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path, _, fragment = target.partition("#")
        linked = (doc.parent / path).resolve() if path else doc
        if not linked.is_relative_to(ROOT):
            broken.append(f"{target} (outside the repository)")
        elif not linked.exists():
            broken.append(f"{target} (no such file)")
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            broken.append(f"{target} (no such section)")
    assert not broken, f"{doc.relative_to(ROOT)}: {broken}"


@pytest.mark.parametrize(
    "line",
    [
        "# the most common cause of 401s (reference 5, 8.1)",
        # Split so that this file does not itself cite what it tests for.
        "Facts from the reference (entra-apim" + ".md, section 6).",
        "never read the configuration (design " + "habit 4)",
        "(contract: shared" + "/design.md)",
        "Facts: ../" + "shared/" + "reference/portal-users-onward-auth" + ".md",
        "an operation named as written (reference, section 3)",
    ],
)
def test_the_patterns_catch_outside_citations(line: str) -> None:
    assert any(pattern.search(line) for pattern in OUTSIDE_CITATIONS.values())


@pytest.mark.parametrize(
    "line",
    [
        "find_operation(operations, reference)",
        "# China's v1 issuer host is not its login host (docs/sources.md#clouds).",
        "a named-value reference ('{{' or '}}')",
        "the policy reference's example",
    ],
)
def test_the_patterns_spare_ordinary_words(line: str) -> None:
    assert not any(pattern.search(line) for pattern in OUTSIDE_CITATIONS.values())
