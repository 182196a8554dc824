"""Every real ``init_orca_context(...)`` call in BigDL and Analytics Zoo is accepted by orca_yarn.

The corpus (``orca_corpus/calls.json``, made by ``orca_corpus/extract.py``) holds each call site of
the two repositories' examples, tutorials, notebooks and docs as source text. Each call is parsed
with ``ast`` and handed to ``orca_yarn.resolve_init_args``, the pure validator behind
``init_orca_context`` (same signature; ``ValueError`` when it refuses, ``OrcaCompatWarning`` for an
argument it ignores):

- literal arguments are evaluated;
- a non-literal one (``args.cores``, a variable, an f-string, ``os.environ.get(...)``, a doc's
  ``...`` placeholder) gets a plausible value chosen by the *parameter's* name (``PLAUSIBLE``); a
  ``cluster_mode`` from a variable is tried with every cluster mode string the corpus itself uses,
  a ``runtime`` from a variable with both runtimes;
- ``*args`` / ``**kwargs`` splats and a bare positional ``...`` ("other arguments") are left out and
  recorded; a doc's signature listing (``init_orca_context(cluster_mode, cores, memory, ...)``)
  binds each bare name to the parameter of that name.

No call may be refused, except the Kubernetes modes (``k8s``, ``k8s-client``, ``k8s-cluster``):
orca-yarn has no Kubernetes, so those must be refused with a ValueError that says so.
"""

from __future__ import annotations

import ast
import copy
import json
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import orca_yarn

CORPUS_FILE = Path(__file__).resolve().parent / "orca_corpus" / "calls.json"
CORPUS = json.loads(CORPUS_FILE.read_text())
CALLS: list[dict] = CORPUS["calls"]

# What extract.py found (BigDL-2.x at 66005ce, Analytics Zoo at 3d3e86d). An empty or shrunken
# corpus fails here; a regenerated one must update these on purpose.
EXPECTED_CALLS = {"intel-analytics/BigDL-2.x": 371, "intel-analytics/analytics-zoo": 165}

# init_orca_context's positional parameters, in order; everything after them is **kwargs.
POSITIONAL = ("cluster_mode", "runtime", "cores", "memory", "num_nodes", "init_ray_on_spark")
K8S_MODES = frozenset({"k8s", "k8s-client", "k8s-cluster"})

K8S_MASTER = "k8s://https://127.0.0.1:6443"
STANDALONE_MASTER = "spark://127.0.0.1:7077"

# A plausible value for a non-literal argument, by the parameter it is passed to.
PLAUSIBLE: dict[str, Any] = {
    "cores": 4,
    "driver_cores": 4,
    "memory": "4g",
    "driver_memory": "4g",
    "num_nodes": 2,
    "num_executors": 2,
    "init_ray_on_spark": True,
    "object_store_memory": "2g",
    "extra_executor_memory_for_ray": "2g",
    "extra_memory_for_ray": "2g",
    "conf": {"spark.driver.maxResultSize": "2g"},
    "env": {"OMP_NUM_THREADS": "1"},
    "extra_params": {"temp-dir": "/tmp/ray"},
    "extra_python_lib": "model.py",
    "additional_archive": "data.zip#data",
    "penv_archive": "environment.tar.gz",
    "hadoop_conf": "/etc/hadoop/conf",
    "hadoop_user_name": "root",
    "py_files": "util.py",
    "conda_name": "orca",
    "address": None,  # the examples' argparse default: no existing Ray cluster to join
    "enable_numa_binding": False,
    "num_ray_nodes": 2,
    "ray_node_cpu_cores": 4,
    "redis_port": 6379,
    "include_webui": False,
}

# A non-literal value inside a conf dict, by the Spark key it sets.
CONF_PLAUSIBLE = (("host", "127.0.0.1"), ("port", "54321"), ("memory", "4g"), ("cores", "4"))


