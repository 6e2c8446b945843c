"""Every refusal and every flashed message goes through gettext.

An AST scan of every module under eventhub/: a call of a DomainError subclass (any class
deriving from eventhub.errors.DomainError, found by resolving the module's imports), of
`<DomainError subclass>.for_field` or of `flash` must be given its message as a literal
marked with N_() or _() (or gettext/ngettext), never an f-string, a concatenation, a
formatted string, an unmarked literal or a variable holding one. What is allowed:

- a name or table entry whose every assignment is a marked literal (a module constant
  `MESSAGE = N_("...")`, a dict of N_() values looked up by key, a local `text = _("...")`);
- `_(NAME)` / `_(TABLE[key])` over such marked msgids, and a conditional between marked ones;
- an existing error's `.message` (its msgid) or `.detail` (already translated), as when an
  error is raised again in another form;
- a parameter of the enclosing function passed through (as errors.py does with `message`,
  or a helper that builds one refusal): that function's own call sites are checked instead.

The scan is checked on a made-up module first, so it is known to catch what it should and
to let pass what it should.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flask
import flask_babel

import eventhub
from eventhub import i18n
from eventhub.errors import DomainError

PACKAGE = Path(eventhub.__file__).resolve().parent
ROOT = PACKAGE.parent
_MARKERS = {i18n._, i18n.N_, i18n.gettext, i18n.ngettext, i18n.translate, flask_babel.gettext,
            flask_babel.ngettext}
# N_ marks a literal and nothing else; the others translate a marked msgid too.
_LITERAL_ONLY = {i18n.N_}
_PASSED_ON = {"message", "detail"}  # attributes of an existing DomainError


@dataclass(frozen=True)
class _Takes:
    """Where a callable receives its message."""

    position: int
    keyword: str
    # The argument is a function whose result is the message (a callback).
    returns: bool = False


@dataclass
class _Module:
    name: str
    path: Path
    tree: ast.Module
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)
    namespace: dict[str, Any] | None = None  # the module's globals, once imported

    def globals(self) -> dict[str, Any]:
        if self.namespace is None:
            self.namespace = vars(importlib.import_module(self.name))
        return self.namespace


def _modules() -> Iterator[tuple[str, Path]]:
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="eventhub."):
        spec = importlib.util.find_spec(info.name)
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            yield info.name, Path(spec.origin)
    yield "eventhub", PACKAGE / "__init__.py"


def _parse(name: str, path: Path, source: str | None = None) -> _Module:
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"),
                     filename=str(path))
    module = _Module(name, path, tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            module.parents[child] = node
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    module.imports[alias.asname] = (alias.name, None)
                else:
                    top = alias.name.split(".")[0]
                    module.imports[top] = (top, None)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                module.imports[alias.asname or alias.name] = (base, alias.name)
    return module


def _load(dotted: str, attribute: str | None) -> Any:
    try:
        owner = importlib.import_module(dotted)
    except ImportError:
        return None
    if attribute is None:
        return owner
    if hasattr(owner, attribute):
        return getattr(owner, attribute)
    try:
        return importlib.import_module(f"{dotted}.{attribute}")
    except ImportError:
        return None


class _Scan:
    def __init__(self, modules: list[_Module]):
        self.modules = modules
        # Functions found to pass a parameter on as a message: by object, and by name
        # within their module for the ones no import reaches (nested functions, methods).
        self.relays: dict[Any, _Takes] = {}
        self.local_relays: dict[tuple[str, str], _Takes] = {}

    # Resolving names to objects ----------------------------------------------------------

    def resolve(self, module: _Module, node: ast.AST) -> Any:
        if isinstance(node, ast.Name):
            if node.id in module.imports:
                return _load(*module.imports[node.id])
            return module.globals().get(node.id)
        if isinstance(node, ast.Attribute):
            owner = self.resolve(module, node.value)
            if owner is None:
                return None
            try:
                return getattr(owner, node.attr, None)
            except RuntimeError:  # a context-bound proxy (request, g) outside a request
                return None
        return None

    def takes(self, module: _Module, call: ast.Call) -> tuple[str, _Takes] | None:
        """What the call is (for the report) and where its message is, if it takes one."""
        func = call.func
        target = self.resolve(module, func)
        if inspect.isclass(target) and issubclass(target, DomainError):
            return target.__name__, _Takes(0, "message")
        if isinstance(func, ast.Attribute) and func.attr == "for_field":
            owner = self.resolve(module, func.value)
            if inspect.isclass(owner) and issubclass(owner, DomainError):
                return f"{owner.__name__}.for_field", _Takes(1, "message")
        if target is flask.flash:
            return "flash", _Takes(0, "message")
        if target is not None and _hashable(target) and target in self.relays:
            return getattr(target, "__name__", "?"), self.relays[target]
        name = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else None)
        if target is None and name and (module.name, name) in self.local_relays:
            return name, self.local_relays[(module.name, name)]
        return None

    # Judging a message -------------------------------------------------------------------

    def enclosing_function(self, module: _Module, node: ast.AST
                           ) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        current = module.parents.get(node)
        while current is not None and not isinstance(current, ast.FunctionDef
                                                     | ast.AsyncFunctionDef):
            current = module.parents.get(current)
        return current

    def assignments(self, module: _Module, name: str, at: ast.AST) -> list[ast.AST] | None:
        """The values assigned to `name` in the function around `at`, else at module level;
        None when nothing assigns it there."""
        scopes: list[ast.AST] = []
        function = self.enclosing_function(module, at)
        if function is not None:
            scopes.append(function)
        scopes.append(module.tree)
        for scope in scopes:
            values: list[ast.AST] = []
            for node in ast.walk(scope):
                if scope is module.tree and self.enclosing_function(module, node) is not None:
                    continue
                if isinstance(node, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == name for t in node.targets):
                    values.append(node.value)
                elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(
                        node.target, ast.Name) and node.target.id == name:
                    values.append(node.value if node.value is not None else node)
            if values:
                return values
        return None

    def parameter(self, module: _Module, name: str, at: ast.AST
                  ) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, _Takes] | None:
        function = self.enclosing_function(module, at)
        if function is None:
            return None
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        for index, argument in enumerate(positional):
            if argument.arg == name:
                method = isinstance(module.parents.get(function), ast.ClassDef)
                return function, _Takes(index - 1 if method else index, name)
        if any(argument.arg == name for argument in arguments.kwonlyargs):
            return function, _Takes(-1, name)
        return None

    def marked(self, module: _Module, node: ast.AST | None, literal_only: bool = False,
               depth: int = 0) -> bool:
        """Whether the expression is a msgid marked for translation (or its translation)."""
        if node is None or depth > 8:
            return False
        if isinstance(node, ast.Constant):
            # A bare literal is marked only inside a marker call, checked below.
            return False
        if isinstance(node, ast.Call):
            marker = self.resolve(module, node.func)
            if not _hashable(marker) or marker not in _MARKERS or not node.args:
                return False
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return True
            return marker not in _LITERAL_ONLY and self.marked_msgid(module, first, depth + 1)
        if literal_only:
            return False
        if isinstance(node, ast.IfExp):
            return (self.marked(module, node.body, depth=depth + 1)
                    and self.marked(module, node.orelse, depth=depth + 1))
        if isinstance(node, ast.Attribute) and node.attr in _PASSED_ON:
            return True
        if isinstance(node, ast.Name):
            values = self.assignments(module, node.id, node)
            return bool(values) and all(self.marked(module, value, depth=depth + 1)
                                        for value in values)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            values = self.assignments(module, node.value.id, node)
            return bool(values) and all(
                isinstance(value, ast.Dict) and value.values and all(
                    self.marked(module, item, depth=depth + 1) for item in value.values)
                for value in values)
        return False

    def marked_msgid(self, module: _Module, node: ast.AST, depth: int) -> bool:
        """An argument of _() that is itself a marked msgid (a constant or table of N_())."""
        if isinstance(node, ast.Name | ast.Subscript | ast.IfExp):
            return self.marked(module, node, depth=depth)
        return False

    # The scan -----------------------------------------------------------------------------

    def message_of(self, call: ast.Call, takes: _Takes) -> ast.AST | None:
        for keyword in call.keywords:
            if keyword.arg == takes.keyword:
                return keyword.value
        if 0 <= takes.position < len(call.args) and not any(
                isinstance(a, ast.Starred) for a in call.args[:takes.position + 1]):
            return call.args[takes.position]
        return None

    def relay(self, module: _Module, function: ast.AST, takes: _Takes) -> bool:
        """Record a function that passes a parameter on as a message; True if new."""
        owner = module.parents.get(function)
        target = None
        if isinstance(owner, ast.Module):
            target = module.globals().get(function.name)
        elif isinstance(owner, ast.ClassDef) and isinstance(module.parents.get(owner),
                                                             ast.Module):
            cls = module.globals().get(owner.name)
            target = getattr(cls, function.name, None)
            if inspect.isclass(cls) and function.name == "__init__":
                target = cls  # the class is what its callers call
        if target is not None and _hashable(target):
            if target in self.relays:
                return False
            self.relays[target] = takes
            return True
        key = (module.name, function.name)
        if key in self.local_relays:
            return False
        self.local_relays[key] = takes
        return True

    @staticmethod
    def where(module: _Module) -> str:
        return str(module.path.relative_to(ROOT) if module.path.is_relative_to(ROOT)
                   else module.path.name)

    def returned(self, module: _Module, callback: ast.AST, at: ast.AST) -> ast.AST | None:
        """What a callback given as an argument returns, as one expression (a conditional
        between its return values), or None when it cannot be seen."""
        if isinstance(callback, ast.Lambda):
            return callback.body
        if not isinstance(callback, ast.Name):
            return None
        scope = self.enclosing_function(module, at) or module.tree
        definition = next((node for node in ast.walk(scope)
                           if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                           and node.name == callback.id), None)
        if definition is None:
            return None
        values = [node.value for node in ast.walk(definition)
                  if isinstance(node, ast.Return) and node.value is not None
                  and self.enclosing_function(module, node) is definition]
        if not values:
            return None
        result = values[0]
        for value in values[1:]:
            result = ast.IfExp(test=ast.Constant(True), body=value, orelse=result)
        return result

    def judge(self, module: _Module, message: ast.AST
              ) -> list[tuple[ast.AST, _Takes]] | None:
        """None if the message is not marked; otherwise the parameters of the enclosing
        function it passes on (checked at that function's call sites)."""
        if self.marked(module, message) or (isinstance(message, ast.Constant)
                                            and message.value is None):
            return []  # None: no message, the callee's own (marked) default applies
        if isinstance(message, ast.Name):
            passed = self.parameter(module, message.id, message)
            if passed is not None:
                return [passed]
            # The result of a callback the function was given: its callers' callbacks
            # are checked instead.
            values = self.assignments(module, message.id, message) or []
            callbacks = [self.parameter(module, value.func.id, value) for value in values
                         if isinstance(value, ast.Call) and isinstance(value.func, ast.Name)]
            if values and len(callbacks) == len(values) and None not in callbacks:
                return [(function, _Takes(takes.position, takes.keyword, returns=True))
                        for function, takes in callbacks]
            return None
        branches = (message.values if isinstance(message, ast.BoolOp)
                    else [message.body, message.orelse] if isinstance(message, ast.IfExp)
                    else None)
        if branches is None:
            return None
        found: list[tuple[ast.AST, _Takes]] = []
        for branch in branches:
            passed = self.judge(module, branch)
            if passed is None:
                return None
            found.extend(passed)
        return found

    def offenders(self) -> list[str]:
        while True:
            found: list[str] = []
            grew = False
            for module in self.modules:
                for call in ast.walk(module.tree):
                    if not isinstance(call, ast.Call):
                        continue
                    taken = self.takes(module, call)
                    if taken is None:
                        continue
                    what, takes = taken
                    message = self.message_of(call, takes)
                    if message is None:
                        continue
                    if takes.returns:
                        message = self.returned(module, message, call)
                        if message is None:
                            found.append(f"{self.where(module)}:{call.lineno}: {what}"
                                         f"(a callback whose result is not a marked text)")
                            continue
                    passed = self.judge(module, message)
                    if passed is not None:
                        for function, relayed in passed:
                            grew |= self.relay(module, function, relayed)
                        continue
                    shape = ("a callback returning " if takes.returns else "") + _shape(message)
                    found.append(f"{self.where(module)}:{call.lineno}: {what}({shape})")
            if not grew:
                return sorted(set(found), key=_by_place)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _shape(node: ast.AST) -> str:
    kinds = {ast.JoinedStr: "f-string", ast.BinOp: "concatenation or % formatting",
             ast.Constant: "unmarked literal", ast.Name: "variable"}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return f".{node.func.attr}() call"
    for kind, description in kinds.items():
        if isinstance(node, kind):
            return description
    return type(node).__name__


def _by_place(line: str) -> tuple[str, int]:
    path, number, _ = line.split(":", 2)
    return path, int(number)


# The scan on a made-up module ----------------------------------------------------------------

SAMPLE = '''
from flask import flash
from eventhub.errors import Conflict, NotFound, Unprocessable, PreconditionFailed
from eventhub.i18n import N_, _, ngettext
from werkzeug.exceptions import NotFound as HttpNotFound

GONE = N_("It is gone.")
REASONS = {"a": N_("Reason a."), "b": N_("Reason b.")}
PLAIN = {"a": "Reason a."}
STATUS = "draft"


class Stale(PreconditionFailed):
    pass


def good(item, key, error, flag):
    raise Conflict(N_("%(title)s is full."), code="x.full", title=item.title)
    raise Unprocessable.for_field("ends_at", N_("The end must be after the start."))
    raise NotFound(GONE)
    raise NotFound(REASONS[key])
    raise NotFound(N_("One.") if flag else N_("Other."))
    raise Conflict(error.message, code=error.code, **error.params)
    raise Conflict()
    raise HttpNotFound(f"werkzeug's own {key}")
    flash(_("Saved: %(title)s", title=item.title))
    flash(_(REASONS[key]))
    flash(ngettext("%(num)s item", "%(num)s items", 3))
    text = _("Done.")
    flash(text)
    raise relay(N_("Passed through."))
    raise either(None)


def either(detail):
    return Conflict(detail or N_("The default."))


def confirm(change):
    text = change(1)
    flash(text)


def uses_callbacks(item):
    def done(number):
        return _("Signed up: %(title)s", title=item.title)

    def wrong(number):
        if number:
            return _("Fine.")
        return f"{item.title} left."

    confirm(done)
    confirm(lambda number: _("Left."))
    confirm(lambda number: f"{number} left.")                      # offender (callback)
    confirm(wrong)                                                 # offender (callback)


def relay(detail):
    return Stale(detail, code="x.stale")


def bad(item, key, value):
    raise Conflict(f"{item.title} is full.")                       # offender
    raise Unprocessable.for_field("ends_at", "The end is early.")  # offender
    raise NotFound("Edition " + key + " has none.")                # offender
    raise NotFound(value)  # passed on: checked where bad() is called
    raise NotFound(PLAIN[key])                                     # offender
    raise Stale(STATUS)                                            # offender
    raise Conflict(N_(f"{key}"))                                   # offender
    raise Conflict(message="Named but plain.")                     # offender
    flash("Saved.")                                                # offender
    flash("Saved: {}".format(item.title))                          # offender
    raise relay(f"Stale since {key}.")                             # offender (relay)
    raise Conflict(value or f"{key} is wrong.")                    # offender
    raise either("Unmarked.")                                      # offender (relay)


def caller(item):
    return bad(item, "k", f"{item} is wrong")                      # offender (relay)
'''


def test_the_scan_finds_every_unmarked_message_and_nothing_else(tmp_path):
    path = tmp_path / "sample.py"
    source = textwrap.dedent(SAMPLE)
    path.write_text(source, encoding="utf-8")
    module = _parse("sample", path, source)
    # The made-up module is not importable: its globals come from running its source.
    module.namespace = {"__name__": "sample"}
    exec(compile(source, str(path), "exec"), module.namespace)

    offenders = _Scan([module]).offenders()

    lines = source.splitlines()
    expected = sorted(n for n, line in enumerate(lines, start=1) if "# offender" in line)
    found = [int(line.split(":")[1]) for line in offenders]
    assert found == expected, "\n".join(offenders)


def test_every_refusal_and_flash_in_eventhub_goes_through_gettext():
    modules = [_parse(name, path) for name, path in _modules()]
    for module in modules:
        importlib.import_module(module.name)

    offenders = _Scan(modules).offenders()

    assert not offenders, (f"{len(offenders)} messages outside gettext (mark the literal "
                           f"with N_() and give its values as %(name)s parameters):\n"
                           + "\n".join(offenders))
