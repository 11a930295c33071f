"""Canary: the Pulumi SDK internals behind tools/plan/sdk.py still exist and behave as the engine uses them.

An SDK upgrade (uv.lock) that renames, moves or changes one of them fails here, naming the internal,
instead of the offline engine breaking at a distance (a hang, a plan missing its outputs, a failure
leaking into the next run). Fix tools/plan/sdk.py (and only it) for the new SDK.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import inspect
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import pulumi
import pytest

from apim_oauth.azure.clouds import CLOUDS
from tools.plan import sdk
from tools.plan.engine import run_program
from tools.plan.mocks import OfflineMocks

SDK_VERSION = version("pulumi")


def _internal(path: str) -> Any:
    """The object at `module:attribute.attribute`, or a failure naming what is gone."""
    module_name, _, attributes = path.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError as error:
        pytest.fail(f"pulumi {SDK_VERSION}: module {module_name} is gone ({error}); adapt tools/plan/sdk.py")
    for attribute in filter(None, attributes.split(".")):
        if not hasattr(found, attribute):
            pytest.fail(f"pulumi {SDK_VERSION}: {path} is gone; adapt tools/plan/sdk.py")
        found = getattr(found, attribute)
    return found


def _parameters(path: str, *names: str) -> None:
    parameters = list(inspect.signature(_internal(path)).parameters)
    assert parameters[: len(names)] == list(names), (
        f"pulumi {SDK_VERSION}: {path} now takes {parameters}, the engine calls it with {list(names)}; "
        "adapt tools/plan/sdk.py"
    )


def _sync_await_runs_a_coroutine() -> None:
    _parameters("pulumi.runtime.sync_await:_sync_await", "awaitable")

    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert sdk.run_sync(answer()) == 42, "pulumi.runtime.sync_await:_sync_await no longer returns the result"


def _run_pulumi_func_takes_the_program() -> None:
    function = _internal("pulumi.runtime.stack:run_pulumi_func")
    assert inspect.iscoroutinefunction(function), (
        f"pulumi {SDK_VERSION}: pulumi.runtime.stack:run_pulumi_func is no longer a coroutine function"
    )
    _parameters("pulumi.runtime.stack:run_pulumi_func", "func")


def _root_is_a_context_variable() -> None:
    root = _internal("pulumi.runtime.settings:ROOT")
    assert isinstance(root, contextvars.ContextVar), (
        f"pulumi {SDK_VERSION}: pulumi.runtime.settings:ROOT is no longer a ContextVar ({type(root)})"
    )
    _internal("pulumi.runtime.settings:get_root_resource")


def _settings_keep_outputs_under_a_lock() -> None:
    settings = _internal("pulumi.runtime.settings:SETTINGS")
    for attribute in ("lock", "outputs"):
        assert hasattr(settings, attribute), (
            f"pulumi {SDK_VERSION}: pulumi.runtime.settings:SETTINGS.{attribute} is gone"
        )
    assert callable(getattr(settings.outputs, "clear", None)), (
        f"pulumi {SDK_VERSION}: pulumi.runtime.settings:SETTINGS.outputs can no longer be cleared"
    )
    with settings.lock:  # a lock the engine can hold while it clears
        pass


def _mock_monitor_has_the_hooks_the_engine_overrides() -> None:
    _parameters("pulumi.runtime.mocks:MockMonitor.__init__", "self", "mocks")
    _parameters("pulumi.runtime.mocks:MockMonitor.make_urn", "self", "parent", "type_", "name")
    _parameters("pulumi.runtime.mocks:MockMonitor.RegisterResource", "self", "request")
    fields = _internal("pulumi.runtime.mocks:MockMonitor.ResourceRegistration")._fields
    assert "state" in fields, (
        f"pulumi {SDK_VERSION}: MockMonitor.ResourceRegistration has no state ({fields})"
    )
    monitor = sdk.MockMonitor(OfflineMocks(tenant_id="t", cloud=CLOUDS["global"]))
    assert monitor.resources == {}, f"pulumi {SDK_VERSION}: MockMonitor.resources is no longer a dict"


def _rpc_secrets_and_properties() -> None:
    _parameters("pulumi.runtime.rpc:deserialize_properties", "props_struct", "keep_unknowns")
    wrapped = sdk.wrap_secret("value")
    assert sdk.is_secret(wrapped), "pulumi.runtime.rpc: is_rpc_secret does not see wrap_rpc_secret's value"
    assert not sdk.is_secret("value"), "pulumi.runtime.rpc: is_rpc_secret calls a plain value secret"
    assert sdk.wrap_secret(wrapped) == wrapped, "pulumi.runtime.rpc: wrap_rpc_secret wraps a secret twice"


def _alias_message_has_the_fields_the_engine_reads() -> None:
    alias = _internal("pulumi.runtime.proto.alias_pb2:Alias")
    spec = alias.Spec(name="n", type="t", stack="s", project="p", parentUrn="u", noParent=False)
    assert alias(spec=spec).WhichOneof("alias") == "spec", "alias_pb2.Alias: no 'alias' oneof with spec"
    assert alias(urn="urn:x").WhichOneof("alias") == "urn", "alias_pb2.Alias: no 'alias' oneof with urn"


def _program_config_internals() -> None:
    # apim_oauth/config/settings.py `from_pulumi` reads the running program's config through these.
    assert isinstance(_internal("pulumi.runtime.config:CONFIG"), contextvars.ContextVar), (
        f"pulumi {SDK_VERSION}: pulumi.runtime.config:CONFIG is no longer a ContextVar"
    )
    assert callable(_internal("pulumi.runtime.config:get_config_env"))


CHECKS: dict[str, Callable[[], None]] = {
    "sync_await._sync_await": _sync_await_runs_a_coroutine,
    "stack.run_pulumi_func": _run_pulumi_func_takes_the_program,
    "settings.ROOT": _root_is_a_context_variable,
    "settings.SETTINGS.outputs": _settings_keep_outputs_under_a_lock,
    "mocks.MockMonitor": _mock_monitor_has_the_hooks_the_engine_overrides,
    "rpc secrets and properties": _rpc_secrets_and_properties,
    "proto.alias_pb2.Alias": _alias_message_has_the_fields_the_engine_reads,
    "config.CONFIG and get_config_env": _program_config_internals,
}


@pytest.mark.parametrize("check", CHECKS.values(), ids=list(CHECKS))
def test_each_sdk_internal_is_still_there(check: Callable[[], None]) -> None:
    check()


class _Child(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("canary:index:Child", name, None, opts)
        self.register_outputs({})


def test_the_engine_records_what_the_sdk_sends_and_a_failed_run_does_not_leak() -> None:
    """Behaviour through the seam: the stack's outputs, a parent, an alias; a failing run, then a clean one."""

    def failing() -> None:
        pulumi.export("never", pulumi.Output.from_input("x").apply(lambda _: 1 / 0))

    with pytest.raises(ZeroDivisionError):
        run_program(failing, config={}, tenant_id="t", cloud=CLOUDS["global"])

    def program() -> None:
        parent = _Child("parent")
        _Child("child", pulumi.ResourceOptions(parent=parent, aliases=[pulumi.Alias(name="old")]))
        pulumi.export("answer", pulumi.Output.secret(42))

    plan = run_program(program, config={}, tenant_id="t", cloud=CLOUDS["global"])
    assert sdk.is_secret(plan.outputs["answer"]), f"pulumi {SDK_VERSION}: stack outputs lost (Stack.outputs)"
    child = next(r for r in plan.resources if r.name == "child")
    assert str(child.parent).endswith("::parent"), "RegisterResource lost the parent"
    assert any(a.name == "old" for a in child.aliases), "RegisterResource lost the alias spec"


def test_a_missing_internal_fails_naming_it() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"pulumi\.runtime\.settings:ROOT\.gone is gone"):
        _internal("pulumi.runtime.settings:ROOT.gone")
    with pytest.raises(pytest.fail.Exception, match=r"module pulumi\.runtime\.gone is gone"):
        _internal("pulumi.runtime.gone:x")
