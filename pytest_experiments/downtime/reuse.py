"""``--reuse``: an experiment whose inputs have not changed since a journaled answer is not run
again; its journaled answer is reported as "reused from run N".

The inputs are summed up in a *fingerprint* (a SHA-256), computed for every experiment in every
run and kept with its result in the journal:

* the experiment function's source, and its module's file;
* the project modules that module uses (followed through module globals, the import
  statements of each project file and the imports in the function's body, transitively; only
  files under the rootdir and outside the Python installation and its site-packages), and the
  ``conftest.py`` files from the rootdir down
  (all read once per process: a file edited during a run counts from the next run);
* its markers, in order, with their arguments (``priority`` only orders the run and is left
  out; memory addresses in reprs are dropped);
* the fractions planned (``--sample``, ``--full``, ``@sample``), its seed, the confidence and
  the correction across verdicts;
* the Python version and the installed versions of numpy, scipy, scikit-learn, pandas and
  pytest-experiments (from package metadata, nothing imported);
* the contents of the data files it declares with ``@pytest.mark.data_files("data/train.csv",
  ...)``: paths relative to the test file's directory, else to the rootdir (a directory counts
  with every file under it). A declared file that does not exist is an error of that
  experiment.

With ``--reuse``, an experiment whose fingerprint matches a journaled result with a verdict or
``answered`` (never ``failed``, ``error``, ``skipped`` or ``crashed``) is reported with that
result's status, answer and values, without setting up its fixtures or calling it. Anything
else it reads (a database, the network, files it does not declare) is not in the fingerprint:
declare files with ``data_files``, or run without ``--reuse``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import json
import os
import platform
import re
import sys
import sysconfig
import types
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_experiments.errors import DefinitionError
from pytest_experiments.notebook.provenance import package_versions

if TYPE_CHECKING:
    from pytest_experiments.notebook.journal import ResultRow
    from pytest_experiments.running.item import ExperimentState
    from pytest_experiments.settings import RunSettings

#: Distributions whose versions are part of every fingerprint.
FINGERPRINT_PACKAGES = ("numpy", "scipy", "scikit-learn", "pandas", "pytest-experiments")

#: Journaled statuses an answer may be reused from.
REUSABLE_STATUSES = ("confirmed", "refuted", "inconclusive", "answered")

DATA_FILES_MARKER = "data_files"

#: Markers that do not change an experiment's answer.
_IGNORED_MARKERS = frozenset({"experiment", "priority"})
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_CHUNK = 1 << 20


def key_package_versions() -> dict[str, str]:
    """The Python version and the versions of :data:`FINGERPRINT_PACKAGES` (tests replace it)."""
    return {"python": platform.python_version(), **_installed_versions()}


@functools.lru_cache(maxsize=1)
def _installed_versions() -> dict[str, str]:
    return package_versions(FINGERPRINT_PACKAGES)


# -- the fingerprint ---------------------------------------------------------------------------


#: What the share of the data and the seed add to a fingerprint: left out of the claim's.
_LOOK_INPUTS = ("fractions", "seed")


def fingerprint(item: pytest.Item, state: ExperimentState, settings: RunSettings) -> str:
    """The hash of everything :mod:`reuse` counts as the experiment's inputs; also sets the
    result's ``claim``: the same inputs without the share of the data and the seed, equal for
    every run of the same code and claim, whatever data it saw (what the knowledge base
    compares evidence by).

    Raises :class:`DefinitionError` for a declared data file that does not exist.
    """
    inputs = _inputs(item, state, settings)
    claim = {key: value for key, value in inputs.items() if key not in _LOOK_INPUTS}
    state.result.claim = _digest(claim)
    return _digest(inputs)


def _digest(inputs: dict[str, Any]) -> str:
    text = json.dumps(inputs, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def _inputs(item: pytest.Item, state: ExperimentState, settings: RunSettings) -> dict[str, Any]:
    function = getattr(item, "obj", None)
    module = getattr(item, "module", None)
    root = item.config.rootpath
    inputs = {
        **_code_inputs(module, function, str(item.path), str(root)),
        "markers": marker_texts(item),
        "fractions": list(state.plan.fractions),
        "seed": state.result.seed,
        "confidence": settings.confidence,
        "correction": settings.correction,
        "packages": key_package_versions(),
        "data": _relative({str(path): _path_digest(path) for path in data_files(item)}, root),
    }
    return inputs


def _code_inputs(module: object, function: object, path: str, root: str) -> dict[str, Any]:
    """The code an experiment runs: its source and the project modules its body imports, its
    module's file, the project modules that module uses, the conftest files."""
    return {
        **_module_inputs(module, path, root),
        "function": _function_source(function),
        "imports": _function_imports(function, root),
    }


