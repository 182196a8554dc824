#!/usr/bin/env python3
"""Fabricate a conda-style environment (prefix + package cache + conda-meta)
from an existing CPython prefix (e.g. a pyenv build), without any conda channel.

Adapted from the env-packing research recipe (shared/research/fixture/make_fixture.py); build.sh
beside this file runs it, adds the PyPI packages and caches the result.

Emulates what `conda create` leaves behind closely enough for conda-pack:
  PKGS/<name>-<ver>-<build>/{info/index.json,info/paths.json,info/files,[info/link.json],<files>}
  PREFIX/conda-meta/<name>-<ver>-<build>.json  (name, version, build, files, paths_data, link.source, url...)
  PREFIX/conda-meta/history
Text files that held the source prefix hold a 255-char placeholder in the cache and the
real PREFIX in the env (conda text-mode relocation). A tiny C probe is built with the
placeholder compiled in and registered as file_mode=binary (null-padded relocation).
Pure-python dists become `noarch: python` packages (entry points + .pyc only in conda-meta),
dists with .so become arch packages, --unmanaged dists are left as plain pip installs.
"""
import argparse, csv, hashlib, json, os, re, shutil, subprocess, sys, time

PLACEHOLDER = ("/opt/conda-bld/fixture_1700000000000/_h_env" + "_placehold" * 30)[:255]
OPT = "/opt/anaconda1anaconda2" + "anaconda3"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def is_text(data):
    return b"\0" not in data


def elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


# Files of the source interpreter that belong to this machine, not to a Python distribution:
# they must not end up in a fixture (the sandbox's .pth appends to certifi's bundle at start-up).
MACHINE_LOCAL = ("lib/python%s/site-packages/_sandboxing_egress_ca.pth",)


def stage_tree(src, stage, pyver):
    if os.path.exists(stage):
        shutil.rmtree(stage)
    subprocess.check_call(["cp", "-a", src, stage])
    for rel in MACHINE_LOCAL:
        p = os.path.join(stage, rel % pyver)
        if os.path.lexists(p):
            os.unlink(p)
    # conda-build style: make RPATH/RUNPATH relative ($ORIGIN) instead of the absolute build prefix
    for root, dirs, files in os.walk(stage):
        for fn in files:
            p = os.path.join(root, fn)
            if os.path.islink(p) or not elf(p):
                continue
            out = subprocess.run(["patchelf", "--print-rpath", p], capture_output=True, text=True)
            rp = out.stdout.strip()
            if out.returncode == 0 and src in rp:
                rel = os.path.relpath(os.path.join(stage, "lib"), root)
                subprocess.check_call(["patchelf", "--set-rpath", "$ORIGIN/" + rel, p])


def dist_records(stage, sp_rel):
    """map dist name -> (version, [relpaths from prefix]) using RECORD files"""
    sp = os.path.join(stage, sp_rel)
    dists = {}
    for d in sorted(os.listdir(sp)):
        if not d.endswith(".dist-info"):
            continue
        rec = os.path.join(sp, d, "RECORD")
        if not os.path.exists(rec):
            continue
        name, ver = d[:-len(".dist-info")].split("-", 1)
        files = []
        with open(rec, newline="") as f:
            for row in csv.reader(f):
                if not row:
                    continue
                rp = os.path.normpath(os.path.join(sp_rel, row[0]))
                if os.path.lexists(os.path.join(stage, rp)):
                    files.append(rp)
        eps = set()
        ept = os.path.join(sp, d, "entry_points.txt")
        if os.path.exists(ept):
            sec = None
            for line in open(ept):
                line = line.strip()
                if line.startswith("["):
                    sec = line
                elif sec in ("[console_scripts]", "[gui_scripts]") and "=" in line:
                    eps.add(line.split("=", 1)[0].strip())
        dists[name.lower().replace("_", "-")] = (ver, sorted(set(files)), eps)
    return dists


