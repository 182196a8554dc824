#!/usr/bin/env python3
"""Extract every ``init_orca_context(...)`` call site from BigDL and Analytics Zoo into calls.json.

Run by hand (it needs the upstream git repositories; CI has none and reads only calls.json):

    python tests/orca_corpus/extract.py \
        --repo intel-analytics/BigDL-2.x=/path/to/BigDL-2.x.git \
        --repo intel-analytics/analytics-zoo=/path/to/analytics-zoo.git

Each repository is read with git at one commit (``--commit``, default HEAD of the git directory):
``.py`` files, the code cells of ``.ipynb`` notebooks, and ``.md`` / ``.rst`` docs. A call site is
an occurrence of ``init_orca_context(`` (bare or as ``x.init_orca_context(``) that is not a ``def``,
cut out with balanced parentheses (string literals respected) and accepted only if ``ast`` parses
it as a call expression. Doctest prompts (``>>>``/``...``) and a leading ``#`` on every line of a
commented-out call are removed first; such calls are kept and flagged ``commented``.

Every call site is classified by its path (``category``): example, tutorial, notebook, docs,
apps, test, library. The corpus test uses the first five ("examples, tutorials, notebooks and
docs"); test and library code is recorded for the counts only.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
from pathlib import Path

EXTS = (".py", ".ipynb", ".md", ".rst")
CALL_RE = re.compile(r"(?<![\w.])((?:[A-Za-z_]\w*\.)*init_orca_context)\s*\(")
PROMPT_RE = re.compile(r"^(\s*)(>>>|\.\.\.)( |$)")
USER_SCOPE = ("example", "tutorial", "notebook", "docs", "apps")


def git(gitdir: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", gitdir, *args], check=True,
                          capture_output=True, text=True).stdout


def category(path: str) -> str:
    p = "/" + path.lower()
    if "/test/" in p or "/tests/" in p or Path(p).name.startswith("test_"):
        return "test"
    if "tutorial" in p:
        return "tutorial"
    if p.endswith(".ipynb") or "notebook" in p:
        return "notebook"
    if "/example" in p or "/use-case" in p or "/examples/" in p:
        return "example"
    if p.startswith("/apps/"):
        return "apps"
    if p.endswith((".md", ".rst")):
        return "docs"
    return "library"


def project(path: str) -> str:
    """Which BigDL/Zoo library the file belongs to (for the counts); general docs count as orca."""
    p = path.lower()
    for name in ("friesian", "chronos", "ppml", "serving", "nano"):
        if name in p:
            return name
    return "orca"


def balanced(text: str, start: int) -> int | None:
    """Index just past the ``)`` closing the ``(`` at ``start``; None if it never closes."""
    depth, i, n = 0, start, len(text)
    quote: str | None = None
    while i < n:
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
        elif c in "'\"":
            quote = text[i:i + 3] if text[i:i + 3] in ("'''", '"""') else c
            i += len(quote)
            continue
        elif c == "#":  # a comment inside the call: skip to the end of the line
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def clean_lines(lines: list[str], commented: bool) -> list[str]:
    """Remove doctest prompts and, for a commented-out call, the ``#`` of every line."""
    out = []
    for ln in lines:
        m = PROMPT_RE.match(ln)
        if m:
            ln = m.group(1) + ln[m.end():]
        if commented:
            s = ln.lstrip()
            if s.startswith("#"):
                ln = s[1:]
        out.append(ln)
    return out


def calls_in_text(text: str) -> list[dict]:
    """Call sites in one piece of source text: line (1-based), source, flags."""
    found = []
    lines = text.split("\n")
    offsets, pos = [], 0
    for ln in lines:
        offsets.append(pos)
        pos += len(ln) + 1
    for lineno, line in enumerate(lines):
        for m in CALL_RE.finditer(line):
            before = line[:m.start()]
            if re.search(r"\bdef\s*$", before):
                continue
            stripped = PROMPT_RE.sub(r"\1", before).strip()
            commented = stripped.startswith("#")
            lead = stripped.lstrip("#").strip()
            if commented and lead and not re.fullmatch(r"[\w.,\s]+=", lead):
                continue  # prose in a comment that names the call, not commented-out code
            # the call text from the name to the end, over cleaned following lines
            tail = [line[m.start():]] + lines[lineno + 1:lineno + 60]
            tail = [tail[0]] + clean_lines(tail[1:], commented)
            src = "\n".join(tail)
            paren = m.end() - 1 - m.start()
            end = balanced(src, paren)
            entry = {"line": lineno + 1, "commented": commented}
            if end is None:
                entry.update(source=line[m.start():].strip(), error="unbalanced parentheses")
                found.append(entry)
                continue
            expr = src[:end]
            try:
                node = ast.parse(expr.strip(), mode="eval").body
                if not isinstance(node, ast.Call):
                    raise SyntaxError("not a call")
            except SyntaxError as e:
                entry.update(source=expr, error=f"not parsable: {e.msg}")
                found.append(entry)
                continue
            # drop the qualifier (orca.init_orca_context -> init_orca_context) for a uniform text
            qual = m.group(1)
            if qual != "init_orca_context":
                expr = expr[len(qual) - len("init_orca_context"):]
                entry["qualifier"] = qual[: -len("init_orca_context") - 1]
            entry["source"] = expr
            found.append(entry)
    return found


def md_code_lines(text: str, rst: bool) -> set[int]:
    """1-based lines inside code: fenced blocks for Markdown, ``::``-introduced indented blocks for rst."""
    code, inside = set(), False
    lines = text.split("\n")
    if not rst:
        for i, ln in enumerate(lines, 1):
            if ln.lstrip().startswith(("```", "~~~")):
                inside = not inside
                continue
            if inside or ln.startswith("    ") or ln.startswith("\t") or ln.lstrip().startswith(">>>"):
                code.add(i)
        return code
    block_indent = None
    for i, ln in enumerate(lines, 1):
        if block_indent is not None:
            if ln.strip() == "":
                continue
            ind = len(ln) - len(ln.lstrip())
            if ind > block_indent:
                code.add(i)
                continue
            block_indent = None
        if ln.rstrip().endswith("::"):
            block_indent = len(ln) - len(ln.lstrip())
        elif ln.lstrip().startswith(">>>"):
            code.add(i)
    return code


def extract(repo: str, gitdir: str, commit: str) -> tuple[list[dict], list[dict]]:
    sha = git(gitdir, "rev-parse", commit + "^{commit}").strip()
    # only files that mention the name (git grep reads the blobs it has; missing ones are errors)
    res = subprocess.run(["git", "--git-dir", gitdir, "grep", "-l", "-I", "init_orca_context", sha, "--",
                          *[f"*{e}" for e in EXTS]], capture_output=True, text=True)
    paths = sorted({ln.split(":", 1)[1] for ln in res.stdout.splitlines() if ln})
    missing = sorted({m.group(1) for m in re.finditer(r"'[0-9a-f]+:([^']+)': unable to read", res.stderr)
                      if m.group(1).endswith(EXTS)})
    # a blob missing from a partial snapshot (large notebooks with images): the newest readable
    # version of the same path before it, recorded with its own commit and flagged
    sources: list[tuple[str, str, str, str | None]] = [(path, sha, git(gitdir, "show", f"{sha}:{path}"), None)
                                                       for path in paths]
    gaps = []
    for path in missing:
        older = readable_version(gitdir, sha, path)
        if older is None:
            gaps.append({"repo": repo, "commit": sha, "path": path, "category": category(path),
                         "reason": "blob not in the fetched snapshot, nor any older version"})
        elif "init_orca_context" in older[1]:
            sources.append((path, older[0], older[1], sha))
    out: list[dict] = []
    for path, at, text, instead_of in sources:
        base = {"repo": repo, "commit": at, "path": path, "category": category(path)}
        if instead_of:
            base["unreadable_at"] = instead_of
        if path.endswith(".ipynb"):
            try:
                nb = json.loads(text)
            except json.JSONDecodeError:
                continue
            for ci, cell in enumerate(nb.get("cells", [])):
                if cell.get("cell_type") != "code":
                    continue
                src = cell.get("source", "")
                src = "".join(src) if isinstance(src, list) else src
                for c in calls_in_text(src):
                    out.append({**base, "cell": ci, **c})
            continue
        code = md_code_lines(text, path.endswith(".rst")) if path.endswith((".md", ".rst")) else None
        for c in calls_in_text(text):
            if code is not None:
                c["in_code_block"] = c["line"] in code
            out.append({**base, **c})
    return out, gaps


def readable_version(gitdir: str, sha: str, path: str) -> tuple[str, str] | None:
    """(commit, text) of the newest version of ``path`` at or before ``sha`` whose blob is present."""
    for c in git(gitdir, "log", "--format=%H", sha, "--", path).split():
        r = subprocess.run(["git", "--git-dir", gitdir, "show", f"{c}:{path}"], capture_output=True, text=True)
        if r.returncode == 0:
            return c, r.stdout
    return None


def dump(doc: dict) -> str:
    """JSON with one call site per line: reviewable diffs when the corpus is regenerated."""
    parts = []
    for k, v in doc.items():
        if isinstance(v, list) and v and isinstance(v[0], dict):
            rows = ",\n  ".join(json.dumps(x, ensure_ascii=False) for x in v)
            parts.append(f" {json.dumps(k)}: [\n  {rows}\n ]")
        else:
            parts.append(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", action="append", required=True, metavar="OWNER/NAME=GITDIR")
    ap.add_argument("--commit", default="HEAD")
    ap.add_argument("--out", default=str(Path(__file__).with_name("calls.json")))
    a = ap.parse_args()
    calls: list[dict] = []
    gaps: list[dict] = []
    for spec in a.repo:
        name, gitdir = spec.split("=", 1)
        c, g = extract(name, gitdir, a.commit)
        calls += c
        gaps += g
    for c in calls:
        c["project"] = project(c["path"])
    good = [c for c in calls if "error" not in c]
    summary: dict = {}
    for c in good:
        s = summary.setdefault(c["repo"], {"commit": c["commit"], "all": 0, "in_scope": 0,
                                           "by_category": {}, "in_scope_by_project": {}})
        s["all"] += 1
        s["by_category"][c["category"]] = s["by_category"].get(c["category"], 0) + 1
        if c["category"] in USER_SCOPE:
            s["in_scope"] += 1
            s["in_scope_by_project"][c["project"]] = s["in_scope_by_project"].get(c["project"], 0) + 1
    doc = {
        "generator": "python/tests/orca_corpus/extract.py",
        "scope": "categories " + ", ".join(USER_SCOPE) + "; test and library code is counted in summary only",
        "summary": summary,
        "calls": [c for c in good if c["category"] in USER_SCOPE],
        "unparsed": [c for c in calls if "error" in c and c["category"] in USER_SCOPE],
        "unreadable": [g for g in gaps if g["category"] in USER_SCOPE],
    }
    Path(a.out).write_text(dump(doc))
    json.dump(summary, sys.stdout, indent=1)
    print(f"\n{len(doc['calls'])} call sites in scope ({len(good)} in all), {len(doc['unparsed'])} unparsed, {len(doc['unreadable'])} unreadable files -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
