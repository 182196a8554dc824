// Package condapack finds a Python env (conda env, venv, plain prefix), checks that it can work
// somewhere else, hashes its state cheaply, and packs it into a .tar.gz that runs from wherever
// YARN unpacks it, with nothing to fix there. It knows nothing of YARN or HDFS: the submitter
// decides the destination (below) and where archives are kept.
//
//	Find / Open ──▶ Env ──Scan──▶ Manifest (Hash; refusals) ──Key(dest)──▶ cache name
//	                                 └──Pack / PackFile(dest)──▶ .tar.gz + Stats
//
// # Why everything happens at pack time
//
// A NodeManager unpacks an archive with `gzip -dc | tar -x` and then makes every file read-only
// (0555 or 0500): no conda-unpack, no post-processing can run in a container. So the archive is
// made relocatable when it is packed, by these rules:
//
//   - Console scripts (regular files in bin/ whose shebang names an interpreter in the env): a
//     Python interpreter becomes a /bin/sh trampoline that runs the python next to the script
//     (see shebang.go for why not `#!/usr/bin/env python3.X`); another interpreter becomes
//     `#!<dest>/<path>` (or `#!/usr/bin/env <name>` when that would not fit 127 bytes).
//   - Symlinks to an absolute path inside the env become relative; ones leaving the env are
//     kept and reported.
//   - ELF RPATH/RUNPATH entries naming a directory of the env by absolute path become
//     $ORIGIN-relative (in place: the new string is shorter). Entries outside the env are
//     reported (conda-build and auditwheel never leave them; a hand-built library may).
//   - Text files holding the env's prefix get the destination instead, every occurrence (at a
//     path boundary: the prefix is a real path, not a unique placeholder).
//   - Binaries conda installed from a prefix placeholder (paths_data file_mode "binary") get
//     conda's rule: each NUL-terminated string starting with the prefix is rewritten with the
//     destination and padded with NULs to its old length. Other binaries keep their strings and
//     are reported: without conda's unique placeholder, a linker may have merged another literal
//     into the path's tail (pyenv's libpython keeps PY_VERSION "3.11.7" as the tail of its
//     prefix "/root/.pyenv/versions/3.11.7"; rewriting the prefix corrupted sys.version).
//     Interpreters do not need those strings: CPython finds its prefix from its own location.
//   - Compiled .pyc files are left (Python replaces their source path on import); zip archives
//     are left and reported (their CRCs would break).
//
// # The destination contract (for the launcher)
//
// A path compiled into a binary, or written into _sysconfigdata, a .pth or a pkg-config file, must
// be absolute, and where YARN unpacks an archive (.../filecache/<N>/<name>/, N unknowable) is not.
// So PackOptions.Dest names a fixed absolute path, and the archive's last member, .orca-pack.json
// (PackInfo), repeats it. The contract:
//
//  1. Before starting any process from the env, the container's launcher makes Dest a symlink to
//     the env's localized directory: LinkDest(envDir) does exactly that (it keeps a link that
//     already leads to an env with the same manifest, replaces a dangling or foreign link
//     atomically, and refuses to touch a directory or file there).
//  2. Dest must fit where it is written: binary strings are rewritten only in files conda
//     installed from a placeholder (255 bytes for conda-build packages, 32 for legacy ones), so
//     any Dest up to 32 bytes fits. The submitter uses /tmp/oy-<16 hex> (24 bytes): the hex is
//     a hash of the HDFS user, the manifest and the resource visibility (envcache.Dest), so one
//     link on a host serves exactly one archive, two users never contend for one link in the
//     sticky /tmp, and the link always leads to that archive's single localized copy
//     (NodeManagers localize a URL+timestamp once and do not evict it while a container uses it).
//     Archives must therefore be PRIVATE or PUBLIC, never APPLICATION (deleted when its
//     application ends, while another application's container might still use the link).
//  3. Python itself needs no link: the interpreter finds its prefix from its own location,
//     scripts find the interpreter next to themselves, and libraries find each other through
//     $ORIGIN. Without the link only what names Dest breaks: compiled-in paths (a conda binary
//     with a prefix placeholder), sysconfig and pkg-config data, and .pth or config files with
//     absolute paths. An archive packed with an empty Dest keeps those pointing at the packing
//     host's paths and says so in Stats.Warnings.
//
// # Env kinds
//
// A conda env is packed from its prefix (not the package cache), with conda-meta telling which
// files are managed; pip-installed files are packed as they are. A venv's base interpreter lives
// outside it, and a NodeManager does not have it at the same path, so the archive is a
// self-contained prefix: the base's real interpreter as bin/pythonX.Y, its standard library,
// the shared libraries those need (DT_NEEDED closure within the base), and the venv's packages
// as the only site-packages; pyvenv.cfg is dropped, so Python finds its prefix from its location.
// A venv of the system Python (/usr), or one that sees its base's site-packages, is refused.
//
// # Refusals (ErrRefused) and overrides
//
// Editable installs (--ignore-editable), conda-managed files missing (--ignore-missing) or
// clobbered by pip or by hand (--ignore-clobbered), and in strict mode every warning. Messages
// name the files. Scan finds the first three without reading file contents; Verify adds a full
// read (content into the hash, conda's sha256 compared).
//
// # Hash, consistency, memory
//
// Manifest.Hash covers paths, types, modes, sizes, mtimes, link targets, hard-link structure,
// the bytes of conda-meta records and dist-info RECORDs, and the env's prefixes; not atimes,
// ctimes or directory mtimes. Pack re-checks each file (size, mtime, inode, ctime) as it reads
// it: a change since Scan fails with ErrChanged, so an archive is always exactly its manifest's
// env. Eight readers read in parallel into at most 16 MiB of buffers of two fixed sizes (files
// above 1 MiB stream in 256 KiB chunks), one goroutine writes the tar in order, and pgzip
// compresses 1 MiB blocks in parallel (orca-yarn pack of a 1.5 GB env: about 140 MiB peak RSS).
// Owners are 0/0 with no names; file mtimes are kept in whole seconds (truncated: .pyc files
// compare them), directories get the newest file's.
package condapack
