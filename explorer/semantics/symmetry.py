"""Symmetry reduction: states that differ only by a permutation of the instances of a `symmetric` node
type are one state. The search stores and expands one representative per orbit, chosen exactly: the least
state (as a tuple of interned ids) among the images of the state under the permutations that sort each
symmetric type's instances by a signature that no permutation changes. Every place an instance can appear is
permuted together: the node's own position, node references in every variable (sets, maps, options and
tuples of them), the messages in flight (sender, receiver, fields), and the current partition.

A spec that tells the instances of a symmetric type apart — names one (`Client[1]`), compares node
references by order (`<`, `min`), or walks a set of them in order with effects that depend on it — is not
symmetric in that type: `breaks_symmetry` says where, and the type is not reduced.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from typing import Any

from explorer.plan import Plan
from explorer.semantics.effects import Effects
from explorer.state import CUT, VARS, Numbers, State
from spec import ir
from spec.diagnostics import Diagnostic
from spec.ir import canonical_key
from spec.source import Span

Perm = tuple[int, ...]  # new instance index of each instance
Permuter = Callable[[Any, Perm], Any]

# Signature markers for node references hidden from a signature: the node itself, and any other node.
_SELF, _OTHER = -1, -2

# Where ties matter, a representative is the least image over every order of the tied instances: in an
# initial state all of a type's instances are tied. Past this many orders per state, the largest types
# are left unreduced (FL506) rather than make one state cost minutes and gigabytes (44 instances: 44!).
MAX_ORDERS = 5040  # 7!


def reducible_types(system: ir.System) -> tuple[list[str], list[Diagnostic]]:
    """The `symmetric` node types (of more than one instance) to reduce over, and a located warning for each
    one the spec tells apart (it is then not reduced)."""
    reduce: list[str] = []
    warnings: list[Diagnostic] = []
    for nt in system.node_types:
        if not nt.symmetric or nt.count < 2:
            continue
        broken = breaks_symmetry(system, nt.name)
        if not broken:
            reduce.append(nt.name)
            continue
        span, why = broken[0]
        more = (
            f" (and {len(broken) - 1} more place{'s' if len(broken) > 2 else ''})" if len(broken) > 1 else ""
        )
        warnings.append(
            Diagnostic(
                "FL505",
                f"{nt.name} is declared symmetric, but here {why}{more}: its instances are not interchangeable, "
                f"so the search does not reduce by symmetry over {nt.name}",
                span,
                severity="warning",
                notes=("remove `symmetric`, or make the spec treat every instance alike",),
            )
        )
    return reduce, warnings


def too_many_instances(node_type: ir.NodeType) -> Diagnostic:
    return Diagnostic(
        "FL506",
        f"{node_type.name} is declared symmetric, but its {node_type.count} instances refer to one another (or "
        f"are told apart by the messages between them): an exact reduction would compare up to "
        f"{node_type.count}! orders of them per state, so the search does not reduce by symmetry over "
        f"{node_type.name}",
        node_type.name_span,
        severity="warning",
        notes=(f"symmetry reduction takes such types of up to {_largest_reducible()} instances",),
    )


def _largest_reducible() -> int:
    n = 1
    while math.factorial(n + 1) <= MAX_ORDERS:
        n += 1
    return n


def breaks_symmetry(system: ir.System, node_type: str) -> list[tuple[Span, str]]:
    """Where the spec tells the instances of `node_type` apart, with why."""
    nt = system.node_type(node_type)
    members = set(nt.instances)
    found: list[tuple[Span, str]] = []
    roots: list[tuple[Any, Span]] = [(h, h.span) for t in system.node_types for h in t.handlers]
    roots += [(inv, inv.span) for inv in system.invariants]
    roots += [(var, var.span) for t in system.node_types for var in t.vars]
    for root, span in roots:
        for sub in ir.walk(root):
            where = getattr(sub, "span", span)
            if isinstance(sub, ir.Lit) and _names_member(sub.value, sub.type, members):
                found.append(
                    (where, f"it names one {node_type}, {_instance_name(system, sub.value, members)}")
                )
            elif isinstance(sub, ir.InstanceRef) and sub.node_type == node_type:
                found.append((where, f"it picks a {node_type} by its index"))
            elif (
                isinstance(sub, ir.Binary)
                and sub.op in ("<", "<=", ">", ">=")
                and _mentions(sub.left.type, members)
            ):
                found.append((where, f"it orders {node_type}s by their index"))
            elif (
                isinstance(sub, ir.Call)
                and sub.func in ("min", "max")
                and any(_mentions(a.type, members) for a in sub.args)
            ):
                found.append((where, f"`{sub.func}` orders {node_type}s by their index"))
            elif (
                isinstance(sub, ir.For) and _mentions(sub.domain.type, members) and _order_sensitive(sub.body)
            ):
                found.append(
                    (span, f"a loop over {node_type}s has effects that depend on the order of the loop")
                )
    return found


def _instance_name(system: ir.System, value: Any, members: set[int]) -> str:
    if isinstance(value, int) and value in members:
        return system.instances[value].name
    return "some of them"


def _names_member(value: Any, t: ir.Type, members: set[int]) -> bool:
    """Whether a literal names some but not all instances of a symmetric type (all of them is symmetric)."""
    if isinstance(t, ir.NodeT) and isinstance(value, int) and not isinstance(value, bool):
        return value in members and len(members) > 1
    if isinstance(t, ir.SetT) and isinstance(t.elem, ir.NodeT) and isinstance(value, frozenset):
        named = value & members
        return bool(named) and named != members
    return False


def _mentions(t: ir.Type, members: set[int]) -> bool:
    """Whether values of type t can hold a reference to one of `members`."""
    if isinstance(t, ir.NodeT):
        return bool(members & set(t.instances))
    if isinstance(t, ir.OptionT):
        return _mentions(t.inner, members)
    if isinstance(t, ir.SetT):
        return _mentions(t.elem, members)
    if isinstance(t, ir.MapT):
        return _mentions(t.key, members) or _mentions(t.value, members)
    if isinstance(t, ir.TupleT):
        return any(_mentions(i, members) for i in t.items)
    return False


def _order_sensitive(body: tuple[ir.Stmt, ...]) -> bool:
    """Whether a loop body's effects may depend on the order of the loop: anything but sends, assertions,
    and updates that commute (`+=`, `-=`, and unions into a set)."""
    for s in _statements(body):
        if isinstance(s, ir.Send | ir.Broadcast | ir.Assert | ir.If | ir.Let):
            continue
        if isinstance(s, ir.Assign) and (s.op != "=" or _is_union_into(s)):
            continue
        return True
    return False


def _statements(body: tuple[ir.Stmt, ...]) -> Iterator[ir.Stmt]:
    for s in body:
        yield s
        if isinstance(s, ir.If):
            yield from _statements(s.then)
            yield from _statements(s.else_)
        elif isinstance(s, ir.For | ir.Choose):
            yield from _statements(s.body)


def _is_union_into(s: ir.Assign) -> bool:
    """`v = v | {…}` (or `m[k] = m[k] | …`): adding to a set commutes."""
    value = s.value
    return (
        isinstance(value, ir.Binary)
        and value.op == "union"
        and isinstance(value.left, ir.Var | ir.Index)
        and (not isinstance(value.left, ir.Var) or value.left.slot == s.slot)
    )


def value_permuter(t: ir.Type, members: set[int]) -> Permuter | None:
    """A function that applies a permutation to a value of type t; None when no value of t can change."""
    if not _mentions(t, members):
        return None
    if isinstance(t, ir.NodeT):
        return lambda v, p: p[v]
    if isinstance(t, ir.OptionT):
        inner = value_permuter(t.inner, members)
        assert inner is not None
        return lambda v, p: None if v is None else inner(v, p)
    if isinstance(t, ir.SetT):
        elem = value_permuter(t.elem, members)
        assert elem is not None
        return lambda v, p: frozenset(elem(x, p) for x in v)
    if isinstance(t, ir.MapT):
        key = value_permuter(t.key, members) or (lambda v, p: v)
        val = value_permuter(t.value, members) or (lambda v, p: v)
        return lambda v, p: frozenset((key(k, p), val(x, p)) for k, x in v)
    assert isinstance(t, ir.TupleT)
    items = [value_permuter(i, members) or (lambda v, p: v) for i in t.items]
    return lambda v, p: tuple(f(x, p) for f, x in zip(items, v, strict=True))


class Symmetry:
    """Representatives of states under the permutations of the symmetric node types' instances."""

    def __init__(self, plan: Plan, effects: Effects, node_types: list[str]) -> None:
        self.plan = plan
        self.effects = effects
        system = plan.system
        self.groups = [list(system.node_type(name).instances) for name in node_types]
        members = {i for g in self.groups for i in g}
        self.members = members
        self.local_permuters: dict[str, list[tuple[int, Permuter]]] = {}
        for nt in system.node_types:
            permuters = [(var.slot, value_permuter(var.type, members)) for var in nt.vars]
            self.local_permuters[nt.name] = [(slot, f) for slot, f in permuters if f is not None]
        self.field_permuters: list[list[Permuter | None]] = [
            [value_permuter(f.type, members) for f in m.fields] for m in system.messages
        ]
        # whether members with equal signatures may still differ in how members refer to one another (a
        # member's variable, a message field, a message between members); if not, members with equal
        # signatures are interchangeable and any order among them gives the same representative
        member_types = {plan.instance_type[i].name for i in members}
        # the other nodes whose variables may refer to members (a member's signature says how they do)
        self.referrers = [
            j for j in range(plan.n) if j not in members and self.local_permuters[plan.instance_type[j].name]
        ]
        joint = any(_joint(var.type, members) for j in self.referrers for var in plan.instance_type[j].vars)
        self.ties_matter = (
            joint
            or any(self.local_permuters[name] for name in member_types)
            or any(any(fs) for fs in self.field_permuters)
            or _peer_links(system, members)
            or len(plan.cuts) > 1
        )
        self.others = [j for j in range(plan.n) if j not in members and j not in self.referrers]
        self.cut_index = {cut: c for c, cut in enumerate(plan.cuts)}
        self.masks = {
            i: tuple(_SELF if j == i else _OTHER if j in members else j for j in range(plan.n))
            for i in members
        }
        self._locals: dict[tuple[int, Perm], int] = {}
        self._messages: dict[tuple[int, Perm], int] = {}
        # what a signature is made of, numbered: a number per distinct canonical key (the numbering is the same
        # for a state and for any permutation of it, so sorting by numbers is as good as sorting by keys)
        self._numbers = Numbers()
        self._own: dict[tuple[int, int], int] = {}  # (member's local id, member) -> its number
        self._views: dict[
            tuple[int, int], dict[int, int]
        ] = {}  # (referrer's local id, referrer) -> per member
        self._message_parts: dict[int, tuple[tuple[int, int], ...]] = {}  # message id -> (member, number)
        # the parts of the signatures a state's locals give, and those its network gives: far fewer distinct
        # ones than states, so that a signature is mostly two lookups
        self.n = plan.n
        self._rows: dict[tuple[int, ...], dict[int, int]] = {}  # the nodes' local ids -> per member
        self._network: dict[tuple[Any, ...], tuple[dict[int, int], tuple[int, ...]]] = {}  # per member, apart
        self._parts = Numbers()  # a row's or a member's messages, numbered

    def numbering(self) -> tuple[dict[Any, int], dict[tuple[Any, ...], int]]:
        """The numbers given so far to the parts of signatures (a checkpoint keeps them: the representative
        of a state follows them, so a resumed search must number as the first one did)."""
        return dict(self._numbers.ids), dict(self._parts.ids)

    def renumber(self, numbering: tuple[dict[Any, int], dict[tuple[Any, ...], int]]) -> None:
        for numbers, given in zip((self._numbers, self._parts), numbering, strict=True):
            for key, number in sorted(given.items(), key=lambda item: item[1]):
                if numbers.number(key) != number:
                    raise ValueError("the checkpoint was made for another spec or other options")

    def numbers(self) -> tuple[Numbers, Numbers]:
        """The tables that number signature parts (workers of one search share their numbering)."""
        return self._numbers, self._parts

    # ---------------------------------------------------------------- applying a permutation

    def permute_local(self, lid: int, i: int, p: Perm) -> int:
        key = (lid, p)
        found = self._locals.get(key)
        if found is None:
            local = self.effects.locals.values[lid]
            permuters = self.local_permuters[self.plan.instance_type[i].name]
            if not permuters:
                found = lid
            else:
                values = list(local)
                for slot, f in permuters:
                    values[VARS + slot] = f(values[VARS + slot], p)
                found = self.effects.locals.intern(tuple(values), self.plan.kind[i])
            self._locals[key] = found
        return found

    def permute_message(self, mid: int, p: Perm) -> int:
        key = (mid, p)
        found = self._messages.get(key)
        if found is None:
            src, dst, message, args = self.effects.msgs.values[mid]
            permuters = self.field_permuters[message]
            fields = tuple(f(a, p) if f is not None else a for f, a in zip(permuters, args, strict=True))
            found = self._messages[key] = self.effects.msgs.intern(p[src], p[dst], message, fields)
        return found

    def permute(self, state: State, p: Perm) -> State:
        plan = self.plan
        n = plan.n
        locals_ = [0] * n
        for i in range(n):
            locals_[p[i]] = self.permute_local(state[i], i, p)
        stride = plan.stride
        order = self.effects.order
        entries = tuple(
            self.permute_message(e // stride, p) * stride + e % stride for e in order.entries(state[n])
        )
        spent = state[n + 1]
        if spent[CUT]:
            cut = self.plan.cuts[spent[CUT]]
            moved = frozenset(p[link // n] * n + p[link % n] for link in cut)
            spent = spent[:CUT] + (self.cut_index[moved],) + spent[CUT + 1 :]
        return (*locals_, order.add((), entries), spent, state[n + 2])

    # ---------------------------------------------------------------- the representative

    def fingerprint(self, state: State) -> int:
        """The same number for every state of one orbit, and (but for hash collisions) different numbers for
        different orbits. When members with equal signatures are interchangeable (nothing ties two members
        together), the orbit is its members' signatures and the parts no member is in, with no state built;
        otherwise it is the representative's hash."""
        if self.ties_matter:
            return hash(self.representative(state))
        n = self.n
        spent = state[n + 1]
        messages, apart = self._network_parts(state[n])
        if spent[CUT]:
            signatures = self._signatures_of(state)
            groups = tuple(tuple(sorted(signatures[i] for i in group)) for group in self.groups)
        else:  # the common case, without a partition: the same signatures, built in place
            lids = state[:n]
            rows = self._rows.get(lids)
            if rows is None:
                rows = self._cached_rows(lids)
            groups = tuple(tuple(sorted((rows[i], messages[i]) for i in group)) for group in self.groups)
        # (signatures are of numbers: the markers -1 and -2, which Python's hash cannot tell apart, are
        # numbered away below them)
        return hash((groups, tuple(state[j] for j in self.others), apart, spent, state[n + 2]))

    def representative(self, state: State) -> State:
        best: State | None = None
        for p in self.candidates(state):
            image = self.permute(state, p)
            if best is None or image < best:
                best = image
        assert best is not None
        return best

    def too_many_orders(self) -> list[str]:
        """The types to leave unreduced, largest first, so that a state has at most MAX_ORDERS orders of
        tied instances to compare (none when ties do not matter: any one order will do)."""
        if not self.ties_matter:
            return []
        sizes = sorted(((len(g), self.plan.instance_type[g[0]].name) for g in self.groups), reverse=True)
        dropped = []
        while sizes and math.prod(math.factorial(size) for size, _ in sizes) > MAX_ORDERS:
            dropped.append(sizes.pop(0)[1])
        return dropped

    def candidates(self, state: State) -> Iterator[Perm]:
        """The permutations that sort each group's instances by signature, every order among equal ones."""
        n = self.plan.n
        signatures = self._signatures_of(state)
        per_group: list[list[list[tuple[int, int]]]] = []  # per group, its options: (old, new) pairs
        for group in self.groups:
            keyed = sorted((signatures[i], i) for i in group)
            ordered = [i for _, i in keyed]
            if not self.ties_matter:  # equal signatures: interchangeable instances, any order will do
                per_group.append([list(zip(ordered, group, strict=True))])
                continue
            ties = [[i for _, i in tie] for _, tie in itertools.groupby(keyed, key=lambda ki: ki[0])]
            options = []
            for arrangement in itertools.product(*(itertools.permutations(tie) for tie in ties)):
                olds = [i for tie in arrangement for i in tie]
                options.append(list(zip(olds, group, strict=True)))
            per_group.append(options)
        for choice in itertools.product(*per_group):
            p = list(range(n))
            for pairs in choice:
                for old, new in pairs:
                    p[old] = new
            yield tuple(p)

    def _signatures_of(self, state: State) -> dict[int, Any]:
        """What each member is, with every member's identity hidden (the member itself as _SELF), as three
        numbers (equal parts get equal numbers, whatever the permutation): its local state with how the other
        nodes refer to it, the messages it sends or receives, and which side of a partition it is on."""
        n = self.n
        lids = state[:n]
        rows = self._rows.get(lids)
        if rows is None:
            rows = self._cached_rows(lids)
        messages, _ = self._network_parts(state[n])
        spent = state[n + 1]
        if not spent[CUT]:
            return {i: (row, messages[i], -3) for i, row in rows.items()}  # -3: on no side (sides are >= 0)
        cut = self.plan.cuts[spent[CUT]]
        out: dict[int, Any] = {}
        for i, row in rows.items():
            mask = self.masks[i]
            side = tuple(
                sorted((mask[link // n], mask[link % n]) for link in cut if i in (link // n, link % n))
            )
            out[i] = (row, messages[i], self._part_number(side))  # numbered: hash(-1) == hash(-2)
        return out

    def _cached_rows(self, lids: tuple[int, ...]) -> dict[int, int]:
        if len(self._rows) >= _CACHED:
            self._rows.clear()
        rows = self._rows[lids] = self._rows_of(lids)
        return rows

    def _rows_of(self, lids: tuple[int, ...]) -> dict[int, int]:
        """Per member, numbered: the number of its own local state, then of each referrer's as it sees it."""
        rows: dict[int, list[int]] = {}
        for i, mask in self.masks.items():
            rows[i] = [self._own_number(lids[i], i, mask)]
        for j in self.referrers:
            views = self._views.get((lids[j], j))
            if views is None:
                views = self._views[(lids[j], j)] = {
                    i: self._number(self._masked_local(lids[j], j, mask)) for i, mask in self.masks.items()
                }
            for i, number in views.items():
                rows[i].append(number)
        return {i: self._part_number(tuple(row)) for i, row in rows.items()}

    def _part_number(self, part: tuple[Any, ...]) -> int:
        """A number per distinct part (of plain numbers, so no canonical key is needed)."""
        return self._parts.number(part)

    def _own_number(self, lid: int, i: int, mask: Perm) -> int:
        number = self._own.get((lid, i))
        if number is None:
            number = self._own[(lid, i)] = self._number(self._masked_local(lid, i, mask))
        return number

    def _network_parts(self, network: tuple[Any, ...]) -> tuple[dict[int, int], tuple[int, ...]]:
        """Of a network: per member, the messages it sends or receives as it sees them (with their delivery
        marks), numbered; and the entries no member is part of."""
        found = self._network.get(network)
        if found is not None:
            return found
        if len(self._network) >= _CACHED:
            self._network.clear()
        messages: dict[int, list[tuple[int, int]]] = {i: [] for i in self.masks}
        apart: list[int] = []
        stride = self.plan.stride
        parts = self._message_parts
        for e in self.effects.order.entries(network):
            mid = e // stride
            members = parts.get(mid)
            if members is None:
                members = parts[mid] = self._parts_of(mid)
            if not members:
                apart.append(e)
            for i, number in members:
                messages[i].append((number, e % stride))
        numbered = {i: self._part_number(tuple(sorted(m))) for i, m in messages.items()}
        found = self._network[network] = (numbered, tuple(apart))
        return found

    def _number(self, value: Any) -> int:
        return self._numbers.number(canonical_key(value))

    def _masked_local(self, lid: int, j: int, mask: Perm) -> tuple[Any, ...]:
        """Node j's local state with member references masked (as member `mask` is about sees them)."""
        values = list(self.effects.locals.values[lid])
        for slot, f in self.local_permuters[self.plan.instance_type[j].name]:
            values[VARS + slot] = f(values[VARS + slot], mask)
        return tuple(values)

    def _parts_of(self, mid: int) -> tuple[tuple[int, int], ...]:
        """The members a message is from or to, each with the number of the message as it sees it."""
        src, dst, message, args = self.effects.msgs.values[mid]
        permuters = self.field_permuters[message]
        out = []
        for i in sorted({src, dst} & self.masks.keys()):
            mask = self.masks[i]
            fields = tuple(f(a, mask) if f is not None else a for f, a in zip(permuters, args, strict=True))
            out.append((i, self._number((mask[src], mask[dst], message, fields))))
        return tuple(out)


# How many locals and networks the signature caches hold before they start again (their numbers stay).
_CACHED = 1 << 20


def _joint(t: ir.Type, members: set[int]) -> bool:
    """Whether one value of type t can tie two member references together (a pair of them, a map from one to
    another, a set of sets of them): signatures, which see one member at a time, do not capture that."""
    if isinstance(t, ir.OptionT):
        return _joint(t.inner, members)
    if isinstance(t, ir.SetT):
        return _joint(t.elem, members) or (
            isinstance(t.elem, ir.SetT | ir.MapT) and _mentions(t.elem, members)
        )
    if isinstance(t, ir.MapT):
        return (
            (_mentions(t.key, members) and _mentions(t.value, members))
            or _joint(t.value, members)
            or _joint(t.key, members)
        )
    if isinstance(t, ir.TupleT):
        return sum(_mentions(i, members) for i in t.items) >= 2 or any(_joint(i, members) for i in t.items)
    return False


def _peer_links(system: ir.System, members: set[int]) -> bool:
    """Whether a member may send to another member (then which peer a message is from tells them apart)."""
    for nt in system.node_types:
        if not members & set(nt.instances):
            continue
        for h in nt.handlers:
            for sub in ir.walk(h):
                if isinstance(sub, ir.Send | ir.Broadcast):
                    dest = sub.dest if isinstance(sub, ir.Send) else sub.dests
                    if _mentions(dest.type, members):
                        return True
    return False
