"""``orca-yarn submit`` argument lists built from an ``OrcaConfig``: pure, so tests read them.

Why a separate module: the CLI contract (design.md §3) and the Python arguments meet here and
nowhere else; a flag renamed on the Go side is a one-line change with a unit test next to it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._config import OrcaConfig, memory_flag
from ._gang import engine_args
from ._shipping import ray_archives


def min_nodes_for(barrier_mode: bool | int, num_nodes: int) -> int | None:
    """``OrcaContext.barrier_mode`` as ``--min-nodes``: None for a gang (all or nothing).

    ``True`` (the default, Orca's too) is a gang; ``False`` is elastic with at least one node; an int
    k (1 <= k <= num_nodes) is elastic with at least k.
    """
    if barrier_mode is True:
        return None
    if barrier_mode is False:
        return 1
    if not 1 <= barrier_mode <= num_nodes:
        raise ValueError(f"OrcaContext.barrier_mode={barrier_mode}: want True, False or 1..num_nodes ({num_nodes})")
    return None if barrier_mode == num_nodes else barrier_mode


def _common(cfg: OrcaConfig, env: str, name: str, tags: Sequence[str], min_nodes: int | None,
            gang: Sequence[str] = ()) -> list[str]:
    """``gang``: the engines of one gang application (``_gang.engines``); () for Ray alone."""
    args = ["--output", "json", "--name", name]
    if gang:
        args += ["--num-nodes", str(cfg.num_nodes), "--cores", str(cfg.cores), *engine_args(cfg, gang)]
    else:
        args += ["--num-nodes", str(cfg.num_ray_nodes), "--cores", str(cfg.ray_node_cpu_cores),
                 "--memory", memory_flag(cfg.ray_node_memory)]
    args += ["--env", env]
    if cfg.object_store_memory is not None and (not gang or "ray" in gang):
        args += ["--object-store-memory", memory_flag(cfg.object_store_memory)]
    if cfg.extra_python_lib:
        args += ["--py-files", ",".join(cfg.extra_python_lib)]
    for archive in ray_archives(cfg):
        args += ["--archives", archive]
    if cfg.include_webui:
        args += ["--dashboard"]
    if cfg.queue:
        args += ["--queue", cfg.queue]
    for tag in (*cfg.tags, *tags):
        args += ["--tag", tag]
    if min_nodes is not None:
        args += ["--min-nodes", str(min_nodes)]
    return args


def ray_cluster_args(cfg: OrcaConfig, env: str, name: str, tags: Sequence[str] = (),
                     min_nodes: int | None = None, gang: Sequence[str] = ()) -> list[str]:
    """yarn-client: a cluster to attach to (no SCRIPT, no --command), returned once it is ready:
    Ray alone, or the engines of a gang."""
    return ["--detach", *_common(cfg, env, name, tags, min_nodes, gang), "--deploy-mode", "client"]


def script_args(cfg: OrcaConfig, env: str, name: str, script: str, script_argv: Sequence[str],
                tags: Sequence[str] = (), min_nodes: int | None = None,
                files: Sequence[str] = (), archives: Sequence[str] = (), gang: Sequence[str] = ()) -> list[str]:
    """yarn-cluster: SCRIPT runs in the head container once the gang is ready; blocking."""
    args = [*_common(cfg, env, name, tags, min_nodes, gang), "--deploy-mode", "cluster"]
    if "spark" in gang:  # the head keeps room for the Spark driver's JVM beside this script
        args += ["--spark-driver-memory", memory_flag(cfg.driver_memory)]
    for f in files:
        args += ["--files", f]
    for a in archives:
        args += ["--archives", a]
    args.append(script)
    if script_argv:
        args += ["--", *script_argv]
    return args
