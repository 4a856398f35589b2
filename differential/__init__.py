"""Differential testing: random well-typed specs (generate.py), and a harness (harness.py) that runs every
back end on each of them and reports where they disagree with the explorer, the reference semantics."""
