"""Benchmarks (bench/run.py) and the pandas baseline they compare against."""
