"""IR expressions and statements -> Python closures, once per spec and model.

Nothing here walks the IR while the explorer runs: each node becomes a closure when the model is built.
Closures take a Ctx (context.py); expressions.py and statements.py hold one method per IR node class.
"""

from explorer.compile.context import NO_RUNTIME_ERRORS, Block, Ctx, Fn, Raised, World, fail, in_order
from explorer.compile.expressions import EXPRESSIONS
from explorer.compile.statements import STATEMENTS, Compiler
from explorer.model import SpecRuntimeError

__all__ = [
    "EXPRESSIONS",
    "NO_RUNTIME_ERRORS",
    "STATEMENTS",
    "Block",
    "Compiler",
    "Ctx",
    "Fn",
    "Raised",
    "SpecRuntimeError",
    "World",
    "fail",
    "in_order",
]
