"""``orca_yarn.common``: the names of ``bigdl.orca.common`` / ``zoo.orca.common``, for programs that
import from there; only the package prefix changes."""

from .api import init_orca_context, stop_orca_context
from .context import OrcaContext

__all__ = ["OrcaContext", "init_orca_context", "stop_orca_context"]
