"""System-model semantics: the IR of a spec plus a model becomes a transition system (explorer.model)."""
