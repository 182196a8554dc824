// Package pyenv holds the Python env fixtures condapack is tested and benchmarked on, and the
// relocation check that proves a packed env works where it was unpacked:
//
//   - build.sh builds (or reuses, keyed by its recipe) under .cache/pyenv-fixture/: a conda-style
//     env at a 150-character prefix made from a pyenv CPython by make_fixture.py (conda-meta
//     records, a package cache, $ORIGIN RPATHs, noarch packages with console scripts, a gcc-built
//     probe with the conda placeholder compiled in) with ray, numpy and pyspark pip-installed from
//     PyPI; and a venv whose base interpreter (pyenv, absolute RUNPATH) lives outside it.
//   - verify.sh ENVDIR runs inside a YARN container or under `unshare -m` with the original paths
//     hidden: python, imports, console scripts, the probe, mapped libraries, leftover paths.
//   - relocation_test.go (build tag integration, as root) packs both fixtures with condapack,
//     unpacks them at a NodeManager-like path and runs verify.sh with every original path hidden.
package pyenv
