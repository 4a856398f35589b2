"""Pictures of counterexamples: message sequence charts, state graphs, and the HTML report."""
