"""APIM's names for imported operations, against the examples of the import-restrictions page."""

from __future__ import annotations

from apim_oauth.azure.operations import NAME_LENGTH, find_operation, imported_operations, normalize


def test_the_documented_example_normalises_as_the_page_shows() -> None:
    # "API import restrictions and known issues", Normalization rules for operationId.
    assert normalize("GET-/foo/{bar}?buzz={quix}") == "get-foo-bar-buzz-quix"


def test_capitals_and_underscores_become_apims_spelling() -> None:
    assert normalize("postEcho") == "postecho"
    assert normalize("List_Orders__ByID") == "list-orders-byid"
    assert normalize("--weird..id--") == "weird-id"


def test_names_are_cut_to_76_characters() -> None:
    name = normalize("a" * 100)
    assert name == "a" * NAME_LENGTH


def test_an_operation_without_operation_id_is_named_by_method_and_path() -> None:
    document: dict[str, object] = {
        "openapi": "3.0.3",
        "paths": {
            "/foo": {"get": {"responses": {}}},
            "/orders/{orderId}/items": {"delete": {"operationId": "", "responses": {}}},
        },
    }
    ops = imported_operations(document)
    assert [(op.name, op.operation_id, op.method) for op in ops] == [
        ("get-foo", None, "GET"),
        ("delete-orders-orderid-items", None, "DELETE"),
    ]


def test_either_spelling_finds_the_operation_and_nothing_else_does() -> None:
    document = {"swagger": "2.0", "paths": {"/echo": {"post": {"operationId": "post_Echo"}}}}
    ops = imported_operations(document)
    assert find_operation(ops, "post_Echo") == find_operation(ops, "post-echo") == ops[0]
    assert find_operation(ops, "postEcho") is None
    assert find_operation(ops, "POST-ECHO") is None


def test_trace_is_not_imported_and_x_ms_paths_are() -> None:
    document: dict[str, object] = {
        "swagger": "2.0",
        "paths": {"/echo": {"trace": {"operationId": "traceEcho"}, "parameters": []}},
        "x-ms-paths": {"/echo?mode=loud": {"get": {"operationId": "getLoud"}}},
    }
    assert [op.name for op in imported_operations(document)] == ["getloud"]


def _document(*operation_ids: str) -> dict[str, object]:
    paths = {f"/p{i}": {"get": {"operationId": op_id}} for i, op_id in enumerate(operation_ids)}
    return {"openapi": "3.0.3", "paths": paths}


def test_operations_whose_names_collide_are_marked_ambiguous() -> None:
    distinct = imported_operations(_document("getItem", "get_item", "other"))
    assert [(op.name, op.ambiguous) for op in distinct] == [
        ("getitem", False),
        ("get-item", False),
        ("other", False),
    ]
    colliding = imported_operations(_document("getItem", "GetItem", "other"))
    assert [op.ambiguous for op in colliding] == [True, True, False]


def test_non_ascii_source_text_is_flagged() -> None:
    document = {"openapi": "3.0.3", "paths": {"/x": {"get": {"operationId": "résumé"}}}}
    (op,) = imported_operations(document)
    assert not op.plain_ascii