# Cached once per module and function and process: a run sees one version of its code.
@functools.lru_cache(maxsize=1024)
def _module_inputs(module: object, path: str, root: str) -> dict[str, Any]:
    project = _module_closure(module, root) if isinstance(module, types.ModuleType) else {}
    project = {file: digest for file, digest in project.items() if file != os.path.realpath(path)}
    return {
        "module": _file_digest(Path(path)),
        "project": _relative(project, Path(root)),
        "conftest": _relative(_conftest_digests(Path(path), Path(root)), Path(root)),
    }


def _function_imports(function: object, root: str) -> dict[str, str]:
    code = getattr(getattr(function, "__func__", function), "__code__", None)
    return _code_imports(code, root) if isinstance(code, types.CodeType) else {}


@functools.lru_cache(maxsize=4096)
def _code_imports(code: types.CodeType, root: str) -> dict[str, str]:
    digests: dict[str, str] = {}
    for name in sorted(set(_imported_in(code))):
        module = sys.modules.get(name)
        if module is not None:
            digests.update(_module_closure(module, root))
    return _relative(digests, Path(root))


def _relative(digests: dict[str, str], root: Path) -> dict[str, str]:
    """Paths relative to the rootdir, so a checkout moved elsewhere keeps its fingerprints."""
    base = os.path.realpath(root)
    return {
        (os.path.relpath(os.path.realpath(path), base)): digest for path, digest in digests.items()
    }


def marker_texts(item: pytest.Item) -> list[str]:
    """``name(args, kwargs)`` of every marker, nearest first, without memory addresses."""
    texts = []
    for mark in item.iter_markers():
        if mark.name in _IGNORED_MARKERS:
            continue
        arguments = [
            *map(stable_repr, mark.args),
            *(f"{k}={stable_repr(v)}" for k, v in sorted(mark.kwargs.items())),
        ]
        texts.append(f"{mark.name}({', '.join(arguments)})")
    return texts


