"""Counterexamples: paths rebuilt from fingerprints, and their ITF and text forms."""
