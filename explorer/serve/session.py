"""One person's walk through a spec's model: a path from an initial state, the steps enabled at its end,
and a loaded counterexample to step through. Every state and step comes from the explorer's SystemModel
(init_states, successors) and is put into words by trace/present.py, as in the traces `check` writes:
there is no second semantics here.

Going back keeps the steps undone as the path's future, so that a loaded counterexample (or any path) can
be walked back and forth; taking a step other than the next one of the future forgets the future.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import spec
from explorer.actions import Action
from explorer.model import State
from explorer.render import dot, sequence
from explorer.render.chart import readable
from explorer.semantics.system import SystemModel
from explorer.trace import itf, schema
from explorer.trace.path import Path, Step, follow
from explorer.trace.present import Presenter
from spec import CheckedSpec


class SessionError(Exception):
    """A request the session cannot carry out, in words for the page (a step that is not enabled, a trace
    of another spec)."""


@dataclass(frozen=True, slots=True)
class _Lasso:
    """A loaded liveness counterexample: its steps, the property it violates and how it goes round."""

    steps: tuple[Step, ...]
    name: str
    text: str
    loop: int
    closing: str

    @property
    def cycle(self) -> str:
        last = len(self.steps) - 1
        if self.loop == last and self.closing.startswith("the run stays"):
            return f"a lasso: {self.closing}"
        return f"a lasso: {self.closing}, back to step {self.loop}, and round for ever"


@dataclass(frozen=True, slots=True)
class Enabled:
    action: Action
    after: State
    text: str


class Session:
    def __init__(self, checked: CheckedSpec, model: str, constants: dict[str, int | bool]) -> None:
        self.checked = checked
        self.constants = constants
        self.use_model(model)

    def use_model(self, name: str, constants: dict[str, int | bool] | None = None) -> None:
        """Start over on the model `name` (SessionError for a model or constants the spec refuses)."""
        constants = self.constants if constants is None else constants
        mistakes = spec.check_models(self.checked, [name]) + spec.check_constants(self.checked, constants)
        if mistakes:
            raise SessionError(mistakes[0].message)
        try:
            system = spec.instantiate(self.checked, name, constants)
        except spec.SpecError as error:
            raise SessionError(error.diagnostics[0].message) from None
        self.model_name, self.constants = name, constants
        self.model = SystemModel(system)
        self.present = Presenter(self.model)
        self.initial = self.model.init_states()
        self.steps: list[Step] = []
        self.future: list[Step] = []  # steps undone by going back, the next one last
        self.lasso: _Lasso | None = None  # a loaded liveness counterexample

    # ------------------------------------------------------------------ moving

    def start(self, choice: int) -> None:
        """Begin the path at initial state `choice`."""
        if not 0 <= choice < len(self.initial):
            raise SessionError(f"there is no initial state {choice}")
        self._take(self.initial[choice])

    def step(self, choice: int) -> None:
        """Take enabled step `choice` from the end of the path."""
        enabled = self.enabled()
        if not 0 <= choice < len(enabled):
            raise SessionError(f"there is no enabled step {choice}")
        self._take((enabled[choice].action, enabled[choice].after))

    def _take(self, step: Step) -> None:
        if self.future and self.future[-1] == step:
            self.future.pop()
        else:
            self.future = []
        self.steps.append(step)

    def back(self) -> None:
        if self.steps:
            self.future.append(self.steps.pop())

    def forward(self) -> None:
        """Take the next step of the future (a loaded trace's next step), if there is one."""
        if self.future:
            self.steps.append(self.future.pop())

    def go_to(self, index: int) -> None:
        """Go back (or forward along the future) until the path ends with step `index`."""
        if not -1 <= index < len(self.steps) + len(self.future):
            raise SessionError(f"there is no step {index} on the path")
        while len(self.steps) > index + 1:
            self.back()
        while len(self.steps) < index + 1:
            self.forward()

    def load(self, document: dict[str, Any]) -> str:
        """Follow a counterexample (an ITF trace of this spec, of any of its models) from its first state to
        its last; its steps become the path's future, to step through from its initial state. Returns what
        was loaded, in words; SessionError when the trace is not one of this spec's."""
        try:
            schema.validate(document)
            system = schema.instantiate(document, self.checked)
        except (schema.TraceFormatError, spec.SpecError) as error:
            raise SessionError(f"not a trace of {self.checked.name}: {error}") from None
        meta = document["#meta"]
        self.use_model(system.model.name, dict(meta.get("constants", {})))
        wanted = [{k: v for k, v in s.items() if k != "#meta"} for s in document["states"]]

        def matches(state: State, values: dict[str, Any]) -> bool:
            return {k: v[0] for k, v in self.present.snapshot(state).items()} == values

        followed = follow(self.model, None, wanted, matches)
        if followed.departs_at is not None:
            raise SessionError(f"the trace departs from the spec at its step {followed.departs_at}")
        self.future = list(reversed(followed.steps))
        self.forward()
        if isinstance(document.get("loop"), int):
            text, closing = str(meta.get("description", "")), str(meta.get("closing", ""))
            self.lasso = _Lasso(followed.steps, meta["property"], text, document["loop"], closing)
        return f"{meta['model']}: {meta['property']} ({len(followed.steps) - 1} steps)"

    # ------------------------------------------------------------------ looking

    def enabled(self) -> list[Enabled]:
        if not self.steps:
            return []
        state = self.steps[-1][1]
        return [
            Enabled(a, after, self.present.describe(state, a, after)["text"])
            for a, after in self.model.successors(state)[0]
        ]

    def failing(self) -> list[tuple[str, str]]:
        """Steps from the end of the path that fail inside the spec: (what, the error)."""
        if not self.steps:
            return []
        state = self.steps[-1][1]
        return [
            (self.present.describe(state, a, None)["text"], f"{error.prop}: {error.message}")
            for a, error in self.model.successors(state)[1]
        ]

    def _on_lasso(self) -> _Lasso | None:
        """The loaded liveness counterexample, when the path is the whole of it."""
        return self.lasso if self.lasso is not None and tuple(self.steps) == self.lasso.steps else None

    def view(self) -> dict[str, Any]:
        """All the page shows, as JSON-ready data."""
        enabled = self.enabled()
        following = self.future[-1] if self.future else None
        violated = self.model.violated(self.steps[-1][1]) if self.steps else []
        lasso = self._on_lasso()
        cycle = [] if lasso is None else [{"name": lasso.name, "text": f"{lasso.text} ({lasso.cycle})"}]
        return {
            "spec": self.checked.name,
            "model": self.model_name,
            "models": spec.model_names(self.checked),
            "initial": [self._initial_choice(k) for k in range(len(self.initial))],
            "path": [self._describe(k) for k in range(len(self.steps))],
            "future": self._future_texts(),
            "state": self._state_groups(),
            "violated": [
                {"name": p.name, "text": p.text} for p in self.model.properties if p.name in violated
            ]
            + cycle,
            "enabled": [
                {"text": e.text, "next": following is not None and (e.action, e.after) == following}
                for e in enabled
            ],
            "failing": [{"text": t, "error": e} for t, e in self.failing()],
        }

    def _describe(self, k: int) -> str:
        action, state = self.steps[k]
        before = self.steps[k - 1][1] if k > 0 else state
        return str(self.present.describe(before, action, state)["text"])

    def _future_texts(self) -> list[str]:
        """The steps ahead on the path (undone by going back, or the rest of a loaded trace), in words."""
        out = []
        before = self.steps[-1][1] if self.steps else None
        for action, state in reversed(self.future):
            out.append(
                str(self.present.describe(before if before is not None else state, action, state)["text"])
            )
            before = state
        return out

    def _initial_choice(self, k: int) -> dict[str, Any]:
        """An initial state, told apart from the first one by what differs."""
        first = self._parts(self.initial[0][1])
        parts = self._parts(self.initial[k][1])
        differences = [line for name, lines in parts.items() if first.get(name) != lines for line in lines]
        return {"text": f"initial state {k}", "differences": differences}

    def _parts(self, state: State) -> dict[str, list[str]]:
        return readable({name: value for name, (value, _) in self.present.snapshot(state).items()})

    def _state_groups(self) -> list[dict[str, Any]]:
        """The state at the end of the path: one group per node (its variables, status, clock, timers),
        then the network, then time and faults; each line marked when the last step changed it."""
        if not self.steps:
            return []
        now = self._parts(self.steps[-1][1])
        before = self._parts(self.steps[-2][1]) if len(self.steps) > 1 else now
        groups: dict[str, list[tuple[str, bool]]] = {inst.name: [] for inst in self.model.system.instances}
        groups["network"] = []
        groups["time and faults"] = []
        for name, lines in now.items():
            owner = name.rpartition(".")[0]
            group = owner if owner in groups else "network" if name == "_network" else "time and faults"
            groups[group] += [(line, before.get(name) != lines) for line in lines]
        return [{"title": t, "lines": lines} for t, lines in groups.items() if lines]

    def chart_svg(self) -> str | None:
        """The sequence chart of the path so far (None without Graphviz or without a path)."""
        if not self.steps:
            return None
        violated = self.model.violated(self.steps[-1][1])
        info = itf.TraceInfo(
            spec=self.checked.name,
            source=self.checked.source.uri,
            model=self.model_name,
            property=", ".join(violated),
            kind="invariant",
            description="",
            bounds="",
            constants=dict(self.constants),
        )
        document = itf.to_itf(self.model, Path(tuple(self.steps)), info)
        lasso = self._on_lasso()
        if lasso is not None:  # the chart marks its cycle as `check` draws it
            document["loop"], document["#meta"]["closing"] = lasso.loop, lasso.closing
            violated = [*violated, lasso.name]
        document["#meta"]["verdict"] = (
            f"VIOLATED here: {', '.join(violated)}" if violated else "no invariant is violated here"
        )
        return dot.to_svg(sequence.to_dot(document))
