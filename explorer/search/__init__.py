"""Search over an explorer.model.Model: breadth-first (shortest counterexamples) or depth-first."""

from explorer.search.explore import Visitor, explore
from explorer.search.result import Discovery, SearchResult, Stats

__all__ = ["Discovery", "SearchResult", "Stats", "Visitor", "explore"]
