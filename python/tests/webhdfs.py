"""A small WebHDFS client for test fixtures: put a file, read its status, under the cluster's config.

Why: the Spark-on-YARN tests must stage a CSV, an env archive and Spark's jars on HDFS without
depending on the ``orca-yarn cache put`` command (another part of the project) or a Hadoop install.
WebHDFS is a real HDFS client path (NameNode REST plus a redirect to a DataNode); simple auth only.
"""

from __future__ import annotations

import getpass
import json
import os
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path


def _site(conf_dir: Path, name: str) -> dict[str, str]:
    root = ET.parse(conf_dir / name).getroot()
    return {p.findtext("name", ""): p.findtext("value", "") for p in root.iter("property")}


class WebHDFS:
    """WebHDFS at the NameNode's HTTP address named in ``$HADOOP_CONF_DIR/hdfs-site.xml``."""

    def __init__(self, conf_dir: str | None = None, user: str | None = None) -> None:
        conf = Path(conf_dir or os.environ["HADOOP_CONF_DIR"])
        self.default_fs = _site(conf, "core-site.xml")["fs.defaultFS"].rstrip("/")
        self.http = "http://" + _site(conf, "hdfs-site.xml")["dfs.namenode.http-address"]
        self.user = user or os.environ.get("HADOOP_USER_NAME") or getpass.getuser()
        # The ResourceManager's REST API, for tests that check what YARN holds.
        yarn = _site(conf, "yarn-site.xml")
        self.rm_web = "http://" + (yarn.get("yarn.resourcemanager.webapp.address")
                                   or yarn.get("yarn.resourcemanager.hostname", "localhost") + ":8088")

    def _url(self, path: str, op: str, **params: str) -> str:
        q = urllib.parse.urlencode({"op": op, "user.name": self.user, **params})
        return f"{self.http}/webhdfs/v1{urllib.parse.quote(path)}?{q}"

    def status(self, path: str) -> dict | None:
        try:
            with urllib.request.urlopen(self._url(path, "GETFILESTATUS"), timeout=30) as r:
                return json.load(r)["FileStatus"]
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def list(self, path: str) -> list[str]:
        """Names in a directory; [] when it does not exist."""
        try:
            with urllib.request.urlopen(self._url(path, "LISTSTATUS"), timeout=30) as r:
                return [st["pathSuffix"] for st in json.load(r)["FileStatuses"]["FileStatus"]]
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return []
            raise

    def mkdirs(self, path: str) -> None:
        req = urllib.request.Request(self._url(path, "MKDIRS"), method="PUT")
        urllib.request.urlopen(req, timeout=30).close()

    def put(self, local: str | Path, path: str, overwrite: bool = True) -> str:
        """Upload ``local`` to ``path``; skip when a file of the same size is there. Returns the URI."""
        size = Path(local).stat().st_size
        st = self.status(path)
        if st is not None and st.get("length") == size and not overwrite:
            return self.default_fs + path
        req = urllib.request.Request(self._url(path, "CREATE", overwrite="true"), method="PUT")
        try:  # step 1: the NameNode answers 307 with the DataNode URL
            urllib.request.urlopen(req, timeout=30).close()
            raise RuntimeError("WebHDFS CREATE: expected a redirect to a DataNode")
        except urllib.error.HTTPError as e:
            if e.code != 307:
                raise
            location = e.headers["Location"]
        with open(local, "rb") as f:
            put = urllib.request.Request(location, data=f, method="PUT",
                                         headers={"Content-Length": str(size),
                                                  "Content-Type": "application/octet-stream"})
            urllib.request.urlopen(put, timeout=600).close()
        return self.default_fs + path
