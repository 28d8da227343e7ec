"""Benchmarks: scripts that print JSON numbers (`python -m bench.<name>`); never run as tests."""
