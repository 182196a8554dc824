#!/usr/bin/env bash
# bench/ray/setup.sh: prepares the peers of the "submit -> Ray ready" benchmark
# (bench/sections/60-ray.sh). Idempotent; progress goes to stderr; the last lines of stdout are
# exports for the caller to eval. Needs HADOOP_CONF_DIR (the local cluster's client conf).
#
#   * Skein 0.8.2 and its Java side: bench/skein/setup.sh (its fake `hadoop` launcher is also what
#     puts files into HDFS here, so no Hadoop install is needed).
#   * The Python env of the project (scripts/install-python.sh: ray 2.60, pyspark 4.3).
#   * skeinlib: skein, grpc and protobuf 3.20.3 from the Skein venv as a tar.gz, for `skein kv` in
#     the recipe's containers, whose env (orca-yarn's archive of the project env) has no Skein.
#   * Spark's jars: a zip of pyspark's jars/ (stored, not compressed: jars are zips already), for
#     spark.yarn.archive, so a Spark run does not upload ~460 MB of jars every time.
# Both archives are content-addressed files under /user/$USER/.orca-bench/ray/ on HDFS and are
# uploaded only when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
work=$repo/.cache/ray-bench
log() { echo "ray-setup: $*" >&2; }
export PYTHONDONTWRITEBYTECODE=1 # the project env is orca-yarn's env: keep its content as it is
: "${HADOOP_CONF_DIR:?HADOOP_CONF_DIR must name the cluster client conf}"

skein_exports=$(bash bench/skein/setup.sh)
eval "$skein_exports"
venv=$(bash scripts/install-python.sh | tail -n 1)
mkdir -p "$work"

# The default FS from the client conf, so the archives' URLs are complete (hdfs://nn:port/...).
default_fs=$("$venv/bin/python" - "$HADOOP_CONF_DIR/core-site.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
for p in ET.parse(sys.argv[1]).getroot().iter("property"):
    if p.findtext("name") == "fs.defaultFS":
        print(p.findtext("value").rstrip("/"))
PY
)
[ -n "$default_fs" ] || { log "no fs.defaultFS in $HADOOP_CONF_DIR/core-site.xml"; exit 1; }
hdfs_dir=/user/$(id -un)/.orca-bench/ray
fsshell() { hadoop org.apache.hadoop.fs.FsShell "$@"; }

# upload LOCAL NAME: puts LOCAL at $hdfs_dir/NAME unless it is there already; prints the URL.
upload() {
  local src=$1 dst=$hdfs_dir/$2
  if ! fsshell -test -e "$dst" 2>/dev/null; then
    log "uploading $(du -h "$src" | cut -f1) to $dst"
    fsshell -mkdir -p "$hdfs_dir" >&2
    fsshell -put -f "$src" "$dst._tmp" >&2
    fsshell -mv "$dst._tmp" "$dst" >&2
  fi
  echo "$default_fs$dst"
}

# skeinlib: deterministic tar (sorted, fixed mtime and owner), named by the hash of its content.
site=$repo/.cache/venv-skein/lib/python3.11/site-packages
tmp=$(mktemp "$work/skeinlib.XXXXXX")
tar -C "$site" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
  --exclude='__pycache__' --exclude='skein/java' \
  -cf - skein grpc google yaml typing_extensions.py | gzip -n -1 >"$tmp"
skeinlib_name=skeinlib-$(sha256sum "$tmp" | cut -c1-16).tar.gz
mv "$tmp" "$work/$skeinlib_name"
skeinlib=$(upload "$work/$skeinlib_name" "$skeinlib_name")

# Spark's jars, named by pyspark's version and the jar list with sizes.
jars=$venv/lib/python3.11/site-packages/pyspark/jars
pyspark_version=$("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)')
jars_hash=$(cd "$jars" && find . -name '*.jar' -printf '%f %s\n' | sort | sha256sum | cut -c1-16)
jars_name=spark-jars-$pyspark_version-$jars_hash.zip
if [ ! -f "$work/$jars_name" ]; then
  log "zipping $jars"
  rm -f "$work/$jars_name.tmp"
  (cd "$jars" && zip -q -0 -X "$work/$jars_name.tmp" ./*.jar)
  mv "$work/$jars_name.tmp" "$work/$jars_name"
fi
spark_archive=$(upload "$work/$jars_name" "$jars_name")

echo "$skein_exports"
echo "export RAY_BENCH_PY=$venv/bin/python"
echo "export RAY_BENCH_SKEINLIB=$skeinlib"
echo "export RAY_BENCH_SPARK_ARCHIVE=$spark_archive"
