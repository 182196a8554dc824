"""``OrcaContext``: the process-wide settings and the running session, as Orca had them.

This is the one singleton the API demands: Orca's users write ``OrcaContext.log_output = True``
before ``init_orca_context`` and ``OrcaContext.get_spark_context()`` anywhere after it. The settings
are metaclass properties so that assigning a bad value fails at the assignment, not minutes later.

Settings (set them before ``init_orca_context``; they are read there):

- ``log_output`` (False): print the YARN application's container output (``orca-yarn attach``) in
  this process, e.g. in the notebook. It may be switched at any time. In local mode Ray already
  prints its workers' output here, so it changes nothing.
- ``serialize_data_creator`` (False): ``orca_yarn.wrap_data_creator(fn)`` then runs ``fn`` under a
  node-local file lock (``orca_yarn.locks``), so workers on one host do not download or unpack the
  same data at once.
- ``barrier_mode`` (True): True starts the Ray nodes as a gang (all ``num_nodes`` or nothing);
  False starts elastically with at least one node; an int k starts with at least k
  (``orca-yarn submit --min-nodes``).
- ``pandas_read_backend`` ("spark"): "spark" or "pandas". Validated and kept for Orca code that
  reads it; this package has no XShards reader of its own, so nothing here consumes it.
- ``train_data_store`` ("DRAM"): "DRAM", "PMEM" or "DISK_n". Validated and kept for Orca code;
  this package has no cached training-data store, so it is a no-op here.
- ``_shard_size`` (None) and ``_eager_mode`` (True): Orca's XShards knobs, validated and kept for
  Orca code that sets them; nothing here reads them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._ray_context import OrcaRayContext
    from ._session import Session

_DATA_STORE = re.compile(r"^(DRAM|PMEM|DISK_[1-9][0-9]*)$")


class _OrcaContextMeta(type):
    """Validating class-level properties; values live on the class (the singleton)."""

    _log_output: bool = False
    _serialize_data_creator: bool = False
    _barrier_mode: bool | int = True
    _pandas_read_backend: str = "spark"
    _train_data_store: str = "DRAM"
    _shard_size_value: int | None = None
    _eager_mode_value: bool = True
    _session: Session | None = None
    _atexit_registered: bool = False

    @property
    def log_output(cls) -> bool:
        return cls._log_output

    @log_output.setter
    def log_output(cls, value: bool) -> None:
        cls._log_output = _bool("log_output", value)

    @property
    def serialize_data_creator(cls) -> bool:
        return cls._serialize_data_creator

    @serialize_data_creator.setter
    def serialize_data_creator(cls, value: bool) -> None:
        cls._serialize_data_creator = _bool("serialize_data_creator", value)

    @property
    def barrier_mode(cls) -> bool | int:
        return cls._barrier_mode

    @barrier_mode.setter
    def barrier_mode(cls, value: bool | int) -> None:
        if not isinstance(value, int) or (not isinstance(value, bool) and value < 1):
            raise ValueError(
                f"OrcaContext.barrier_mode={value!r}: want True (gang), False (elastic) or a minimum node count"
            )
        cls._barrier_mode = value

    @property
    def pandas_read_backend(cls) -> str:
        return cls._pandas_read_backend

    @pandas_read_backend.setter
    def pandas_read_backend(cls, value: str) -> None:
        if not isinstance(value, str) or value.lower() not in ("spark", "pandas"):
            raise ValueError(f"OrcaContext.pandas_read_backend={value!r}: want 'spark' or 'pandas'")
        cls._pandas_read_backend = value.lower()

    @property
    def train_data_store(cls) -> str:
        return cls._train_data_store

    @train_data_store.setter
    def train_data_store(cls, value: str) -> None:
        if not isinstance(value, str) or not _DATA_STORE.match(value.upper()):
            raise ValueError(f"OrcaContext.train_data_store={value!r}: want 'DRAM', 'PMEM' or 'DISK_n' (n >= 1)")
        cls._train_data_store = value.upper()

    @property
    def _shard_size(cls) -> int | None:
        return cls._shard_size_value

    @_shard_size.setter
    def _shard_size(cls, value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"OrcaContext._shard_size={value!r}: want None or a positive integer")
        cls._shard_size_value = value

    @property
    def _eager_mode(cls) -> bool:
        return cls._eager_mode_value

    @_eager_mode.setter
    def _eager_mode(cls, value: bool) -> None:
        cls._eager_mode_value = _bool("_eager_mode", value)


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"OrcaContext.{name}={value!r}: want True or False")
    return value


class OrcaContext(metaclass=_OrcaContextMeta):
    """Settings and accessors of the running orca-yarn session (see the module docstring)."""

    @staticmethod
    def get_spark_context():  # -> pyspark.SparkContext
        """The session's SparkContext, started now if the session has none yet (a runtime="ray"
        program asking for Spark); without a session, any active one; else RuntimeError."""
        session = OrcaContext._session
        if session is not None and not session.stopped:
            session.ensure_spark()
            return session.spark.sparkContext
        from pyspark import SparkContext

        active = SparkContext._active_spark_context  # noqa: SLF001 - pyspark's own singleton
        if active is None:
            raise RuntimeError("no active SparkContext: call init_orca_context(...) first")
        return active

    @staticmethod
    def get_spark_session():  # -> pyspark.sql.SparkSession
        """The session's SparkSession (created on the same context if Spark came from elsewhere)."""
        session = OrcaContext._session
        if session is not None and not session.stopped:
            session.ensure_spark()
            return session.spark
        from pyspark.sql import SparkSession

        OrcaContext.get_spark_context()  # raises with the helpful message when there is none
        return SparkSession.builder.getOrCreate()

    @staticmethod
    def get_sql_context():  # -> pyspark.sql.SQLContext
        """Orca's SQLContext over the session's Spark (pyspark keeps the class for old code)."""
        import warnings

        from pyspark.sql import SQLContext

        spark = OrcaContext.get_spark_session()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # SQLContext is deprecated, and asked for
            return SQLContext(spark.sparkContext, spark)

    @staticmethod
    def get_ray_context() -> OrcaRayContext:
        """The session's Ray context; Ray starts now if the session did not start it (Orca's lazy Ray)."""
        from ._ray_context import OrcaRayContext

        return OrcaRayContext.get(initialize=True)
