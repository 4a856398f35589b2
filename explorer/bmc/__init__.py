"""The Z3 back end: bounded model checking and k-induction over the IR. The only package that imports z3."""
