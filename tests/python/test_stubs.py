"""The package's type stub and docstrings: every public name of the compiled module is in _core.pyi with the
module's own parameters, and every public name documents itself (help(ferguard.X))."""
import ast
import inspect
import pathlib
import re

import pytest

import ferguard
import ferguard._core as core

STUB = pathlib.Path(core.__file__).with_name("_core.pyi")
PUBLIC = sorted(n for n in dir(core) if not n.startswith("_"))


@pytest.fixture(scope="module")
def stub():
    if not STUB.is_file():
        pytest.fail(f"type stub {STUB} missing: the build writes it after linking the module")
    return ast.parse(STUB.read_text())


def stub_names(tree):
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
    return names


def runtime_params(obj):
    """Parameter names of each overload, from pybind11's signature line(s)."""
    doc = inspect.getdoc(obj) or ""
    sigs = re.findall(r"^(?:\d+\. )?\w+\((.*)\) -> ", doc, flags=re.M)
    out = []
    for sig in sigs:
        names = [p.split(":")[0].strip() for p in re.split(r",\s*(?![^\[]*\])", sig) if p.strip()]
        out.append([n for n in names if n not in ("self", "*", "/")])
    return out


def stub_params(fn):
    a = fn.args
    return [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs if p.arg != "self"]


def test_every_public_name_is_in_the_stub(stub):
    missing = set(PUBLIC) - stub_names(stub)
    assert not missing, f"not in {STUB.name}: {sorted(missing)}"


def test_stub_parameters_are_the_module_parameters(stub):
    classes = {n.name: n for n in stub.body if isinstance(n, ast.ClassDef)}
    functions = {}
    for n in stub.body:
        if isinstance(n, ast.FunctionDef):
            functions.setdefault(n.name, []).append(stub_params(n))
    checked = 0
    for name in PUBLIC:
        obj = getattr(core, name)
        if inspect.isclass(obj):
            if issubclass(obj, BaseException):
                continue
            methods = {}
            for m in classes[name].body:
                if isinstance(m, ast.FunctionDef):
                    methods.setdefault(m.name, []).append(stub_params(m))
            for attr in ("__init__", *[a for a in vars(obj) if not a.startswith("_")]):
                member = vars(obj).get(attr)
                if member is None or isinstance(member, property) or not callable(member):
                    continue
                member = getattr(member, "__func__", member)  # a static method's function
                if not runtime_params(member):  # not bound by pybind11 (e.g. the default __init__ slot)
                    continue
                assert methods.get(attr) == runtime_params(member), f"{name}.{attr}"
                checked += 1
        elif callable(obj):
            assert functions.get(name) == runtime_params(obj), name
            checked += 1
    assert checked > 30


def doc_words(obj):
    """The words of a docstring beyond pybind11's signature lines."""
    doc = inspect.getdoc(obj) or ""  # a property's text is on the property itself
    text = [l for l in doc.splitlines() if l.strip() and not re.match(r"^(\d+\. )?\w*\(.*\) -> ", l)
            and l.strip() != "Overloaded function."]
    return len(" ".join(text).split())


def test_every_public_name_and_member_has_a_docstring():
    undocumented = []
    for name in PUBLIC:
        obj = getattr(core, name)
        if not callable(obj) or (inspect.isclass(obj) and issubclass(obj, BaseException)):
            continue
        if not inspect.isclass(obj):
            if doc_words(obj) < 3:
                undocumented.append(name)
            continue
        if len((obj.__doc__ or "").split()) < 3:
            undocumented.append(name)
        for attr, member in vars(obj).items():
            if attr.startswith("_") and attr != "__init__":
                continue
            if (callable(member) or isinstance(member, property)) and doc_words(member) < 2:
                undocumented.append(f"{name}.{attr}")
    assert not undocumented, f"no docstring: {undocumented}"


def test_pipeline_documents_every_argument_with_its_range():
    doc = inspect.getdoc(ferguard.Pipeline.__init__)
    (params,) = runtime_params(ferguard.Pipeline.__init__)
    assert len(params) > 20
    for p in params:
        assert re.search(rf"^    {p}: ", doc, flags=re.M), f"Pipeline: argument {p} not documented"
    assert "in [0, 1]" in doc and "pixels" in doc


def test_help_shows_the_docstrings():
    text = pydoc_text(ferguard.Pipeline)
    assert "strength_low" in text and "template bank" in text


def pydoc_text(obj):
    import pydoc
    return pydoc.render_doc(obj, renderer=pydoc.plaintext)
