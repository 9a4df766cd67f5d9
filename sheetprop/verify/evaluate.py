"""Evaluating expression trees on a sheet's values, without recursion and without compiling per tree.

verify evaluates many trees: each quantity's definition on every row, a student's formula read as a tree,
and the slips it tries (the definition's tree with one part changed). Two ways, both walking a tree with
a stack of their own, so that no tree, however wide (a net over 5,000 inputs), exhausts Python's:

- ``compile_tree``: a definition judged on every row is turned once into straight-line Python, one step
  per node (a sum of 5,000 terms in steps of a few dozen), each step the python dialect's own rendering of
  that node: the same runtimes, in the same order, as the engine.
- ``Batch``: a tree evaluated on several rows at once (lists of values), each distinct node once: a slip
  tried costs the nodes it changes, the rest of the tree is shared with the definition's values.

>>> from sheetprop.expr import Fn, Param, Sym
>>> tree = (Sym("a_o1") - Param("t1")) * Fn("sigmoid", Sym("w5", prev=True))
>>> compile_tree(tree)({"a_o1": 0.75}, {"w5": 0.0}, {"t1": 0.25})
0.25
>>> Batch(2, lambda leaf: {"a_o1": [0.75, 1.0], "t1": [0.25, 0.0], "w5": [0.0, 0.0]}[leaf.name]).values(tree)
[0.25, 0.5]
"""

from __future__ import annotations

import math
from typing import Callable, Iterator

from sheetprop.dialects import NAMESPACE, render
from sheetprop.expr import Call, Cycle, Expr, Fn, If, Num, Op, Param, Sym
from sheetprop.functions import FUNCTIONS

MAX_DEPTH = 200     # nodes nested deeper than this are no formula a person wrote: refused, not walked
CHUNK = 32          # terms of a sum (or product) per step of straight-line source


class TooDeep(ValueError):
    """A tree nested deeper than MAX_DEPTH."""


def children(node: Expr) -> tuple:
    """The subtrees a node computes from (none for a leaf)."""
    if isinstance(node, Op):
        return node.args
    if isinstance(node, Fn):
        return (node.arg,)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, If):
        return (node.test, node.then, node.otherwise)
    if isinstance(node, Cycle):
        return (node.counter, *node.options)
    return ()


def postorder(expr: Expr) -> Iterator[Expr]:
    """Every node of ``expr`` once per place it takes, children before their parent, left to right."""
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if ready:
            yield node
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(children(node)))


