"""Jinja2's sandbox with a budget: one email costs bounded time and memory, whatever its template.

Templates are typed by people, so ``{{ 'x' * 10**9 }}``, two nested ``range(100000)`` loops or
``{{ lipsum(n=1000000) }}`` are to be expected. Each used to run for minutes and take gigabytes,
stopping the whole cycle. :class:`BudgetedEnvironment` refuses them inside the template, so the
template fails alone (a :class:`BudgetExceeded`, which the caller turns into that row's problem):

- every value a template builds (text, list, number) is checked after each operator, call and
  filter, and the operations that multiply size (``*``, ``**``, ``%``, ``+``, widths such as
  ``center(10**9)``, ``replace``, ``join``, ``indent``) are checked *before* they run, from their
  arguments, so no single step can allocate more than a few times :data:`MAX_VALUE`;
- ``range`` stops at :data:`MAX_RANGE` items, ``lipsum`` is not offered (no email needs it);
- every ``for`` loop is wrapped (the parsed tree is rewritten) so each iteration checks the
  clock: loops that produce nothing cannot run past the deadline either;
- the output is produced piece by piece (``Template.generate``) and stops past
  :data:`MAX_OUTPUT` characters or the deadline.

Why not a subprocess with resource limits: a cycle renders thousands of emails (about 50 µs
each); a process per email would cost more than the whole cycle, and a worker pool would add
process management for a job the sandbox's own hooks can do. What stays out of reach is a single
C-level step that is slow on small inputs; none is reachable from the sandbox's operators with
the size checks above (the test tries the known ones).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from jinja2 import nodes
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from sheet_schema.formatting import number

# Characters of one rendered column (subject or body): a long newsletter is 20,000.
MAX_OUTPUT = 100_000
# Characters of any one text, or items of any one list, a template builds along the way.
MAX_VALUE = 100_000
# Bits of any whole number a template computes (about 30,000 digits).
MAX_INT_BITS = 100_000
# Items of range(); Jinja's own sandbox allows 100,000.
MAX_RANGE = 10_000
# Wall-clock seconds to render one email (subject and body); real templates take microseconds.
SECONDS_PER_EMAIL = 1.0
_LOOP_FILTER = "budgeted_loop"
_VALUE_FILTER = "budgeted_value"
_BIG_WIDTH = re.compile(r"\d{6,}")


class BudgetExceeded(Exception):
    """A template went over its budget; ``code`` and ``params`` name which (messages catalog)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def message_params(params: Mapping[str, object], language: str) -> dict[str, str]:
    """A budget error's params for its sentence: limits written the language's way (100.000)."""
    return {
        name: number(float(value), language) if isinstance(value, (int, float)) else str(value)
        for name, value in params.items()
    }


class _Deadline(threading.local):
    at: float = float("inf")


def _size(value: object) -> int:
    """How big a value is, in the units of MAX_VALUE (characters, items); 0 when unsized."""
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
        return len(value)
    return 0


def _check_value(value: object) -> object:
    if _size(value) > MAX_VALUE:
        raise BudgetExceeded("template.too_big_value", limit=MAX_VALUE)
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise BudgetExceeded("template.too_big_number")
    return value


def _check_arguments(args: Iterable[object]) -> None:
    """Widths and counts above MAX_VALUE ('x'.center(10**9), indent(10**9)) are refused."""
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_VALUE:
            raise BudgetExceeded("template.too_big_value", limit=MAX_VALUE)


