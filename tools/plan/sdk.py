"""The Pulumi SDK's internals the offline engine relies on, all here and nowhere else.

The SDK's public mocks API (`pulumi.runtime.Mocks`, `set_mocks`) runs a program under unit-test mocks
but gives no way to run it to completion synchronously, to start a second program in the same
process, or to see what the engine is sent (parents, dependencies, aliases, options). The engine needs
those, so it reaches past the public API, only through the names below. An SDK upgrade that changes
one of them fails `tests/unit/test_pulumi_sdk_seam.py`, which names the internal that moved, instead
of silently changing plans. Source of each: pulumi/pulumi, sdk/python/lib/pulumi/runtime/ at the
version pinned in uv.lock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from pulumi.runtime import rpc
from pulumi.runtime import settings as _settings
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto.alias_pb2 import Alias
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await  # pyright: ignore[reportPrivateUsage]

__all__ = [
    "Alias",
    "MockMonitor",
    "deserialize_properties",
    "forget_failed_run",
    "is_secret",
    "registered_state",
    "reset_root",
    "run_sync",
    "run_to_completion",
    "stack_outputs",
    "wrap_secret",
]

T = TypeVar("T")


def run_sync(awaitable: Awaitable[T]) -> T:
    """Wait for `awaitable` on the SDK's own event loop (`sync_await.py`, `_sync_await`): the loop the
    SDK's Outputs and resource registrations are scheduled on, so no other loop can wait for them."""
    return _sync_await(awaitable)


def run_to_completion(program: Callable[[], None]) -> None:
    """Run `program` as the SDK runs a stack (`stack.py`, `run_pulumi_func`): the program, then every
    Output and registration it started, the program's own exception re-raised."""
    run_sync(run_pulumi_func(program))


def reset_root() -> None:
    """Forget the previous run's root stack resource (`settings.py`, `ROOT`), so the next run
    registers its own `pulumi:pulumi:Stack` instead of parenting everything to the last one."""
    _settings.ROOT.set(None)


def forget_failed_run() -> None:
    """Drop the outputs a failed run left in the SDK's settings (`settings.py`, `SETTINGS.outputs`).

    The SDK stops waiting at the first failure and keeps the failed run's outputs, the failure among
    them: the next run in this process (a later test) would wait on them and re-raise it.
    """
    sdk_settings: Any = _settings.SETTINGS
    with sdk_settings.lock:
        sdk_settings.outputs.clear()


def stack_outputs() -> dict[str, Any]:
    """The outputs the program exported (`stack.py`, `Stack.outputs`: the root resource's dict of
    Outputs, which the SDK sends to the engine only after the run)."""
    root = _settings.get_root_resource()
    return dict(cast("dict[str, Any]", getattr(root, "outputs", None) or {}))


def registered_state(monitor: MockMonitor, urn: str) -> dict[str, Any]:
    """The outputs the mocks answered for `urn` (`mocks.py`, `MockMonitor.resources[urn].state`); {}
    for a resource never registered."""
    registration = monitor.resources.get(urn)
    return dict(cast("dict[str, Any]", registration.state)) if registration is not None else {}  # pyright: ignore[reportUnknownMemberType]


def deserialize_properties(struct: Any) -> dict[str, Any]:
    """A registration request's property struct as Python values, unknowns kept and secrets still
    wrapped (`rpc.py`, `deserialize_properties`)."""
    return cast("dict[str, Any]", rpc.deserialize_properties(struct, keep_unknowns=True))


def is_secret(value: Any) -> bool:
    """Whether `value` is the SDK's wrapped secret (`rpc.py`, `is_rpc_secret`)."""
    return rpc.is_rpc_secret(value)


def wrap_secret(value: Any) -> Any:
    """`value` wrapped as the SDK marks a secret in property values (`rpc.py`, `wrap_rpc_secret`)."""
    return rpc.wrap_rpc_secret(value)  # pyright: ignore[reportUnknownMemberType]
