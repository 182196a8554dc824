// Package logagg reads YARN's aggregated container logs straight from HDFS, without the yarn
// CLI or a JVM, so that `orca-yarn logs APP` works after the application ended, even when its
// ApplicationMaster was killed and never said goodbye.
//
// When an application finishes (yarn.log-aggregation-enable=true), every NodeManager that ran
// its containers uploads the files of each container's LOG_DIR (stdout, stderr, prelaunch.out,
// launch_container.sh, ...) into one "node file" per NodeManager. Where (LogAggregationUtils):
//
//	<remote-app-log-dir>/<user>/bucket-<suffix>/<app sequence % 10000, %04d>/<appId>/<host>_<port>   Hadoop 3.3+
//	<remote-app-log-dir>/<user>/<suffix>/<appId>/<host>_<port>                                     Hadoop 3.1-3.2
//	<remote-app-log-dir>/<user>/logs/<appId>/<host>_<port>                                         Hadoop 2
//
// with remote-app-log-dir /tmp/logs and suffix "logs-tfile" by default. A NodeManager writes
// "<host>_<port>.tmp" and renames it when done; with rolling aggregation the name gets
// "_<upload time in ms>". Layout and AppLogDirs compute the candidate directories from the
// cluster's configuration.
//
// A node file is a TFile (tfile.go, bcfile.go) of AggregatedLogFormat records
// (aggregated.go): VERSION, APPLICATION_ACL, APPLICATION_OWNER, then one record per container
// whose value is the container's files, each a writeUTF name, a writeUTF decimal length and
// the bytes. Blocks are uncompressed or zlib ("gz"). The reader was written from the format
// facts of Hadoop's TFile, BCFile, Chunk, Utils and AggregatedLogFormat sources, and is checked
// against node files the real cluster wrote (testdata/real).
//
// # Use
//
//	layout := logagg.LayoutFromConf(cfg.Get)
//	sum, err := layout.WalkApp(ctx, logagg.HDFS(client), report.User, appID, func(l logagg.ContainerLog) error {
//		fmt.Printf("==> %s %s %s (%d bytes)\n", l.Node, l.Container, l.File, l.Size)
//		_, err := io.Copy(os.Stdout, l.Data) // l.Data streams: a 10 GB stderr is never in memory
//		return err
//	})
//	switch {
//	case errors.Is(err, logagg.ErrNotAggregated): // "logs are not aggregated yet; retry in a few
//		// seconds or read them live with orca-yarn logs -f"
//	case errors.Is(err, logagg.ErrUnsupported): // IFile, LZO or .har: say so
//	}
//	// sum.Skipped lists node files still being written (.tmp) and files that could not be read.
//
// # Contract
//
//   - Node files are read in name order, records in file order; nothing is buffered beyond one
//     64 KiB block buffer, a key (at most 64 KiB) and one writeUTF string (at most 64 KiB), so
//     corrupt lengths cost reads, never allocations (fuzzed: FuzzReadTFile,
//     FuzzAggregatedEntries).
//   - A corrupt node file is skipped and reported (ErrCorrupt) after the others are read; an
//     error returned by the callback stops everything and is returned as is.
//   - ctx is checked before every read, and its deadline is set on HDFS file readers.
//   - Not read: IndexedFormat (IFile) files, whose index is a Java-serialized object, LZO
//     blocks, and logs archived into .har files. They are detected and reported as
//     ErrUnsupported.
package logagg
