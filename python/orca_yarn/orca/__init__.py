"""``orca_yarn.orca``: ``bigdl.orca`` / ``zoo.orca`` with the prefix ``bigdl.``/``zoo.`` replaced by
``orca_yarn.``; ``orca_yarn.orca.common`` and ``orca_yarn.orca.ray`` likewise. The same objects as
``orca_yarn`` itself."""

from ..api import init_orca_context, stop_orca_context
from ..context import OrcaContext

__all__ = ["OrcaContext", "init_orca_context", "stop_orca_context"]
