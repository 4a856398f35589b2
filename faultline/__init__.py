"""faultline from Python: load a spec, check its models, read the verdicts.

    import faultline

    spec = faultline.load("specs/lease_lock.fl")          # a path, or the text of a spec
    report = faultline.check(spec, model="gc_pauses")
    result = report.result("gc_pauses", "no_clobber")
    result.verdict          # Verdict.VIOLATED
    result.expected         # Expected.VIOLATED (the model says `expect no_clobber violated`)
    result.trace_length     # 12
    report.exit_code        # 0: every verdict is the expected one

`check` explores every state (breadth-first: counterexamples are shortest); `bmc`, `prove` and `simulate`
are the other engines. Each returns a Report of PropertyResults, one per model and property. Traces are
written only when `out_dir` is given. A spec with errors raises SpecError (its `diagnostics` are located).
"""

# Nothing is imported here at run time (not even `typing`): see __getattr__.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from faultline.api import (
        CheckedSpec,
        Diagnostic,
        Engine,
        Expected,
        Observer,
        PropertyResult,
        Report,
        SpecError,
        Stats,
        Verdict,
        bmc,
        check,
        load,
        prove,
        simulate,
    )

__all__ = [
    "CheckedSpec",
    "Diagnostic",
    "Engine",
    "Expected",
    "Observer",
    "PropertyResult",
    "Report",
    "SpecError",
    "Stats",
    "Verdict",
    "bmc",
    "check",
    "load",
    "prove",
    "simulate",
]


def __getattr__(name: str) -> object:
    """The API is imported on first use, so that `faultline` (the command) starts its Ctrl-C handling
    before the parser, Z3 and the engines are loaded."""
    if name in __all__:
        from faultline import api

        return getattr(api, name)
    raise AttributeError(f"module 'faultline' has no attribute {name!r}")
