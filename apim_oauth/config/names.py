"""Names the program joins from configured names must stay distinct.

Resource names join two configured names with `-` (a product's link to an API is named after both),
and names may contain `-` themselves: product `a` with API `b-c` and product `a-b` with API `c`
would give two links one name, which the engine refuses as a duplicate URN (and which, once
deployed, no later rename could separate without replacing both). The rule is simple to state:
within each kind of pair, the joined names must differ. The error names both keys.
"""

from __future__ import annotations

from collections.abc import Iterable

from apim_oauth.config.errors import ConfigError
from apim_oauth.config.rules import key
from apim_oauth.config.stack import StackConfig

Pair = tuple[str, str, str, str]
"""(first name, second name, key path of the pair, how to say it)."""


def _check(pairs: Iterable[Pair]) -> None:
    seen: dict[str, Pair] = {}
    for pair in pairs:
        first, second, at, said = pair
        joined = f"{first}-{second}"
        other = seen.setdefault(joined, pair)
        if other is not pair and (other[0], other[1]) != (first, second):
            raise ConfigError(
                at,
                f"{said} and {other[3]} ({other[2]}) both join to {joined!r}, which names one resource "
                "for each: rename one of them",
            )


def check_joined_names(stack: StackConfig) -> None:
    _check(
        (p.name, api, key(f"products[{i}].apis[{j}]"), f"product {p.name!r} with API {api!r}")
        for i, p in enumerate(stack.products)
        for j, api in enumerate(p.apis)
    )
    _check(
        (c.name, product, key(f"clients[{i}].products[{j}]"), f"client {c.name!r} with product {product!r}")
        for i, c in enumerate(stack.clients)
        for j, product in enumerate(c.products)
    )
    # Operation policies are named after their API and operation. (A plain API's catch-all
    # operations, `<method>-all`, cannot collide this way: the method ends where `-all` begins.)
    _check(
        (a.name, op, key(f"apis[{i}].oauth.operations[{j}].operationId"), f"API {a.name!r} operation {op!r}")
        for i, a in enumerate(stack.apis)
        for j, op in enumerate(o.operation_id for o in a.operations)
    )
