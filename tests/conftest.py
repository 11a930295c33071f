"""The `plan_of` fixture (tools/plan/testing.py) for every test, as a team would load it for theirs."""

pytest_plugins = ["tools.plan.testing"]