class Builder:
    def __init__(self, stage, old, prefix, pkgs, pyver):
        self.stage, self.old, self.prefix, self.pkgs, self.pyver = stage, old, prefix, pkgs, pyver
        self.sp = "lib/python%s/site-packages" % pyver
        os.makedirs(os.path.join(prefix, "conda-meta"), exist_ok=True)
        os.makedirs(pkgs, exist_ok=True)
        self.n = 0

    def _cache_bytes(self, rp):
        """content as stored in the package cache + (placeholder, mode)"""
        p = os.path.join(self.stage, rp)
        with open(p, "rb") as f:
            data = f.read()
        if self.old.encode() in data and is_text(data):
            return data.replace(self.old.encode(), PLACEHOLDER.encode()), PLACEHOLDER, "text"
        return data, None, None

    def _installed_bytes(self, rp):
        with open(os.path.join(self.stage, rp), "rb") as f:
            data = f.read()
        if is_text(data):
            data = data.replace(self.old.encode(), self.prefix.encode())
        return data

    def _write(self, dst, data, like):
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as f:
            f.write(data)
        shutil.copymode(like, dst)

    def package(self, name, version, build, files, noarch=False, eps=(), extra_cache=None):
        """files: relpaths (from prefix) taken from the staging tree."""
        dist = "%s-%s-%s" % (name, version, build)
        pdir = os.path.join(self.pkgs, dist)
        if os.path.exists(pdir):
            shutil.rmtree(pdir)
        os.makedirs(os.path.join(pdir, "info"))
        paths, installed, paths_data = [], [], []
        for rp in files:
            src = os.path.join(self.stage, rp)
            base = os.path.basename(rp)
            if noarch:
                if "/__pycache__/" in "/" + rp:
                    installed.append(rp)  # compiled at install time, only in conda-meta
                    self._write(os.path.join(self.prefix, rp), open(src, "rb").read(), src)
                    continue
                if rp.startswith("bin/") and base in eps:
                    installed.append(rp)  # entry point generated at install time
                    self._write(os.path.join(self.prefix, rp), self._installed_bytes(rp), src)
                    continue
                if rp.startswith(self.sp + "/"):
                    cpath = "site-packages/" + rp[len(self.sp) + 1:]
                elif rp.startswith("bin/"):
                    cpath = "python-scripts/" + base
                else:
                    cpath = rp
            else:
                cpath = rp
            cdst = os.path.join(pdir, cpath)
            os.makedirs(os.path.dirname(cdst), exist_ok=True)
            rec = {"_path": cpath}
            if os.path.islink(src):
                os.symlink(os.readlink(src), cdst)
                rec["path_type"] = "softlink"
                idst = os.path.join(self.prefix, rp)
                os.makedirs(os.path.dirname(idst), exist_ok=True)
                if not os.path.lexists(idst):
                    os.symlink(os.readlink(src), idst)
            else:
                data, ph, mode = self._cache_bytes(rp)
                self._write(cdst, data, src)
                rec.update(path_type="hardlink", sha256=sha256(cdst), size_in_bytes=len(data))
                idst = os.path.join(self.prefix, rp)
                os.makedirs(os.path.dirname(idst), exist_ok=True)
                if ph:
                    rec.update(prefix_placeholder=ph, file_mode=mode)
                    self._write(idst, data.replace(ph.encode(), self.prefix.encode()), src)
                else:
                    if os.path.lexists(idst):
                        os.unlink(idst)
                    os.link(cdst, idst)  # conda's default link type: hardlink from the cache
            paths.append(rec)
            paths_data.append(dict(rec, _path=rp))
            installed.append(rp)
        for cpath, blob, mode_bits, ph, fmode in (extra_cache or []):
            cdst = os.path.join(pdir, cpath)
            os.makedirs(os.path.dirname(cdst), exist_ok=True)
            with open(cdst, "wb") as f:
                f.write(blob)
            os.chmod(cdst, mode_bits)
            rec = {"_path": cpath, "path_type": "hardlink", "sha256": sha256(cdst), "size_in_bytes": len(blob)}
            idst = os.path.join(self.prefix, cpath)
            os.makedirs(os.path.dirname(idst), exist_ok=True)
            if ph:
                rec.update(prefix_placeholder=ph, file_mode=fmode)
                if fmode == "binary":
                    pat = re.compile(re.escape(ph.encode()) + b"([^\0]*?)\0")
                    new = pat.sub(lambda m: m.group().replace(ph.encode(), self.prefix.encode())
                                  + b"\0" * (len(ph) - len(self.prefix)), blob)
                    assert len(new) == len(blob)
                else:
                    new = blob.replace(ph.encode(), self.prefix.encode())
                with open(idst, "wb") as f:
                    f.write(new)
                os.chmod(idst, mode_bits)
            else:
                os.link(cdst, idst)
            paths.append(rec)
            paths_data.append(dict(rec))
            installed.append(cpath)
        subdir = "noarch" if noarch else "linux-64"
        index = {"name": name, "version": version, "build": build, "build_number": 0,
                 "depends": [], "subdir": subdir, "arch": None if noarch else "x86_64",
                 "platform": None if noarch else "linux"}
        if noarch:
            index["noarch"] = "python"
        json.dump(index, open(os.path.join(pdir, "info", "index.json"), "w"), indent=2)
        json.dump({"paths": paths, "paths_version": 1}, open(os.path.join(pdir, "info", "paths.json"), "w"), indent=2)
        with open(os.path.join(pdir, "info", "files"), "w") as f:
            f.write("".join(p["_path"] + "\n" for p in paths))
        if noarch:
            json.dump({"noarch": {"type": "python", "entry_points": sorted("%s = x:y" % e for e in eps)},
                       "package_metadata_version": 1}, open(os.path.join(pdir, "info", "link.json"), "w"), indent=2)
        url = "https://conda.anaconda.org/fixture/%s/%s.conda" % (subdir, dist)
        meta = {"name": name, "version": version, "build": build, "build_number": 0,
                "channel": "https://conda.anaconda.org/fixture/" + subdir, "subdir": subdir,
                "fn": dist + ".conda", "url": url, "depends": [], "files": sorted(installed),
                "paths_data": {"paths": sorted(paths_data, key=lambda r: r["_path"]), "paths_version": 1},
                "link": {"source": pdir, "type": 1}, "extracted_package_dir": pdir,
                "package_tarball_full_path": pdir + ".conda", "requested_spec": name}
        json.dump(meta, open(os.path.join(self.prefix, "conda-meta", dist + ".json"), "w"), indent=1)
        self.n += 1


