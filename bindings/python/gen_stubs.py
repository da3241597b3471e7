"""Writes the type stub of ferguard._core (the compiled module) from the signatures pybind11 puts in its docstrings.

Usage: gen_stubs.py OUT.pyi   (with the built package importable: PYTHONPATH=build/python)
Run by the build after the module is linked, so the stub always matches the module it sits beside.
Parameters keep their names, types and whether they have a default (the default's value is shown as `...`:
pybind11 writes C++ defaults as reprs that are not always Python).
"""
import inspect
import os
import re
import sys

# Python puts this script's folder first on sys.path: it holds the source package, without the compiled module.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]
import ferguard._core as core  # noqa: E402

SIG = re.compile(r"^(\w+)\((.*)\)(?: -> (.+))?$")


def py_type(t):
    t = t.strip()
    t = t.replace("ferguard._core.", "")
    t = re.sub(r"numpy\.ndarray\[(numpy\.\w+)(?:\[[^\]]*\])?\]", r"numpy.typing.NDArray[\1]", t)
    t = t.replace("numpy.ndarray", "numpy.typing.NDArray[typing.Any]")
    for name in ("List", "Dict", "Tuple", "Optional", "Union", "Callable", "Iterator", "Sequence"):
        t = re.sub(rf"\b(?<!\.){name}\[", f"typing.{name}[", t)
    t = re.sub(r"\b(handle|buffer|capsule|args|kwargs)\b", "typing.Any", t)
    t = re.sub(r"(?<![\w.])(sequence|Sequence)\b(?!\[)", "typing.Sequence[typing.Any]", t)
    t = re.sub(r"(?<![\w.])(iterable|Iterable)\b(?!\[)", "typing.Iterable[typing.Any]", t)
    t = re.sub(r"(?<![\w.])(iterator|Iterator)\b(?!\[)", "typing.Iterator[typing.Any]", t)
    return t


def split_top(s, sep=","):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == sep and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return out


def params(text, method):
    out = []
    for i, p in enumerate(split_top(text)):
        p = p.strip()
        if p in ("*", "/") or p.startswith("*"):
            out.append(p.split(":")[0].strip())
            continue
        name, _, rest = p.partition(":")
        name = name.strip()
        typ, eq, _default = rest.partition("=")
        if method and i == 0 and name == "self":
            out.append("self")
            continue
        s = f"{name}: {py_type(typ)}" if typ.strip() else name
        out.append(s + (" = ..." if eq else ""))
    return ", ".join(out)


def signatures(obj):
    """(signature line, doc) pairs of a pybind11 function: one per overload."""
    doc = inspect.getdoc(obj) or ""
    lines = doc.splitlines()
    if not lines:
        return []
    if len(lines) > 1 and lines[1].strip() == "Overloaded function.":
        parts = re.split(r"^\d+\. ", "\n".join(lines[2:]), flags=re.M)
        out = []
        for part in parts:
            part = part.strip()
            if part:
                first, _, rest = part.partition("\n")
                out.append((first, rest.strip()))
        return out
    return [(lines[0], "\n".join(lines[1:]).strip())]


def quote(doc, indent):
    if not doc:
        return ""
    doc = doc.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    pad = " " * indent
    body = "\n".join((pad + line) if line else "" for line in doc.splitlines())
    return f'{pad}"""\n{body}\n{pad}"""\n'


def function(name, obj, indent, method=False, static=False):
    out = []
    sigs = signatures(obj)
    if not sigs:
        return f"{' ' * indent}def {name}(*args: typing.Any, **kwargs: typing.Any) -> typing.Any: ...\n"
    for line, doc in sigs:
        m = SIG.match(line.strip())
        if not m:
            out.append(f"{' ' * indent}def {name}(*args: typing.Any, **kwargs: typing.Any) -> typing.Any: ...\n")
            continue
        ps = params(m.group(2), method and not static)
        ret = py_type(m.group(3) or "None")
        pad = " " * indent
        deco = (f"{pad}@typing.overload\n" if len(sigs) > 1 else "") + (f"{pad}@staticmethod\n" if static else "")
        body = quote(doc, indent + 4)
        out.append(f"{deco}{pad}def {name}({ps}) -> {ret}:\n" + (body + f"{pad}    ...\n" if body else f"{pad}    ...\n"))
    return "".join(out)