def _estimate(name: str, subject: object, args: tuple[Any, ...]) -> int:
    """The size a size-multiplying string operation would produce, before it runs."""
    if not isinstance(subject, str):
        return 0
    if name == "replace" and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        return len(subject) + (len(subject) // max(len(old), 1) + 1) * len(new)
    if name == "join" and args and hasattr(args[0], "__len__"):
        items = args[0]
        return len(subject) * len(items) + sum(len(str(i)) for i in list(items)[: MAX_VALUE + 1])
    if name == "indent" and args:
        width = args[0] if isinstance(args[0], int) else len(str(args[0]))
        return len(subject) + width * (subject.count("\n") + 1)
    if name in ("format", "format_map") and _BIG_WIDTH.search(subject):
        return MAX_VALUE + 1  # "{:>999999999}": a width that big is never meant
    return 0


def _filtered(node: nodes.Node, name: str) -> nodes.Expr:
    assert isinstance(node, nodes.Expr)  # what For.iter, Concat and Output hold
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


class BudgetedEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, bounded in time and size (see the module's docstring)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        # The optimizer would run constant parts ('x'|center(10**9)) while compiling, outside
        # the budget's clock; without it, compiling never runs the template's code.
        super().__init__(optimized=False, **options)
        self._deadline = _Deadline()
        self.globals["range"] = self._range
        self.globals.pop("lipsum", None)
        self.filters = {name: self._budgeted(name, f) for name, f in self.filters.items()}
        self.filters[_LOOP_FILTER] = self._loop
        self.filters[_VALUE_FILTER] = self._value

    # --- the clock ------------------------------------------------------------------------------

    def render_within(self, pieces: Iterator[str], deadline: float) -> str:
        """Join a template's generated pieces, stopping past MAX_OUTPUT characters or the
        deadline (time.monotonic())."""
        self._deadline.at = deadline
        try:
            out: list[str] = []
            length = 0
            for piece in pieces:
                length += len(piece)
                if length > MAX_OUTPUT:
                    raise BudgetExceeded("template.too_long", limit=MAX_OUTPUT)
                out.append(piece)
                self._tick()
            return "".join(out)
        finally:
            self._deadline.at = float("inf")

    def _tick(self) -> None:
        if time.monotonic() > self._deadline.at:
            raise BudgetExceeded("template.too_slow", seconds=SECONDS_PER_EMAIL)

    # --- hooks ----------------------------------------------------------------------------------

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        # Every loop's iterable goes through _loop, which checks the clock at each item.
        for loop in list(tree.find_all(nodes.For)):
            loop.iter = _filtered(loop.iter, _LOOP_FILTER)
        # `a ~ b` and `{% set x %}...{% endset %}` build text without an operator or a call:
        # checked too, or doubling a namespace value in a loop would reach gigabytes.
        for concat in list(tree.find_all(nodes.Concat)):
            concat.nodes = [_filtered(n, _VALUE_FILTER) for n in concat.nodes]
        for block in list(tree.find_all(nodes.Output)):
            block.nodes = [_filtered(n, _VALUE_FILTER) for n in block.nodes]
        return tree

    def _value(self, value: Any) -> Any:
        self._tick()
        return _check_value(value)

    def _loop(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self._tick()
            yield item

    def _range(self, *args: int) -> range:
        self._tick()
        numbers = range(*args)
        if len(numbers) > MAX_RANGE:
            raise BudgetExceeded("template.too_big_range", limit=MAX_RANGE)
        return numbers

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """``*``, ``**``, ``+`` and ``%``, refused when the result would be too big."""
        self._tick()
        if operator == "*":
            count, sized = (right, left) if isinstance(right, int) else (left, right)
            if isinstance(count, int) and _size(sized) * max(count, 0) > MAX_VALUE:
                raise BudgetExceeded("template.too_big_value", limit=MAX_VALUE)
            both = isinstance(left, int) and isinstance(right, int)
            if both and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise BudgetExceeded("template.too_big_number")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int):
            if abs(left) > 1 and right > 0 and left.bit_length() * right > MAX_INT_BITS:
                raise BudgetExceeded("template.too_big_number")
        elif operator == "+" and _size(left) + _size(right) > MAX_VALUE:
            raise BudgetExceeded("template.too_big_value", limit=MAX_VALUE)
        elif operator == "%" and isinstance(left, str):
            _check_arguments(right if isinstance(right, tuple) else (right,))
            if _BIG_WIDTH.search(left):
                raise BudgetExceeded("template.too_big_value", limit=MAX_VALUE)
        return _check_value(super().call_binop(context, operator, left, right))

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Attribute access, on the clock."""
        self._tick()
        return super().getattr(obj, attribute)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """A call from a template (methods, macros, globals), checked before and after."""
        __self._tick()
        _check_arguments(args)
        _check_arguments(kwargs.values())
        wrapped = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by the sandbox
        name = getattr(wrapped, "__name__", "")
        if _estimate(name, getattr(wrapped, "__self__", None), args) > MAX_VALUE:
            raise BudgetExceeded("template.too_big_value", limit=MAX_VALUE)
        return _check_value(super().call(__context, __obj, *args, **kwargs))

    def _budgeted(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """A built-in filter, checked like a call; it keeps the flags Jinja reads from it."""

        def budgeted(*args: Any, **kwargs: Any) -> Any:
            self._tick()
            _check_arguments(kwargs.values())
            # Filters may take the context or environment first: the value is the first text.
            passed = (Context, EvalContext, BudgetedEnvironment)
            values = [a for a in args if not isinstance(a, passed)]
            if values:
                _check_arguments(values[1:])
                subject, rest = values[0], tuple(values[1:])
                if name == "join":  # items|join(separator): the separator is the subject
                    subject, rest = (rest[0] if rest else ""), (subject,)
                if _estimate(name, subject, rest) > MAX_VALUE:
                    raise BudgetExceeded("template.too_big_value", limit=MAX_VALUE)
            return _check_value(function(*args, **kwargs))

        for flag in ("jinja_pass_arg", "__name__", "__doc__"):
            if hasattr(function, flag):
                setattr(budgeted, flag, getattr(function, flag))
        return budgeted
