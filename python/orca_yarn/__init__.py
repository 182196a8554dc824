"""orca_yarn: Orca's ``init_orca_context`` API over the ``orca-yarn`` binary.

Ray and Spark on this machine (``cluster_mode="local"``) or on Hadoop YARN from an edge node
(``"yarn-client"``, ``"yarn-cluster"``) with the same packed Python env, and nothing left running
after ``stop_orca_context()``. The wheel carries the ``orca-yarn`` binary; ``ORCA_YARN_BIN``
overrides which one runs.
"""

from ._binary import BinaryNotFound, locate_binary
from ._config import OrcaConfig
from ._ray_context import OrcaRayContext, RayContext
from ._resolve import OrcaCompatWarning, resolve_init_args
from ._results import CLIError
from .api import init_orca_context, stop_orca_context
from .context import OrcaContext
from .locks import data_creator_lock, wrap_data_creator

__version__ = "0.1.0"

__all__ = [
    "BinaryNotFound",
    "CLIError",
    "OrcaCompatWarning",
    "OrcaConfig",
    "OrcaContext",
    "OrcaRayContext",
    "RayContext",
    "data_creator_lock",
    "init_orca_context",
    "locate_binary",
    "resolve_init_args",
    "stop_orca_context",
    "wrap_data_creator",
]