def preorder(expr: Expr) -> Iterator[Expr]:
    """Every node of ``expr`` once per place it takes, outermost first, left to right."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def replace_at(expr: Expr, i: int, new: Expr) -> Expr:
    """``expr`` with its i-th node in preorder replaced by ``new``: only the nodes on the way down to it are
    made again; every other subtree is the very object it was (a Batch reuses its values).

    >>> tree = Sym("a") * (Sym("b") + Sym("c"))
    >>> changed = replace_at(tree, 3, Sym("x"))
    >>> changed, changed.args[0] is tree.args[0]
    (Op(op='*', args=(Sym(name='a', prev=False), Op(op='+', args=(Sym(name='x', prev=False), Sym(name='c', prev=False))))), True)
    """
    path, stack, count = [], [(expr, ())], 0
    while stack:   # the positions of the i-th node, child by child
        node, where = stack.pop()
        if count == i:
            path = list(where)
            break
        count += 1
        stack.extend((child, (*where, j)) for j, child in reversed(list(enumerate(children(node)))))
    else:
        raise IndexError(i)
    chain = [expr]
    for j in path:
        chain.append(children(chain[-1])[j])
    replaced = new
    for parent, j in zip(reversed(chain[:-1]), reversed(path)):
        args = list(children(parent))
        args[j] = replaced
        replaced = _rebuilt(parent, args)
    return replaced


def rebuild(expr: Expr, change: Callable[[Expr], Expr | None]) -> Expr:
    """``expr`` with every node for which ``change`` gives a tree replaced by it (outermost first; what
    replaces a node is not looked into), as ``expr.substitute(..., every_node=True)`` does, but walked with a
    stack of its own, and every subtree that holds no change is the very object it was.

    >>> tree = Sym("a") * (Sym("b") + Sym("a"))
    >>> swapped = rebuild(tree, lambda node: Sym("b") if node == Sym("a") else None)
    >>> swapped.args[1].args, rebuild(tree, lambda node: None) is tree
    ((Sym(name='b', prev=False), Sym(name='b', prev=False)), True)
    """
    entries, stack = [], [(expr, -1)]   # (node, its parent's entry), parents before children
    while stack:
        node, parent = stack.pop()
        entries.append([node, parent, change(node)])
        if entries[-1][2] is None:
            here = len(entries) - 1
            stack.extend((child, here) for child in reversed(children(node)))
    made: dict[int, list] = {}   # entry → its children as rebuilt
    for index in range(len(entries) - 1, -1, -1):   # children before their parents
        node, parent, new = entries[index]
        if new is None:
            args = made.pop(index, None)
            kids = children(node)
            new = node if args is None or all(a is k for a, k in zip(reversed(args), kids)) \
                else _rebuilt(node, list(reversed(args)))
        if parent < 0:
            return new
        made.setdefault(parent, []).append(new)
    raise AssertionError("unreachable")


def depth(expr: Expr) -> int:
    """How deeply ``expr`` nests (a leaf: 1), counted with a stack of its own.

    >>> depth(Sym("a") + Sym("b") * Sym("c"))
    3
    """
    deepest, stack = 0, [(expr, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(node))
    return deepest


def check_depth(expr: Expr) -> Expr:
    """``expr``, or TooDeep when it nests deeper than anything walked by recursion may (hashing, rendering)."""
    if depth(expr) > MAX_DEPTH:
        raise TooDeep(f"nested more than {MAX_DEPTH} deep")
    return expr


# ---------------------------------------------------------------------------------------- one operation

_X, _Y = Sym("x"), Sym("y")


def _operation(template: Expr, names: tuple[str, ...]) -> Callable:
    """The python dialect's rendering of one operation over plain names, as a function of them: how verify
    computes + − · / ^ and the comparisons is how the engine does (``_div``, ``_pow``)."""
    source = render(template, "python", lambda leaf: leaf.name)
    return eval(f"lambda {', '.join(names)}: {source}", dict(NAMESPACE))  # noqa: S307 - our own rendering


_BINARY = {op: _operation(Op(op, (_X, _Y)), ("x", "y")) for op in ("+", "-", "*", "/", "^", "<", ">", "=")}
_NEGATE = _operation(Op("neg", (_X,)), ("x",))


def _safe(function: Callable) -> Callable:
    def call(*args):
        try:
            return function(*args)
        except (ArithmeticError, ValueError, TypeError, IndexError):
            return math.nan
    return call


_SAFE_BINARY = {op: _safe(f) for op, f in _BINARY.items()}
_SAFE_NEGATE = _safe(_NEGATE)
_RUNTIMES = {name: _safe(record.runtime) for name, record in FUNCTIONS.items()}


def _cycle(counter: float, *options: float) -> float:
    return options[int(counter - 1) % len(options)]


_SAFE_CYCLE = _safe(_cycle)


def _apply(node: Expr, args: list[list[float]], n: int) -> list[float]:
    """One node's values on n rows from its children's."""
    if isinstance(node, Op):
        if node.op == "neg":
            return [_SAFE_NEGATE(x) for x in args[0]]
        f = _SAFE_BINARY[node.op]
        values = args[0]
        for other in args[1:]:   # n-ary: from the left, as the dialects compute it
            values = [f(x, y) for x, y in zip(values, other)]
        return values
    if isinstance(node, Fn):
        f = _RUNTIMES[node.name]
        return [f(x) for x in args[0]]
    if isinstance(node, Call):
        f = _RUNTIMES[node.name]
        return [f(*row) for row in zip(*args)]
    if isinstance(node, If):
        return [then if test else otherwise for test, then, otherwise in zip(*args)]
    if isinstance(node, Cycle):
        return [_SAFE_CYCLE(*row) for row in zip(*args)]
    raise TypeError(f"verify does not evaluate {type(node).__name__}")


class Batch:
    """Trees evaluated on ``n`` rows at once; ``leaf(node)`` gives a Sym's or Param's n values. Each node
    is computed once (by identity: a tree that shares a subtree with one evaluated before reuses its values).

    >>> batch = Batch(1, lambda leaf: [2.0])
    >>> batch.values(Sym("a") * Sym("a") + Num(1.0))
    [5.0]
    """

    def __init__(self, n: int, leaf: Callable[[Expr], list[float]]):
        self.n, self.leaf = n, leaf
        self._known: dict[int, tuple[Expr, list[float]]] = {}   # id → (node, its values): the node kept alive
        self._leaves: dict[Expr, list[float]] = {}

    def values(self, expr: Expr, keep: bool = True) -> list[float]:
        """The values of ``expr`` on the n rows. ``keep=False``: the nodes it does not share with trees kept
        before are forgotten afterwards (a slip tried once: thousands of them would fill the memory)."""
        known = self._known
        mine = known if keep else {}
        stack = [(expr, False)]
        while stack:
            node, ready = stack.pop()
            key = id(node)
            if key in known or key in mine:
                continue
            if isinstance(node, (Sym, Param)):
                if node not in self._leaves:
                    self._leaves[node] = self.leaf(node)
                mine[key] = (node, self._leaves[node])
            elif isinstance(node, Num):
                mine[key] = (node, [node.value] * self.n)
            elif ready:
                args = [(known.get(id(c)) or mine[id(c)])[1] for c in children(node)]
                mine[key] = (node, _apply(node, args, self.n))
            else:
                stack.append((node, True))
                stack.extend((child, False) for child in children(node) if id(child) not in known
                             and id(child) not in mine)
        return (known.get(id(expr)) or mine[id(expr)])[1]


# ---------------------------------------------------------------------------------------- compiled once

def compile_tree(expr: Expr) -> Callable[[dict, dict, dict], float]:
    """A function of (V, U, P), this row's values, the row above's and the parameters, computing ``expr``
    as straight-line Python: one step per distinct node, each the python dialect's rendering of that node
    over the steps before it. A sum of any width compiles in steps of CHUNK terms, so nothing nests."""
    lines, steps = ["def tree(V, U, P):"], {}   # a node (by identity; a leaf by name) → its step

    def step(node: Expr, text: str) -> Sym:
        name = f"s{len(lines)}"
        lines.append(f"    {name} = {text}")
        return Sym(name)

    def key(node):   # hashing a tree walks all of it, by recursion: a leaf is hashed, a tree is not
        return node if isinstance(node, (Sym, Param, Num)) else id(node)

    kept = []   # the nodes keyed by identity, kept alive while their ids are keys
    for node in postorder(expr):
        if key(node) in steps:
            continue
        kept.append(node)
        if isinstance(node, Param):
            steps[node] = step(node, f"P[{node.name!r}]")
        elif isinstance(node, Sym):
            steps[node] = step(node, f"{'U' if node.prev else 'V'}[{node.name!r}]")
        elif isinstance(node, Num):
            steps[node] = node
        else:
            args = [steps[key(child)] for child in children(node)]
            if isinstance(node, Op) and len(args) > CHUNK:
                head = step(node, render(Op(node.op, tuple(args[:CHUNK])), "python", lambda leaf: leaf.name))
                for start in range(CHUNK, len(args), CHUNK - 1):
                    part = Op(node.op, (head, *args[start:start + CHUNK - 1]))
                    head = step(node, render(part, "python", lambda leaf: leaf.name))
                steps[id(node)] = head
                continue
            steps[id(node)] = step(node, render(_rebuilt(node, args), "python", lambda leaf: leaf.name))
    result = steps[key(expr)]
    lines.append(f"    return {render(result, 'python') if isinstance(result, Num) else result.name}")
    namespace = {"__builtins__": {}, "int": int, **NAMESPACE}
    exec(compile("\n".join(lines), "<sheetprop verify>", "exec"), namespace)  # noqa: S102 - our own rendering
    return namespace["tree"]


def _rebuilt(node: Expr, args: list) -> Expr:
    """``node`` computing from ``args`` in place of its children."""
    if isinstance(node, Op):
        return Op(node.op, tuple(args))
    if isinstance(node, Fn):
        return Fn(node.name, args[0])
    if isinstance(node, Call):
        return Call(node.name, tuple(args))
    if isinstance(node, If):
        return If(*args)
    if isinstance(node, Cycle):
        return Cycle(args[0], tuple(args[1:]))
    raise TypeError(f"verify does not evaluate {type(node).__name__}")
