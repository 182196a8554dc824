"""Ray for the three modes: a local instance, a YARN cluster reached from the edge, the head's driver.

Why ``address="local"`` in local mode: a bare ``ray.init()`` joins whatever cluster
``/tmp/ray/ray_current_cluster`` names (Ray's own lookup), which on a shared machine can be another
user's or another test's Ray. Local mode must start its own.

Why Ray Client from the edge node: a driver connecting with ``host:port`` needs a raylet on its own
machine (research §1.7); the edge node has none, so it connects to ``ray://head:port``. Token auth
(Ray >= 2.52): Ray reads ``RAY_AUTH_MODE``/``RAY_AUTH_TOKEN_PATH`` from the environment, so they are
set for the life of the connection (and Ray's cached auth state reloaded, see ``_reload_ray_auth``)
and restored afterwards; the token stays in its 0600 file.
Verified with Ray 2.60: Ray Client to a token-auth head works with these two variables and is
refused without them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._config import OrcaConfig

_AUTH_VARS = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN_PATH", "RAY_AUTH_TOKEN")


@dataclass(frozen=True)
class RayHandle:
    """One connection to Ray: where it is and which YARN app runs it (``OrcaRayContext`` wraps it).

    ``address`` is what ``ray.init`` connected to (``ray://host:port`` from an edge node); another
    process can connect to it too, given the token file. ``app_id`` is None in local mode.
    ``address_info`` is Orca's dict (see ``address_info_of``).
    """

    cluster_mode: str
    address: str
    num_nodes: int
    app_id: str | None = None
    gcs_address: str = ""
    token_file: str = ""
    tracking_url: str = ""
    address_info: Mapping[str, Any] = field(default_factory=dict, compare=False)
    _saved_env: Mapping[str, str | None] = field(default_factory=dict, repr=False, compare=False)

    def disconnect(self) -> None:
        """``ray.shutdown()`` (stops a local instance, closes a client) and restore the auth env."""
        import ray

        try:
            if ray.is_initialized():
                ray.shutdown()
        finally:
            if self._saved_env:
                _set_env(self._saved_env)
                _reload_ray_auth()


def _reload_ray_auth() -> None:
    """Make Ray re-read ``RAY_AUTH_MODE`` and the token after we changed the environment.

    Why: Ray reads the auth mode into its ``RayConfig`` and caches the token the first time it
    needs them (in practice at ``import ray``). A notebook imports ray before ``init_orca_context``,
    so setting the variables alone leaves Ray Client without the token and the connection times
    out (seen with Ray 2.60). These two calls are what Ray's own tests use to reset that state
    (``ray._private.authentication_test_utils.reset_auth_token_state``); they are internal, hence
    the guard. Ray < 2.52 has no token auth and nothing to reset.
    """
    try:
        from ray._raylet import AuthenticationTokenLoader, Config  # type: ignore[attr-defined]
    except ImportError:
        return
    Config.initialize("")
    AuthenticationTokenLoader.instance().reset_cache()


def _set_env(values: Mapping[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _refuse_running() -> None:
    import ray

    if ray.is_initialized():
        raise RuntimeError("Ray is already initialized in this process; call ray.shutdown() before init_orca_context")


def alive_nodes() -> int:
    """Nodes the GCS reports alive (``ray.nodes()`` lists dead ones too)."""
    import ray

    return sum(1 for n in ray.nodes() if n.get("Alive"))


def runtime_env(cfg: OrcaConfig) -> dict[str, Any] | None:
    """Orca's ``env={...}`` for Ray's processes, as Ray's own job-wide ``runtime_env`` env_vars.

    Why not the raylets' environment: on YARN the raylets are started by orca-yarn's launcher, and
    through Ray Client there is no local process to set it on; env_vars reach every worker of this
    job in every mode the same way.
    """
    extra = dict(cfg.ray_init_args.get("runtime_env") or {})
    if cfg.ray_env:
        extra["env_vars"] = {**extra.get("env_vars", {}), **cfg.ray_env}
    return extra or None


def address_info_of(info: Mapping[str, Any], gcs: str) -> dict[str, Any]:
    """Orca's ``address_info`` keys from what ``ray.init`` returned: Ray 2 has no Redis, its GCS took
    that role, so ``redis_address`` is the GCS address (what ``ray.init(address=...)`` accepts)."""
    out = dict(info)
    gcs = str(out.get("gcs_address") or gcs)
    out["gcs_address"] = gcs
    out["redis_address"] = out.get("redis_address") or gcs  # Ray 2 reports None here
    for key in ("webui_url", "node_ip_address", "object_store_address", "raylet_socket_name"):
        out[key] = out.get(key) or ""
    return out


def head_address_info(gcs: str, client_address: str, webui_url: str = "") -> dict[str, Any]:
    """``address_info`` through Ray Client, where this process has no raylet: the head node's values.

    ``node_ip_address`` is the head's IP, ``object_store_address`` and ``raylet_socket_name`` are
    the head's socket paths *on the head's host* (usable only there), ``gcs_address`` and
    ``redis_address`` the GCS, ``address`` the Ray Client address this process connected to.
    """
    import ray

    host = gcs.rpartition(":")[0]
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    head = next((n for n in nodes if "node:__internal_head__" in (n.get("Resources") or {})), None)
    head = head or next((n for n in nodes if n.get("NodeManagerAddress") == host), None) or {}
    return address_info_of({
        "node_ip_address": head.get("NodeManagerAddress") or host,
        "object_store_address": head.get("ObjectStoreSocketName", ""),
        "raylet_socket_name": head.get("RayletSocketName", ""),
        "webui_url": webui_url,
        "address": client_address,
    }, gcs)


def start_local(cfg: OrcaConfig) -> RayHandle:
    """A fresh Ray on this machine with ``ray_node_cpu_cores`` CPUs, or the Ray at runtime="ray"'s
    ``address=``. The dashboard only with ``include_webui`` (port clashes, research §0)."""
    import ray

    _refuse_running()
    args = {k: v for k, v in cfg.ray_init_args.items() if k != "runtime_env"}
    address = args.pop("address", None) or "local"
    if address == "local":
        args.setdefault("num_cpus", cfg.ray_node_cpu_cores)
        args.setdefault("include_dashboard", cfg.include_webui)
        args.setdefault("object_store_memory", cfg.object_store_memory)
    info = ray.init(address=address, runtime_env=runtime_env(cfg), **args)
    raw = dict(getattr(info, "address_info", {}) or {})
    gcs = str(raw.get("gcs_address", ""))
    return RayHandle(cluster_mode="local", address=gcs if address == "local" else address, gcs_address=gcs,
                     num_nodes=alive_nodes(), address_info=address_info_of(raw, gcs))


def connect_cluster(cluster_mode: str, app_id: str, client_address: str, gcs_address: str,
                    token_file: str, tracking_url: str = "", env: Mapping[str, Any] | None = None,
                    webui_url: str = "") -> RayHandle:
    """Connect this edge-node process to the Ray cluster ``orca-yarn submit --detach`` started.

    The seam for Ray's auth: if a release changes how Ray Client carries the token, only this
    function changes. With no ``client_address`` it falls back to the GCS address, which works only
    where a raylet runs on this host. ``env`` is the job's ``runtime_env``.
    """

    _refuse_running()
    saved = {k: os.environ.get(k) for k in _AUTH_VARS}
    if token_file:
        if not os.path.isfile(token_file):
            raise FileNotFoundError(f"Ray token file {token_file} from orca-yarn does not exist")
        # RAY_AUTH_TOKEN would win over the file (Ray's lookup order): it must not be inherited.
        _set_env({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": token_file, "RAY_AUTH_TOKEN": None})
        _reload_ray_auth()
    address = client_address or gcs_address
    try:
        _init_with_retries(address, attempts=3, env=env)
        nodes = alive_nodes()
        info = head_address_info(gcs_address, address, webui_url)
    except BaseException:
        _set_env(saved)
        _reload_ray_auth()
        raise
    return RayHandle(cluster_mode=cluster_mode, address=address, num_nodes=nodes, app_id=app_id,
                     gcs_address=gcs_address, token_file=token_file, tracking_url=tracking_url,
                     address_info=info, _saved_env=saved)


def _init_with_retries(address: str, attempts: int, env: Mapping[str, Any] | None = None) -> None:
    """``ray.init(address)``, retried on connection errors.

    Why: Ray Client's proxy starts a per-client server process on the head and gives it 30 s
    (``RAY_CLIENT_SERVER_CHECK_CHANNEL_TIMEOUT_S``); on a loaded host that start is slower and the
    first connect fails ("Initialization failure from server", "ray client connection timeout")
    although the cluster is healthy. Seen on this project's test machine at load 40.
    """
    import ray

    for attempt in range(1, attempts + 1):
        try:
            ray.init(address=address, log_to_driver=True, runtime_env=env)
            return
        except ConnectionError:
            if ray.is_initialized():
                ray.shutdown()
            if attempt == attempts:
                raise


def connect_in_container(env: Mapping[str, Any] | None = None) -> RayHandle:
    """yarn-cluster, inside the head container: the launcher set ``RAY_ADDRESS`` and Ray's auth env."""
    import ray

    address = os.environ.get("RAY_ADDRESS", "")
    if not address:
        raise RuntimeError("ORCA_YARN_ROLE=driver but RAY_ADDRESS is not set: is this an orca-yarn container?")
    _refuse_running()
    info = ray.init(address=address, runtime_env=env)
    raw = dict(getattr(info, "address_info", {}) or {})
    return RayHandle(cluster_mode="yarn-cluster", address=address, gcs_address=address,
                     num_nodes=alive_nodes(), app_id=os.environ.get("ORCA_YARN_APP_ID"),
                     token_file=os.environ.get("RAY_AUTH_TOKEN_PATH", ""),
                     address_info=address_info_of(raw, address))
