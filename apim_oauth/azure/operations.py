"""The operations APIM creates when it imports an OpenAPI document, and the name each one gets.

An imported operation's ARM resource name is not its `operationId` as written. Source: "API import
restrictions and known issues" (MicrosoftDocs/azure-docs,
articles/api-management/api-management-api-import-restrictions.md), sections "Add new API via
OpenAPI import" and "Normalization rules for operationId":

- the name is the normalised `operationId`: lower-cased, each run of non-alphanumeric characters
  replaced by one `-`, dashes trimmed at both ends, truncated to 76 characters;
- without an `operationId` (absent, null or empty) the name combines the HTTP method and the path
  template (`get-foo`), normalised the same way (the page's example normalises
  `GET-/foo/{bar}?buzz={quix}`);
- names that collide get `-1` ... `-999` appended; which operation keeps the bare name is not
  documented, so `ImportedOperation.ambiguous` marks every operation whose name collides.

Open questions, each a one-line change here: whether "alphanumeric" includes non-ASCII letters (we
take ASCII only, and callers refuse to target an operation whose source text has other letters), and
whether a dash left at the end by truncation is trimmed again (we take the page literally: no).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import cast

# OpenAPI 3 path-item methods that APIM imports; `trace` is listed as unsupported on PathItem in the
# same page's "OpenAPI version 3.x > Unsupported" table, so it creates no operation.
IMPORTED_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
NAME_LENGTH = 76
"""Four characters under the 80 of an operation name, kept for the de-duplication suffix."""

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """APIM's name for an imported operation whose `operationId` (or method-path text) is `text`."""
    return _NON_ALNUM.sub("-", text.lower()).strip("-")[:NAME_LENGTH]


@dataclass(frozen=True)
class ImportedOperation:
    """One operation APIM creates from the document."""

    name: str
    """Its ARM resource name in APIM (before any de-duplication suffix)."""
    operation_id: str | None
    """The `operationId` as written; None when the document gives none."""
    method: str
    """Upper-case HTTP method."""
    path: str
    """The path template as written in the document."""
    ambiguous: bool = False
    """Another operation normalises to the same name: APIM suffixes one of them, which is not documented."""
    plain_ascii: bool = True
    """The source text is ASCII: whether APIM's "alphanumeric" covers other letters is not documented."""


def imported_operations(document: Mapping[str, object]) -> tuple[ImportedOperation, ...]:
    """Every operation APIM creates on importing `document` (OpenAPI 2 or 3), in document order."""
    found = list(_operations(document))
    counts = Counter(op.name for op in found)
    return tuple(
        ImportedOperation(
            name=op.name,
            operation_id=op.operation_id,
            method=op.method,
            path=op.path,
            ambiguous=counts[op.name] > 1,
            plain_ascii=op.plain_ascii,
        )
        for op in found
    )


def find_operation(operations: tuple[ImportedOperation, ...], reference: str) -> ImportedOperation | None:
    """The operation `reference` names: its `operationId` as written, or APIM's name for it."""
    for op in operations:
        if reference == op.operation_id or reference == op.name:
            return op
    return None


def _operations(document: Mapping[str, object]) -> Iterator[ImportedOperation]:
    # `x-ms-paths` is the one extension APIM imports (same page, "Supported extensions").
    for key in ("paths", "x-ms-paths"):
        paths = document.get(key)
        if not isinstance(paths, dict):
            continue
        for path, item in cast("dict[object, object]", paths).items():
            if not isinstance(item, dict):
                continue
            for method, operation in cast("dict[object, object]", item).items():
                if not isinstance(method, str) or method.lower() not in IMPORTED_METHODS:
                    continue
                if not isinstance(operation, dict):
                    continue
                raw = cast("dict[str, object]", operation).get("operationId")
                operation_id = raw if isinstance(raw, str) and raw else None
                source = operation_id if operation_id is not None else f"{method.upper()}-{path}"
                yield ImportedOperation(
                    name=normalize(source),
                    operation_id=operation_id,
                    method=method.upper(),
                    path=str(path),
                    plain_ascii=source.isascii(),
                )
