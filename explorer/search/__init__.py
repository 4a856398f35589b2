"""Search over an explorer.model.Model: breadth-first (shortest counterexamples) or depth-first."""

from explorer.search.explore import Discovery, SearchResult, Stats, explore

__all__ = ["Discovery", "SearchResult", "Stats", "explore"]
