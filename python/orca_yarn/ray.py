"""``orca_yarn.ray``: where Orca and Analytics Zoo programs import the Ray context from.

``from bigdl.orca.ray import OrcaRayContext`` and ``from zoo.ray import RayContext`` become
``from orca_yarn.ray import ...``: only the package prefix changes. (Inside this package ``import
ray`` still means Ray itself: imports are absolute.)
"""

from ._ray_context import OrcaRayContext, RayContext

__all__ = ["OrcaRayContext", "RayContext"]
