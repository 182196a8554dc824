#!/usr/bin/env python3
"""Vendor real Orca programs as test fixtures, changing only their import lines; write MANIFEST.json.

Run by hand (it needs the upstream git repositories; CI reads only the committed files):

    python tests/orca_programs/vendor.py \
        --repo intel-analytics/BigDL-2.x=/path/to/BigDL-2.x.git \
        --repo intel-analytics/analytics-zoo=/path/to/analytics-zoo.git

A notebook becomes the concatenation of its code cells (``CELL_SEPARATOR`` between them); its
``!``/``%`` magic lines are removed and listed in the manifest. In every import statement the Orca
package (``bigdl.orca``, ``zoo.orca``, ``bigdl.orca.ray``, ``zoo.ray``) becomes ``orca_yarn`` /
``orca_yarn.ray``; nothing else changes. The manifest records the sha256 of the upstream text with
its import statements removed, which ``test_orca_programs.py`` recomputes from the vendored file.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CELL_SEPARATOR = "\n\n"
LICENSE = "Apache-2.0"

# name -> upstream file. Chosen for needing only ray, pyspark, numpy and pandas (see the manifest).
PROGRAMS = {
    "ray_parameter_server": ("intel-analytics/BigDL-2.x", "HEAD",
                             "python/orca/colab-notebook/quickstart/ray_parameter_server.ipynb"),
    "zoo_ray_parameter_server": ("intel-analytics/analytics-zoo", "HEAD",
                                 "docs/docs/colab-notebook/ray/quickstart/ray_parameter_server.ipynb"),
    # the last version of the NCF tutorial's Spark DataFrame preparation that calls init_orca_context
    # itself (later ones call a helper module that needs bigdl.dllib)
    "ncf_process_spark_dataframe": ("intel-analytics/BigDL-2.x", "eaf363c09db8303bfb0821fc51f099b5974c557c",
                                    "python/orca/tutorial/NCF/process_spark_dataframe.py"),
}

_RENAMES = ((re.compile(r"\b(?:bigdl\.orca\.ray|zoo\.ray)\b"), "orca_yarn.ray"),
            (re.compile(r"\b(?:bigdl\.orca|zoo\.orca)\b"), "orca_yarn"))


def import_lines(source: str) -> set[int]:
    """0-based line numbers of every import statement (all their lines)."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            assert node.end_lineno is not None
            lines.update(range(node.lineno - 1, node.end_lineno))
    return lines


def without_imports(source: str) -> str:
    drop = import_lines(source)
    return "".join(ln for i, ln in enumerate(source.splitlines(keepends=True)) if i not in drop)


def sha256_without_imports(source: str) -> str:
    return hashlib.sha256(without_imports(source).encode()).hexdigest()


def rename_imports(source: str) -> tuple[str, list[list[str]]]:
    """The Orca package in import statements -> orca_yarn; (new text, [[old line, new line], ...])."""
    drop = import_lines(source)
    out, changed = [], []
    for i, ln in enumerate(source.splitlines(keepends=True)):
        if i in drop:
            new = ln
            for rx, repl in _RENAMES:
                new = rx.sub(repl, new)
            if new != ln:
                changed.append([ln.rstrip("\n"), new.rstrip("\n")])
            ln = new
        out.append(ln)
    return "".join(out), changed


def notebook_code(text: str) -> tuple[str, list[dict]]:
    """A notebook's code cells, concatenated; its magic lines removed and returned."""
    nb = json.loads(text)
    cells, magics = [], []
    for ci, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "code":
            continue
        src = cell["source"]
        src = "".join(src) if isinstance(src, list) else src
        kept = []
        for ln in src.splitlines(keepends=True):
            if ln.lstrip().startswith(("!", "%")):
                magics.append({"cell": ci, "line": ln.rstrip("\n")})
            else:
                kept.append(ln)
        cells.append("".join(kept).rstrip("\n"))
    return CELL_SEPARATOR.join(cells) + "\n", magics


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", action="append", required=True, metavar="OWNER/NAME=GITDIR")
    a = ap.parse_args()
    gitdirs = dict(spec.split("=", 1) for spec in a.repo)
    manifest = {}
    for name, (repo, rev, path) in PROGRAMS.items():
        gitdir = gitdirs[repo]
        commit = subprocess.run(["git", "--git-dir", gitdir, "rev-parse", rev + "^{commit}"], check=True,
                                capture_output=True, text=True).stdout.strip()
        raw = subprocess.run(["git", "--git-dir", gitdir, "show", f"{commit}:{path}"], check=True,
                             capture_output=True, text=True).stdout
        magics: list[dict] = []
        upstream = raw
        if path.endswith(".ipynb"):
            upstream, magics = notebook_code(raw)
        ours, changed = rename_imports(upstream)
        (HERE / f"{name}.py").write_text(ours)
        manifest[name] = {
            "file": f"{name}.py",
            "upstream": {"repo": repo, "commit": commit, "path": path,
                         "blob_sha256": hashlib.sha256(raw.encode()).hexdigest()},
            "license": LICENSE,
            "notebook": path.endswith(".ipynb"),
            "cell_separator": CELL_SEPARATOR if path.endswith(".ipynb") else None,
            "magic_lines_removed": magics,
            "imports_changed": changed,
            "sha256_without_imports": sha256_without_imports(upstream),
        }
        print(f"{name}: {repo}@{commit[:10]}:{path} -> {name}.py ({len(changed)} import lines, "
              f"{len(magics)} magic lines)")
    (HERE / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