def _modes_in_corpus() -> tuple[str, ...]:
    """Every literal cluster_mode string that the real programs pass."""
    modes = set()
    for entry in CALLS:
        call = _parse(entry["source"])
        nodes = [k.value for k in call.keywords if k.arg == "cluster_mode"]
        if call.args and isinstance(call.args[0], ast.Constant):
            nodes.append(call.args[0])
        for n in nodes:
            if isinstance(n, ast.Constant) and isinstance(n.value, str):
                modes.add(n.value)
    return tuple(sorted(modes))


def _parse(source: str) -> ast.Call:
    node = ast.parse(source.strip(), mode="eval").body
    assert isinstance(node, ast.Call), source
    return node


def _plausible(name: str, mode: Any) -> Any:
    if name == "master":
        if mode in K8S_MODES:
            return K8S_MASTER
        return STANDALONE_MASTER if mode == "standalone" else None
    if name == "container_image":
        return "intelanalytics/bigdl-k8s:latest" if mode in K8S_MODES else None
    if name not in PLAUSIBLE:
        raise KeyError(f"no plausible value for a non-literal {name}=...: add one to PLAUSIBLE")
    return copy.deepcopy(PLAUSIBLE[name])


def _has_ellipsis(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and n.value is Ellipsis for n in ast.walk(node))


def _value(node: ast.expr, name: str, mode: Any, notes: list[str]) -> Any:
    """A literal's value, or a plausible one for a non-literal (recorded in notes)."""
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) for k in node.keys) \
            and not _has_ellipsis(node):
        out = {}
        for k, v in zip(node.keys, node.values):
            assert isinstance(k, ast.Constant)
            try:
                out[k.value] = ast.literal_eval(v)
            except ValueError:
                key = str(k.value).lower()
                out[k.value] = next((p for frag, p in CONF_PLAUSIBLE if frag in key), "1")
                notes.append(f"{name}[{k.value!r}]: {ast.unparse(v)} -> {out[k.value]!r}")
        return out
    if not _has_ellipsis(node):
        try:
            return ast.literal_eval(node)
        except ValueError:
            pass
    value = _plausible(name, mode)
    notes.append(f"{name}: {ast.unparse(node)} -> {value!r}")
    return value


