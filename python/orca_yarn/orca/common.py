"""``orca_yarn.orca.common``: ``bigdl.orca.common``'s names (see ``orca_yarn.orca``)."""

from ..api import init_orca_context, stop_orca_context
from ..context import OrcaContext

__all__ = ["OrcaContext", "init_orca_context", "stop_orca_context"]
