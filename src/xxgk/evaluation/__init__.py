"""Evaluation: score rules, model and combined against hand-labelled fixtures; inspect one document.

    metrics.py   self-describing metrics (spans strict/partial/untyped, sections, cells, narrative, checks)
    compare.py   one record vs one gold → the metrics' inputs
    runner.py    load gold inputs, run each system once per document (tagger loaded once), time it
    report.py    metrics.json + index.html + terminal summary from one dict; the threshold gate
    inspect.py   `xxgk inspect`: one document as a page
    commands.py  the typer commands

Importing this package is cheap; the submodules load what they need.
"""