def probe_blob(workdir):
    """C program with the placeholder compiled in (binary-mode prefix record)."""
    c = os.path.join(workdir, "probe.c")
    with open(c, "w") as f:
        f.write('#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\n'
                'static const char prefix[] = "%s";\n'
                'int main(void){ char m[4096]; snprintf(m,sizeof m,"%%s/share/fixture-probe/marker",prefix);\n'
                ' printf("%%s\\n", prefix); return access(m, R_OK)==0 ? 0 : 3; }\n' % PLACEHOLDER)
    exe = os.path.join(workdir, "probe")
    subprocess.check_call(["gcc", "-O2", "-o", exe, c])
    return open(exe, "rb").read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--pkgs", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--unmanaged", default="requests,moto,boto3")
    ap.add_argument("--keep-stage", action="store_true")
    a = ap.parse_args()
    src, prefix = os.path.realpath(a.src), os.path.abspath(a.prefix)
    assert len(prefix) < len(PLACEHOLDER)
    if os.path.exists(prefix):
        shutil.rmtree(prefix)
    os.makedirs(a.work, exist_ok=True)
    stage = os.path.join(a.work, "stage")
    t0 = time.time()
    out = subprocess.check_output([os.path.join(src, "bin", "python3"), "-c",
                                   "import sys;print('%d.%d.%d'%sys.version_info[:3])"], text=True).strip()
    pyver, pyfull = ".".join(out.split(".")[:2]), out
    stage_tree(src, stage, pyver)
    b = Builder(stage, src, prefix, a.pkgs, pyver)
    dists = dist_records(stage, b.sp)
    unmanaged = {u.strip().lower() for u in a.unmanaged.split(",") if u.strip()}
    claimed = set()
    for name, (ver, files, eps) in dists.items():
        claimed.update(files)
    allfiles = []
    for root, dirs, files in os.walk(stage):
        for d in dirs:
            if os.path.islink(os.path.join(root, d)):
                allfiles.append(os.path.relpath(os.path.join(root, d), stage))
        for fn in files:
            allfiles.append(os.path.relpath(os.path.join(root, fn), stage))
    py_files = [f for f in allfiles if f not in claimed]
    b.package("python", pyfull, "h0_0_cpython", sorted(py_files))
    taken = set()
    for name, (ver, files, eps) in sorted(dists.items()):
        files = [f for f in files if f not in taken]
        taken.update(files)
        if name in unmanaged:  # plain pip install: files only, no conda-meta record
            for rp in files:
                s, d = os.path.join(stage, rp), os.path.join(prefix, rp)
                os.makedirs(os.path.dirname(d), exist_ok=True)
                if os.path.islink(s):
                    os.symlink(os.readlink(s), d)
                else:
                    b._write(d, b._installed_bytes(rp), s)
            continue
        has_so = any(f.endswith(".so") or ".so." in f for f in files)
        b.package(name, ver, "py311_0" if has_so else "pyhd8ed1ab_0", files, noarch=not has_so, eps=eps)
    blob = probe_blob(a.work)
    b.package("fixture-probe", "1.0", "h0_0", [], extra_cache=[
        ("bin/fixture-prefix-probe", blob, 0o755, PLACEHOLDER, "binary"),
        ("share/fixture-probe/marker", b"ok\n", 0o644, None, None),
        ("etc/fixture-probe.conf", ("prefix=%s\n" % PLACEHOLDER).encode(), 0o644, PLACEHOLDER, "text")])
    with open(os.path.join(prefix, "conda-meta", "history"), "w") as f:
        f.write("==> %s <==\n# cmd: make_fixture.py\n" % time.strftime("%Y-%m-%d %H:%M:%S"))
    if not a.keep_stage:
        shutil.rmtree(stage)
    print("packages=%d prefix=%s (%d chars) in %.1fs" % (b.n, prefix, len(prefix), time.time() - t0))


if __name__ == "__main__":
    main()