def klass(name, cls):
    bases = [b.__name__ for b in cls.__bases__ if b.__module__ == core.__name__]
    if issubclass(cls, BaseException):
        bases = [b.__name__ if b.__module__ == core.__name__ else b.__qualname__ for b in cls.__bases__]
    out = [f"class {name}({', '.join(bases)}):\n" if bases else f"class {name}:\n"]
    doc = cls.__doc__ if cls.__doc__ and not issubclass(cls, BaseException) else None
    if doc:
        out.append(quote(inspect.cleandoc(doc), 4))
    members = []
    for attr, val in cls.__dict__.items():
        if attr.startswith("_") and attr not in ("__init__", "__len__", "__getitem__", "__iter__", "__enter__",
                                                 "__exit__", "__call__", "__repr__"):
            continue
        if isinstance(val, property):
            fdoc = inspect.getdoc(val.fget) or ""
            first, _, rest = fdoc.partition("\n")
            m = re.match(r"^\((?:self|arg0): [^)]*\) -> (.+)$", first.strip())
            typ = py_type(m.group(1)) if m else "typing.Any"
            # pybind11 keeps a property's own text on the property, the getter's signature on the getter.
            text = inspect.cleandoc(val.__doc__) if val.__doc__ else (rest.strip() if m else fdoc)
            if val.fset is None:
                members.append(f"    @property\n    def {attr}(self) -> {typ}:\n{quote(text, 8)}        ...\n")
            else:
                members.append(f"    {attr}: {typ}\n" + (quote(text, 4) if text else ""))
        elif isinstance(val, staticmethod):
            members.append(function(attr, val.__func__, 4, method=True, static=True))
        elif callable(val) and type(val).__name__ in ("instancemethod", "builtin_function_or_method"):
            members.append(function(attr, val, 4, method=True))
        elif type(val).__name__ == "instancemethod" or hasattr(val, "__func__"):
            members.append(function(attr, getattr(val, "__func__", val), 4, method=True))
        elif isinstance(val, cls):  # enum values
            members.append(f"    {attr}: typing.ClassVar[{name}]\n")
    if issubclass(cls, BaseException):
        members = []
    out.extend(members or ["    ...\n"])
    return "".join(out)


def main(path):
    out = ['"""Type stub of ferguard._core, generated by bindings/python/gen_stubs.py from the built module."""\n',
           "import typing\n\nimport numpy\nimport numpy.typing\n\n"]
    names = sorted(n for n in dir(core) if not n.startswith("__"))
    classes = [n for n in names if inspect.isclass(getattr(core, n))]
    # Base classes first.
    ordered = []
    while classes:
        for n in list(classes):
            base_names = [b.__name__ for b in getattr(core, n).__mro__[1:] if b.__module__ == core.__name__]
            if all(b in ordered for b in base_names):
                ordered.append(n)
                classes.remove(n)
    for n in ordered:
        out.append(klass(n, getattr(core, n)) + "\n")
    for n in names:
        v = getattr(core, n)
        if inspect.isclass(v):
            continue
        if callable(v):
            out.append(function(n, v, 0) + "\n")
        else:
            typ = type(v).__name__
            typ = {"list": "typing.List[str]", "tuple": "typing.Tuple[str, ...]"}.get(typ, typ)
            out.append(f"{n}: {typ}\n")
    out.append("__version__: str\n__git_commit__: str\n")
    text = "".join(out)
    try:
        old = open(path).read()
    except OSError:
        old = None
    if old != text:
        with open(path, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main(sys.argv[1])
