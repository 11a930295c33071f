"""Offline tools: `python -m tools plan` and `python -m tools check-token`."""
