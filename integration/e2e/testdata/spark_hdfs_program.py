"""The gang's Spark on HDFS: writes a Parquet dataset to PATH through the executors and reads it
back (the driver runs in the head container: ORCA_YARN_SPARK_* from the launcher). Prints HDFS-OK N."""

import os
import sys

from pyspark.sql import SparkSession

with open(os.environ["ORCA_YARN_SPARK_SECRET_FILE"]) as f:
    secret = f.read().strip()
spark = (SparkSession.builder.master(os.environ["ORCA_YARN_SPARK_MASTER"])
         .config("spark.authenticate", "true").config("spark.authenticate.secret", secret)
         .config("spark.pyspark.python", os.environ["ORCA_YARN_SPARK_PYTHON"])
         .config("spark.executor.memory", "1g").config("spark.executor.cores", "2").config("spark.cores.max", "4")
         .config("spark.scheduler.minRegisteredResourcesRatio", "1.0").config("spark.ui.enabled", "false")
         .getOrCreate())
path = sys.argv[1]
spark.range(1000).repartition(4).write.mode("overwrite").parquet(path)
n = spark.read.parquet(path).count()
jpath = spark._jvm.org.apache.hadoop.fs.Path(path)  # the test's data goes with the test
jpath.getFileSystem(spark._jsc.hadoopConfiguration()).delete(jpath, True)
print("HDFS-OK", n, flush=True)
spark.stop()
