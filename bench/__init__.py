"""Benchmarks of apim-oauth: `python -m bench` runs them all and regenerates bench/RESULTS.md."""
