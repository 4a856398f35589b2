"""The one error of the Z3 back end that the command line must catch without importing z3."""

from __future__ import annotations


class Unsupported(Exception):
    """A construct this encoding cannot express (said in words, for the user)."""