@dataclass
class Bound:
    """A call's arguments as AST nodes, bound to parameter names; what was left out."""
    positional: list[tuple[str, ast.expr]] = field(default_factory=list)
    keywords: list[tuple[str, ast.expr]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _bind(call: ast.Call) -> Bound:
    b = Bound()
    known = set(POSITIONAL) | set(PLAUSIBLE) | {"master", "container_image"}
    names = {k.arg for k in call.keywords if k.arg}
    by_name = False  # after a bare-name binding, the rest of a signature listing is bound by name too
    for i, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            b.skipped.append(f"*{ast.unparse(arg.value)}")
        elif isinstance(arg, ast.Constant) and arg.value is Ellipsis:
            b.skipped.append("... (other arguments)")
        elif isinstance(arg, ast.Name) and arg.id in known and arg.id not in names and (
                by_name or i >= len(POSITIONAL) or POSITIONAL[i] != arg.id):
            by_name = True
            b.keywords.append((arg.id, arg))
            b.skipped.append(f"positional {arg.id} bound by its name (a signature listing)")
        elif i < len(POSITIONAL) and not by_name:
            b.positional.append((POSITIONAL[i], arg))
        else:
            b.skipped.append(f"positional {ast.unparse(arg)} (no such parameter)")
    for k in call.keywords:
        if k.arg is None:
            b.skipped.append(f"**{ast.unparse(k.value)}")
        else:
            b.keywords.append((k.arg, k.value))
    return b


def _is_literal(node: ast.expr) -> bool:
    if _has_ellipsis(node):
        return False
    try:
        ast.literal_eval(node)
        return True
    except ValueError:
        return False


def _mib(size: Any) -> float:
    s = str(size).strip().lower()
    units = {"k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}
    return float(s[:-1]) * units[s[-1]] if s and s[-1] in units else float(s) / (1024 * 1024)


def _fit_memory(nodes: dict[str, ast.expr], args: list, kwargs: dict, positional: list[str],
                notes: list[str]) -> None:
    """A ``memory`` from a variable next to a literal ``object_store_memory`` is plausible only above it.

    The real programs that do this default their ``--executor_memory`` to twice the object store
    (friesian: ``160g`` with ``object_store_memory="80g"``); so does the substitute.
    """
    mem, store = nodes.get("memory"), nodes.get("object_store_memory")
    if mem is None or store is None or _is_literal(mem) or not _is_literal(store):
        return
    want = ast.literal_eval(store)
    if _mib(want) < _mib(PLAUSIBLE["memory"]):
        return
    value = f"{int(2 * _mib(want) // 1024)}g"
    if "memory" in positional:
        args[positional.index("memory")] = value
    else:
        kwargs["memory"] = value
    notes.append(f"memory: {ast.unparse(mem)} -> {value!r} (twice the literal object_store_memory={want!r})")


@dataclass
class Outcome:
    mode: Any
    runtime: Any
    args: list
    kwargs: dict
    notes: list[str]
    status: str  # "accepted" | "refused" | "error"
    detail: str = ""
    warned: list[str] = field(default_factory=list)

    @property
    def k8s(self) -> bool:
        return isinstance(self.mode, str) and self.mode.lower() in K8S_MODES

    @property
    def allowed(self) -> bool:
        if self.k8s:
            return self.status == "refused" and any(w in self.detail.lower() for w in ("k8s", "kubernetes"))
        return self.status == "accepted"


def check_call(source: str, modes: tuple[str, ...]) -> list[Outcome]:
    """Run one call's variants through orca_yarn.resolve_init_args."""
    call = _parse(source)
    b = _bind(call)
    nodes = dict(b.positional + b.keywords)
    mode_node, runtime_node = nodes.get("cluster_mode"), nodes.get("runtime")
    mode_choices: tuple[Any, ...] = (None,) if mode_node is None else (
        (ast.literal_eval(mode_node),) if _is_literal(mode_node) else modes)
    runtime_choices: tuple[Any, ...] = (None,) if runtime_node is None else (
        (ast.literal_eval(runtime_node),) if _is_literal(runtime_node) else ("spark", "ray"))
    out = []
    for mode in mode_choices:
        for runtime in runtime_choices:
            notes = list(b.skipped)
            chosen = {"cluster_mode": mode, "runtime": runtime}

            def val(name: str, node: ast.expr) -> Any:
                if name in chosen and not _is_literal(node):
                    notes.append(f"{name}: {ast.unparse(node)} -> {chosen[name]!r}")
                    return chosen[name]
                return _value(node, name, mode, notes)

            args = [val(n, a) for n, a in b.positional]
            kwargs = {n: val(n, a) for n, a in b.keywords}
            _fit_memory(dict(b.positional + b.keywords), args, kwargs, [n for n, _ in b.positional], notes)
            o = Outcome(mode, runtime, args, kwargs, notes, "accepted")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    orca_yarn.resolve_init_args(*args, **kwargs)
                except ValueError as e:
                    o.status, o.detail = "refused", str(e)
                except Exception as e:  # noqa: BLE001 - anything but ValueError breaks the contract
                    o.status, o.detail = "error", f"{type(e).__name__}: {e}"
            o.warned = [f"{w.category.__name__}: {w.message}" for w in caught]
            out.append(o)
    return out


def _call_id(entry: dict) -> str:
    repo = "bigdl" if "BigDL" in entry["repo"] else "zoo"
    cell = f"#cell{entry['cell']}" if "cell" in entry else ""
    return f"{repo}:{entry['path']}{cell}:{entry['line']}"


MODES = _modes_in_corpus()


def _describe(entry: dict, outcomes: list[Outcome]) -> str:
    lines = [f"{_call_id(entry)}: {' '.join(entry['source'].split())}"]
    for o in outcomes:
        if not o.allowed:
            want = "a ValueError naming Kubernetes" if o.k8s else "accepted"
            lines.append(f"  cluster_mode={o.mode!r} runtime={o.runtime!r}: {o.status} ({o.detail}); wanted {want}")
            lines.append(f"    resolve_init_args(*{o.args!r}, **{o.kwargs!r})")
            lines.extend(f"    substituted: {n}" for n in o.notes)
    return "\n".join(lines)


def test_corpus_is_complete() -> None:
    counts = Counter(e["repo"] for e in CALLS)
    assert dict(counts) == EXPECTED_CALLS, "the corpus shrank or changed: regenerate on purpose and update EXPECTED_CALLS"
    for repo, n in EXPECTED_CALLS.items():
        assert CORPUS["summary"][repo]["in_scope"] == n
    # every mode a real program passes is tried for the calls that take it from a variable
    assert {"local", "yarn-client", "yarn-cluster", "yarn", "spark-submit", "k8s"} <= set(MODES)


@pytest.mark.parametrize("entry", CALLS, ids=_call_id)
def test_real_call_is_accepted(entry: dict) -> None:
    outcomes = check_call(entry["source"], MODES)
    assert outcomes
    assert all(o.allowed for o in outcomes), _describe(entry, outcomes)


def test_bogus_cluster_mode_is_refused() -> None:
    with pytest.raises(ValueError):
        orca_yarn.resolve_init_args(cluster_mode="bogus")


def test_checker_catches_a_refused_call() -> None:
    """The corpus test can fail: a refused call is not allowed, a k8s call that is accepted is not either."""
    [bogus] = check_call('init_orca_context(cluster_mode="bogus", cores=4)', MODES)
    assert bogus.status == "refused" and not bogus.allowed
    [k8s] = check_call('init_orca_context(cluster_mode="k8s-client", master=..., container_image=...)', MODES)
    assert k8s.allowed, k8s.detail


def test_checker_requires_k8s_to_be_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orca_yarn, "resolve_init_args", lambda *a, **k: None, raising=False)
    [k8s] = check_call('init_orca_context(cluster_mode="k8s-cluster", cores=2)', MODES)
    assert k8s.status == "accepted" and not k8s.allowed
    [local] = check_call('init_orca_context(cluster_mode=args.cluster_mode, cores=args.cores)', ("local",))
    assert local.allowed and local.kwargs == {"cluster_mode": "local", "cores": 4}


def test_substitution_rules() -> None:
    """Non-literal arguments get values by parameter name; splats and ``...`` are recorded."""
    call = _parse('init_orca_context(cluster_mode, *rest, memory=f"{m}g", conf={"spark.driver.host": h, "a": "1"}, '
                  'master=..., **extra)')
    b = _bind(call)
    assert any(s.startswith("*rest") for s in b.skipped) and "**extra" in b.skipped
    notes: list[str] = []
    assert _value(dict(b.keywords)["memory"], "memory", "yarn-client", notes) == "4g"
    assert _value(dict(b.keywords)["conf"], "conf", "yarn-client", notes) == {"spark.driver.host": "127.0.0.1", "a": "1"}
    assert _value(dict(b.keywords)["master"], "master", "k8s", notes) == K8S_MASTER
    assert _value(dict(b.keywords)["master"], "master", "yarn-client", notes) is None
    listing = _bind(_parse("init_orca_context(cluster_mode, master, container_image, cores)"))
    assert [n for n, _ in listing.positional] == ["cluster_mode"]
    assert [n for n, _ in listing.keywords] == ["master", "container_image", "cores"]


def test_corpus_report(capsys: pytest.CaptureFixture[str]) -> None:
    """A summary (pytest -s): k8s refusals, other refusals, warnings by argument."""
    k8s = refused = 0
    warned: Counter[str] = Counter()
    bad: list[str] = []
    for entry in CALLS:
        outcomes = check_call(entry["source"], MODES)
        k8s += sum(1 for o in outcomes if o.k8s and o.status == "refused")
        if not all(o.allowed for o in outcomes):
            refused += 1
            bad.append(_describe(entry, outcomes))
        for o in outcomes:
            warned.update(w.split(":", 2)[1].strip()[:60] for w in o.warned)
    with capsys.disabled():
        print(f"\norca corpus: {len(CALLS)} calls, {refused} with a variant refused or erroring, "
              f"{k8s} k8s variants refused (allowed)")
        for w, n in warned.most_common(15):
            print(f"  warned {n}x: {w}")
    assert len(CALLS) == sum(EXPECTED_CALLS.values())
