"""``OrcaRayContext`` (alias ``RayContext``): the Ray context object Orca and Analytics Zoo programs use.

Why a facade over the session: programs hold on to it (``ray_ctx = OrcaContext.get_ray_context()``),
read ``address_info`` / ``redis_address`` from it and call ``init()``/``stop()`` on it, while the
session decides how Ray starts in its cluster mode. Ray starts on demand: ``get(initialize=True)``
or ``init()`` in a session that did not start Ray starts it then (in yarn-client, a Ray YARN
application at that moment).

``address_info`` keys: ``node_ip_address``, ``object_store_address``, ``raylet_socket_name``,
``gcs_address``, ``redis_address`` (Ray 2 has no Redis: the GCS address, which ``ray.init`` accepts
where Orca passed the Redis address), ``webui_url`` ("" without ``include_webui``). Through Ray
Client (yarn-client) this process has no raylet: the node IP and both sockets are the head node's,
valid on the head's host only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._ray import RayHandle
    from ._session import Session


class OrcaRayContext:
    """Orca's Ray context over an orca-yarn session (see the module docstring)."""

    def __init__(self, runtime: str = "spark", cores: int | None = None, num_nodes: int | None = None,
                 sc: Any = None, **ray_args: Any) -> None:
        """Built by a program (Orca: ``OrcaRayContext(runtime, cores, num_nodes, **kwargs)``; Zoo:
        ``RayContext(sc, object_store_memory=...)``): it joins the running session, or ``init()``
        starts one with these arguments."""
        self._session: Session | None = None
        self._args = {"runtime": runtime, "cores": cores, "num_nodes": num_nodes or 1, **ray_args}
        from .context import OrcaContext

        active = OrcaContext._session
        if active is not None and not active.stopped:
            self._session = active
            active.ray_ctx = self

    @classmethod
    def _of(cls, session: Session) -> OrcaRayContext:
        ctx = cls.__new__(cls)
        ctx._session, ctx._args = session, {}
        return ctx

    @classmethod
    def get(cls, initialize: bool = True) -> OrcaRayContext:
        """The session's Ray context; with ``initialize`` Ray starts now if it is not running."""
        from .context import OrcaContext

        session = OrcaContext._session
        if session is None or session.stopped:
            raise RuntimeError("no active Ray context: call init_orca_context(...) first")
        ctx = session.ray_ctx
        if initialize and not ctx.initialized:
            ctx.init()
        return ctx

    def init(self, driver_cores: int = 0) -> dict[str, Any]:
        """Start (or connect to) Ray for the session; return ``address_info``. ``driver_cores`` is
        Orca's Ray-on-Spark driver raylet: the driver here never hosts Ray work, so it is unused."""
        if self._session is None or self._session.stopped:
            from .api import init_orca_context

            args = dict(self._args)
            init_orca_context(runtime=args.pop("runtime"), cores=args.pop("cores"),
                              num_nodes=args.pop("num_nodes"), init_ray_on_spark=True, **args)
            self._session = OrcaRayContext.get(initialize=False)._session
            assert self._session is not None
            self._session.ray_ctx = self
        self._session.ensure_ray()
        return self.address_info

    def stop(self) -> None:
        """Disconnect Ray and end this session's Ray (its YARN application); ``init()`` starts it again."""
        if self._session is not None and self._session.ray is not None:
            self._session.stop_ray()
        else:
            print("The Ray cluster has not been launched.")

    @property
    def _handle(self) -> RayHandle:
        # After stop the last connection's facts stay readable (app_id, token_file), as Orca's did.
        handle = None if self._session is None else self._session.ray or self._session.last_ray
        if handle is None:
            raise RuntimeError("Ray is not running in this session: call init() or OrcaContext.get_ray_context()")
        return handle

    @property
    def initialized(self) -> bool:
        return self._session is not None and not self._session.stopped and self._session.ray is not None

    @property
    def is_local(self) -> bool:
        return self._session is not None and self._session.cfg.cluster_mode == "local"

    @property
    def address_info(self) -> dict[str, Any]:
        return dict(self._handle.address_info)

    @property
    def redis_address(self) -> str:
        return str(self._handle.address_info.get("redis_address", ""))

    @property
    def redis_password(self) -> str | None:
        return None if self._session is None else self._session.cfg.redis_password

    @property
    def num_ray_nodes(self) -> int:
        if self.initialized:
            return self._handle.num_nodes
        return 1 if self._session is None else self._session.cfg.num_ray_nodes

    @property
    def ray_node_cpu_cores(self) -> int:
        return 1 if self._session is None else self._session.cfg.ray_node_cpu_cores

    @property
    def sc(self) -> Any:
        return None if self._session is None else self._session.spark_context

    # orca-yarn's own view: where Ray is and which YARN application runs it.
    @property
    def cluster_mode(self) -> str:
        return self._handle.cluster_mode

    @property
    def address(self) -> str:
        return self._handle.address

    @property
    def num_nodes(self) -> int:
        return self._handle.num_nodes

    @property
    def app_id(self) -> str | None:
        return self._handle.app_id

    @property
    def gcs_address(self) -> str:
        return self._handle.gcs_address

    @property
    def token_file(self) -> str:
        return self._handle.token_file

    @property
    def tracking_url(self) -> str:
        return self._handle.tracking_url

    def __repr__(self) -> str:
        if not self.initialized:
            return "OrcaRayContext(initialized=False)"
        h = self._handle
        return f"OrcaRayContext(cluster_mode={h.cluster_mode!r}, address={h.address!r}, num_nodes={h.num_nodes}, app_id={h.app_id!r})"


RayContext = OrcaRayContext
