"""``orca_yarn.orca.ray``: ``bigdl.orca.ray``'s names (see ``orca_yarn.orca``)."""

from .._ray_context import OrcaRayContext, RayContext

__all__ = ["OrcaRayContext", "RayContext"]
