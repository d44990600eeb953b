"""Benchmark scripts: page speed and query counts at scale (see bench/README.md)."""
