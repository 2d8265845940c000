"""The code's shape, as the developers' guide asks: no function in ``lowlight_gui/`` takes more
than 8 parameters (``self`` / ``cls`` not counted, keyword-only ones counted, ``*args`` and
``**kwargs`` one each)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lowlight_gui"
MAX_PARAMETERS = 8


def parameter_count(fn: ast.FunctionDef | ast.AsyncFunctionDef, in_class: bool) -> int:
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    if in_class and positional and positional[0].arg in ("self", "cls"):
        positional = positional[1:]
    return len(positional) + len(a.kwonlyargs) + (a.vararg is not None) + (a.kwarg is not None)


def too_long(source: str, name: str) -> list[str]:
    """``file:line function (n parameters)`` for every function of ``source`` over the limit."""
    found = []

    def walk(node: ast.AST, in_class: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = parameter_count(child, in_class)
                if n > MAX_PARAMETERS:
                    found.append(f"{name}:{child.lineno} {child.name} ({n} parameters)")
                walk(child, False)
            else:
                walk(child, isinstance(child, ast.ClassDef))

    walk(ast.parse(source), False)
    return found


def test_the_counter_counts_what_the_guide_means():
    source = (
        "def nine(a, b, c, d, e, f, g, h, i): pass\n"
        "def eight(a, b, c, d, e, f, g, *, h): pass\n"
        "def splat(a, b, c, d, e, f, g, *args, **kwargs): pass\n"
        "class K:\n"
        "    def method(self, a, b, c, d, e, f, g, h): pass\n"
        "    def more(self, a, b, c, d, e, f, g, h, *, i=1): pass\n"
        "    def outer(self):\n"
        "        def self_is_a_parameter_here(self, a, b, c, d, e, f, g, h): pass\n"
    )
    assert [line.split()[1] for line in too_long(source, "x.py")] == [
        "nine",
        "splat",
        "more",
        "self_is_a_parameter_here",
    ]


def test_no_function_in_the_package_takes_more_than_8_parameters():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        offenders += too_long(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))
    assert not offenders, "functions with more than 8 parameters:\n" + "\n".join(offenders)
