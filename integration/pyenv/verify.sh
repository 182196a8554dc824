#!/usr/bin/env bash
# integration/pyenv/verify.sh ENVDIR [--imports a,b] [--script 'CMD ARGS']... [--probe]
#
# Checks, honestly, that an env packed by orca-yarn works where it was unpacked: ENVDIR is the
# unpacked env (in a YARN container: ./__env__ or whatever the link is called). It runs as the
# container would, so it works inside a container and, for a local test, under `unshare -m` with
# the original paths hidden (see relocation_test.go).
#
# Honesty checks first (each fails the run unless its ORCA_VERIFY_ALLOW_* variable is 1):
#   - every path the env was packed from (.orca-pack.json "sources") is invisible here
#     (ALLOW_VISIBLE): otherwise a file still read from the original env would go unnoticed;
#   - ENVDIR is read-only for us (ALLOW_WRITABLE), as YARN's localized copies are (as root, which
#     ignores modes: no file has a write bit).
# Then, with PATH=ENVDIR/bin:/usr/bin:/bin and no PYTHON* variables, from an empty directory:
#   - the destination link of the launcher contract exists (created here if missing, exactly as
#     the launcher does: a symlink from .orca-pack.json "dest" to ENVDIR);
#   - python starts, sys.prefix is ENVDIR and sys.version is intact; the --imports import; every
#     shared object the process maps lives in ENVDIR or the OS's own library directories;
#   - each --script runs and exits 0 (console scripts: their shebangs were rewritten);
#   - --probe: bin/fixture-prefix-probe (the fixture's C program with the prefix compiled in)
#     prints the destination and finds its marker file through it;
#   - no text file (except in zip archives) still holds an original path; binaries that keep one
#     in compiled-in strings (the packer rewrites only conda's placeholders, and says so) are listed.
set -uo pipefail
[ $# -ge 1 ] || { echo "usage: $0 ENVDIR [--imports a,b] [--script 'CMD ARGS']... [--probe]" >&2; exit 2; }
E=$(realpath "$1")
shift
imports="" probe=0 scripts=()
while [ $# -gt 0 ]; do
  case $1 in
    --imports) imports=$2; shift 2 ;;
    --script) scripts+=("$2"); shift 2 ;;
    --probe) probe=1; shift ;;
    *) echo "verify: unknown argument $1" >&2; exit 2 ;;
  esac
done

failed=0 passed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }

info=$E/.orca-pack.json
[ -f "$info" ] || { echo "FAIL $info is missing: not an env packed by orca-yarn" ; exit 1; }
# The JSON is ours and flat: pull fields with sed rather than depend on jq on a NodeManager.
field() { tr -d '\n' <"$info" | sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p"; }
dest=$(field dest)
mapfile -t sources < <(tr -d '\n' <"$info" | sed -n 's/.*"sources": *\[\([^]]*\)\].*/\1/p' | tr ',' '\n' |
  sed -n 's/^ *"\(.*\)" *$/\1/p')

for s in "${sources[@]}"; do
  if [ -e "$s" ] && [ "${ORCA_VERIFY_ALLOW_VISIBLE:-0}" != 1 ]; then
    bad "original path $s is visible here: hide it (mount namespace or rename) or the check proves nothing"
  else
    ok "original path $s is not visible"
  fi
done
if [ "$(id -u)" = 0 ]; then
  # root writes through any mode: check what YARN did instead (0555/0500 files, no write bit).
  # Bytecode caches are left out: a python run as root writes them into the localized copy,
  # which the NodeManager keeps for later applications.
  writable=$(find "$E" -type f -perm /222 -not -path '*/__pycache__/*' 2>/dev/null | head -n 3)
  if [ -z "$writable" ]; then
    ok "$E is read-only by mode (no file has a write bit; running as root, which ignores modes)"
  elif [ "${ORCA_VERIFY_ALLOW_WRITABLE:-0}" != 1 ]; then
    bad "$E has writable files ($(echo "$writable" | paste -sd' ')): YARN localizes read-only"
  fi
elif touch "$E/bin/.orca-verify-write-test" 2>/dev/null; then
  rm -f "$E/bin/.orca-verify-write-test"
  if [ "${ORCA_VERIFY_ALLOW_WRITABLE:-0}" != 1 ]; then bad "$E is writable: YARN localizes read-only"; fi
else
  ok "$E is read-only"
fi

if [ -n "$dest" ]; then
  manifest=$(field manifest)
  if [ "$(realpath "$dest" 2>/dev/null)" = "$E" ]; then
    ok "destination $dest leads to $E"
  elif [ -f "$dest/.orca-pack.json" ] && tr -d '\n' <"$dest/.orca-pack.json" | grep -q "\"manifest\": *\"$manifest\""; then
    # Kept by the launcher (condapack.LinkDest): another localized copy of the same env.
    ok "destination $dest leads to $(realpath "$dest"), a copy of the same env"
  elif ln -sfn "$E" "$dest.tmp.$$" && mv -T "$dest.tmp.$$" "$dest"; then
    ok "destination $dest linked to $E (the launcher's step)"
  else
    bad "cannot link the destination $dest to $E"
  fi
fi

export PATH=$E/bin:/usr/bin:/bin PYTHONNOUSERSITE=1
unset PYTHONPATH PYTHONHOME PYTHONUSERBASE PYTHONSTARTUP VIRTUAL_ENV CONDA_PREFIX
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

py=$E/$(field interpreter)
[ -x "$py" ] || py=$E/bin/python
if out=$("$py" - "$E" "$imports" 2>&1 <<'PY'
import os, sys, importlib
env = os.path.realpath(sys.argv[1])
assert os.path.realpath(sys.prefix) == env, "sys.prefix is %s, want %s" % (sys.prefix, env)
# A compiled-in string rewritten carelessly shows here first (libpython's version literal can share
# its bytes with the install prefix).
assert sys.version.startswith("%d.%d.%d" % sys.version_info[:3]), "sys.version is %r" % sys.version
for name in ["ssl", "sqlite3", "ctypes", "json", "zlib"] + [m for m in sys.argv[2].split(",") if m]:
    importlib.import_module(name)
system = ("/usr/lib", "/lib", "/usr/lib64", "/lib64", "/usr/share/locale", "/etc/")
outside = set()
with open("/proc/self/maps") as f:
    for line in f:
        parts = line.split(None, 5)
        if len(parts) < 6 or not parts[5].startswith("/"):
            continue
        p = os.path.realpath(parts[5].strip().replace(" (deleted)", ""))
        if not (p + "/").startswith(env + "/") and not p.startswith(system):
            outside.add(p)
assert not outside, "mapped from outside the env: %s" % sorted(outside)
print("python %s, sys.prefix %s, imported %s" % (sys.version.split()[0], sys.prefix, sys.argv[2] or "the stdlib"))
PY
); then
  ok "$out"
else
  bad "python: $out"
fi

for s in "${scripts[@]}"; do
  if out=$(bash -c "$s" 2>&1); then
    ok "$s: $(printf '%s' "$out" | head -n 1)"
  else
    bad "$s: $(printf '%s' "$out" | tail -n 3)"
  fi
done

if [ $probe = 1 ]; then
  out=$("$E/bin/fixture-prefix-probe" 2>&1)
  rc=$?
  if [ $rc = 0 ] && [ "$out" = "$dest" ]; then
    ok "probe (prefix compiled in) prints $out and finds its marker through it"
  else
    bad "probe exited $rc printing ${out:0:80}..."
  fi
fi

excl=(--exclude=.orca-pack.json --exclude='*.pyc' --exclude='*.whl' --exclude='*.jar' --exclude='*.zip' --exclude='*.egg')
for s in "${sources[@]}"; do
  # Text files must not name an original path; binaries may keep compiled-in strings the packer
  # reported (it rewrites only conda's placeholders), which are listed, not failed.
  left=$(grep -rlIF "${excl[@]}" -e "$s" "$E" 2>/dev/null | head -n 10)
  if [ -n "$left" ]; then
    bad "text files still holding $s: $(echo "$left" | sed "s|^$E/||" | paste -sd' ')"
  else
    ok "no text file holds $s"
  fi
  compiled=$(grep -rlF "${excl[@]}" -e "$s" "$E" 2>/dev/null | sed "s|^$E/||" | head -n 5 | paste -sd' ')
  [ -z "$compiled" ] || echo "note binaries keeping $s in compiled-in strings (reported at pack time): $compiled"
done

echo "verify: $passed passed, $failed failed"
[ $failed = 0 ]
