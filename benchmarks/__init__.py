"""Benchmarks that print figures and write BENCHMARKS.md; none of them passes or fails.

Run ``python -m benchmarks`` for every suite or ``python -m benchmarks build reload`` for
some; each suite's figures are kept in ``benchmarks/out/results.json`` so running one suite
rewrites its section of BENCHMARKS.md and keeps the others' last figures.
"""