def stable_repr(value: object) -> str:
    """``repr`` that is the same in every process: sets and dicts in sorted order (their
    iteration order follows the per-process string hash seed), no memory addresses."""
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(map(stable_repr, value))) + "}"
    if isinstance(value, dict):
        items = sorted(f"{stable_repr(k)}: {stable_repr(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(map(stable_repr, value))
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    return _ADDRESS.sub("", repr(value))


def data_files(item: pytest.Item) -> list[Path]:
    """The files and directories the experiment declares, resolved; checks that they exist."""
    paths: list[Path] = []
    here, root = item.path.parent, item.config.rootpath
    for mark in item.iter_markers(DATA_FILES_MARKER):
        if mark.kwargs or not mark.args:
            raise DefinitionError(
                "@pytest.mark.data_files takes one or more paths and no keywords; write "
                '@pytest.mark.data_files("data/train.csv", "data/test.csv")'
            )
        for value in mark.args:
            if not isinstance(value, (str, os.PathLike)):
                raise DefinitionError(
                    f"@pytest.mark.data_files got {value!r} ({type(value).__name__}); give "
                    'paths as strings, like @pytest.mark.data_files("data/train.csv")'
                )
            path = Path(value).expanduser()
            found = next(
                (place for place in (here / path, root / path) if place.exists()),
                None,
            )
            if found is None:
                raise DefinitionError(
                    f"@pytest.mark.data_files: {os.fspath(value)!r} does not exist (looked in "
                    f"{here} and the rootdir {root}); fix the path or remove it from the marker"
                )
            paths.append(found.resolve())
    return paths


def _function_source(function: object) -> str:
    target = inspect.unwrap(function) if callable(function) else function
    code = getattr(getattr(target, "__func__", target), "__code__", None)
    if code is None:
        return repr(target)
    return _code_source(code)


@functools.lru_cache(maxsize=4096)
def _code_source(code: types.CodeType) -> str:
    found = _module_functions(code.co_filename).get(code.co_firstlineno)
    if found is not None:
        return found
    try:
        return inspect.getsource(code)
    except (OSError, TypeError):
        # No source file (generated code): the compiled code stands in for the text.
        return repr((code.co_code, code.co_consts, code.co_names))


@functools.lru_cache(maxsize=256)
def _module_functions(filename: str) -> dict[int, str]:
    """The source of each function defined in a module file, by its code's first line (its
    first decorator's): one parse of the file instead of ``inspect.getsource`` per function,
    whose tokenizing of the block costs most of a trivial experiment's fingerprint."""
    import ast

    try:
        text = Path(filename).read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    lines = text.splitlines(keepends=True)
    found: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found[first] = "".join(lines[first - 1 : node.end_lineno])
    return found


def _file_digest(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return _cached_digest(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _cached_digest(path: str, size: int, mtime_ns: int) -> str:
    # Keyed by size and modification time, so a file changed during the run is read again.
    digest = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _path_digest(path: Path) -> str:
    if not path.is_dir():
        return _file_digest(path)
    digest = hashlib.blake2b(digest_size=20)
    for child in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{child.relative_to(path).as_posix()}\0{_file_digest(child)}\0".encode())
    return digest.hexdigest()


def _conftest_digests(test_file: Path, root: Path) -> dict[str, str]:
    found = {}
    directory = test_file.parent
    for place in (directory, *directory.parents):
        conftest = place / "conftest.py"
        if conftest.is_file():
            found[conftest.as_posix()] = _file_digest(conftest)
        if place == root:
            break
    return found


# -- project modules -----------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _installation_dirs() -> tuple[str, ...]:
    places = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    for name in ("purelib", "platlib", "stdlib", "platstdlib"):
        path = sysconfig.get_paths().get(name)
        if path:
            places.add(path)
    return tuple(os.path.realpath(place) + os.sep for place in places)


def _project_file(module: types.ModuleType, root: Path) -> str | None:
    """The module's source file if it belongs to the project (under the rootdir, outside the
    Python installation), else None."""
    file = getattr(module, "__file__", None)
    if not file:
        return None
    real = os.path.realpath(str(file))
    if not real.startswith(os.path.realpath(root) + os.sep):
        return None
    if real.startswith(_installation_dirs()) or f"{os.sep}site-packages{os.sep}" in real:
        return None
    return real


def _used_modules(values: Iterator[Any]) -> Iterator[types.ModuleType]:
    for value in values:
        if isinstance(value, types.ModuleType):
            yield value
            continue
        name = getattr(value, "__module__", None) if callable(value) else type(value).__module__
        module = sys.modules.get(name) if isinstance(name, str) else None
        if module is not None:
            yield module


def _imported_in(code: types.CodeType) -> Iterator[str]:
    """Names a function's body may import (``import a.b`` puts ``a.b`` in ``co_names``)."""
    yield from code.co_names
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _imported_in(constant)


@functools.lru_cache(maxsize=1024)
def _module_closure(module: types.ModuleType, root: str) -> dict[str, str]:
    """Digests of the project files ``module`` uses, transitively through module globals."""
    seen: dict[str, str] = {}
    visited: set[str] = set()
    stack = [module]
    while stack:
        current = stack.pop()
        if current.__name__ in visited:
            continue
        visited.add(current.__name__)
        file = _project_file(current, Path(root))
        if file is None and current is not module:
            continue
        if file is not None:
            seen[file] = _file_digest(Path(file))
            stack.extend(
                used for used in _source_imports(current, file) if used.__name__ not in visited
            )
        stack.extend(
            used
            for used in _used_modules(iter(list(vars(current).values())))
            if used.__name__ not in visited and not _submodule_of(used, current)
        )
    return seen


def _submodule_of(module: types.ModuleType, package: types.ModuleType) -> bool:
    """Whether ``module`` is a submodule of ``package``. Importing ``pkg.a`` anywhere sets the
    attribute ``pkg.a``, so a package's globals hold whichever submodules the run happened to
    import; the ones the package itself imports are found in its source instead."""
    return module.__name__.startswith(package.__name__ + ".")


def _source_imports(module: types.ModuleType, file: str) -> Iterator[types.ModuleType]:
    """The loaded modules a project file's import statements name, anywhere in it: ``from
    config import N_NEIGHBORS`` leaves only a number in the module's globals, yet the answer
    changes with config.py."""
    import ast
    import importlib.util

    try:
        tree = ast.parse(Path(file).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return
    package = module.__package__ or ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            try:
                base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            except (ImportError, ValueError):
                continue
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            imported = sys.modules.get(name)
            if imported is not None:
                yield imported


# -- reusing -------------------------------------------------------------------------------


def reusable(row: ResultRow) -> dict[str, Any]:
    """The journaled result as this run's ``ExperimentResult`` fields."""
    data = dict(row.data)
    data["status"] = row.status
    data["reused_from"] = data.get("reused_from") or row.run_id
    return data


#: The journaled result an experiment reuses, found at collection with ``--reuse``.
reuse_key = pytest.StashKey["ResultRow"]()

#: Fields a reused result takes from the journaled one (the rest — node id, index, seed,
#: fingerprint — are this run's, and equal).
_REUSED_FIELDS = (
    "status",
    "answer",
    "answer_text",
    "fraction",
    "auto",
    "looks",
    "level",
    "p_value",
    "note",
    "error",
    "question",
    "expectation",
)


def find_reusable(
    journal: Any, nodeid: str, fingerprint: str, before: float | None
) -> ResultRow | None:
    """The newest journaled result of ``nodeid`` with these inputs and an answer, its data
    saying which run it came from (``reused_from_run``, that run's uid)."""
    found: ResultRow | None = journal.latest_with_fingerprint(
        nodeid, fingerprint, REUSABLE_STATUSES, before
    )
    if found is None or found.data.get("reused_from"):
        return found  # a repeat names its original's run already (or predates uids)
    return dataclasses.replace(
        found, data={**found.data, "reused_from_run": journal.run_uid(found.run_id)}
    )


class ReuseRunner:
    """In the process that runs experiments: fingerprints each experiment at setup and, for one
    found reusable at collection, reports the journaled result instead of running it."""

    def __init__(
        self,
        state_key: pytest.StashKey[ExperimentState],
        settings: RunSettings,
    ) -> None:
        self.state_key = state_key
        self.settings = settings

    # Registered after the plugin module, so this runs before its tryfirst setup.
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self.state_key not in item.stash:
            return
        state = item.stash[self.state_key]
        if state.problem is not None:
            return
        if state.result.fingerprint is None:
            state.result.fingerprint = fingerprint(item, state, self.settings)
        if reuse_key in item.stash:
            # Nothing of the experiment runs, its fixtures included: pytest's setup of a
            # function item is filling its fixtures, so the item gets a setup that does not.
            item.setup = _no_fixtures  # type: ignore[method-assign]

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> bool | None:
        row = pyfuncitem.stash.get(reuse_key, None)
        if row is None:
            return None
        state = pyfuncitem.stash[self.state_key]
        data = reusable(row)
        for name in _REUSED_FIELDS:
            if name in data:
                setattr(state.result, name, data[name])
        state.result.reused_from = data["reused_from"]
        state.result.reused_from_run = data.get("reused_from_run")
        if state.context is not None:
            state.context.rows = data.get("rows")
            state.context.total_rows = data.get("total_rows")
            state.context.recorded = dict(data.get("record") or {})
        return True


def _no_fixtures() -> None:
    return None


#: Summary categories of reused results, after the verdicts they repeat.
REUSED_CATEGORIES = tuple(
    f"{status} (reused)" for status in ("confirmed", "refuted", "inconclusive", "answered")
)


class ReuseReporter:
    """On the controller: shows a reused result as ``CONFIRMED (reused from run 3)`` and counts
    it as ``confirmed (reused)`` in the summary line."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config) -> Any:
        status = yield
        from pytest_experiments.running.results import REPORT_ATTRIBUTE

        data = getattr(report, REPORT_ATTRIBUTE, None)
        if status is None or not data or report.when != "call" or not data.get("reused_from"):
            return status
        category, letter, word = status
        if f"{category} (reused)" not in REUSED_CATEGORIES:
            return status
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            for name in REUSED_CATEGORIES:  # a stable order in the summary line
                terminal.stats.setdefault(name, [])
        suffix = f" (reused from run {data['reused_from']})"
        if isinstance(word, tuple):
            word = (word[0] + suffix, word[1])
        else:
            word = str(word) + suffix
        return f"{category} (reused)", letter, word
