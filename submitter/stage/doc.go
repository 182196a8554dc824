// Package stage puts what an application needs on HDFS and describes it to YARN as
// LocalResources that a NodeManager will localize.
//
// Layout under the user's HDFS home (/user/<user>):
//
//	.orca-yarn/bin/<hash>/<name>        content-addressed: one per build, shared by every app
//	.orca-yarn/staging/<appId>/ (0700)  per application: --files, --archives, --py-files
//	    <link>/<name>                   one directory per link name, so names never clash
//
// The contract:
//
//   - Nothing half-written is ever visible under its final name. A file is written into a
//     fresh temporary directory and that directory is renamed onto the final one. HDFS
//     refuses to rename onto a non-empty directory, so of two concurrent uploaders of the
//     same content one wins and the other sees the winner's file and drops its own copy:
//     the published file is never replaced, and its modification time, which the
//     NodeManager checks against the LocalResource, never changes under a submitted app.
//   - On any failure the temporary directory is removed; AppStaging.Add removes what the
//     failed call had already published. Cleanup removes the whole staging directory.
//   - A LocalResource carries the size and modification time HDFS reports for the final
//     path after publishing, in ms, exactly. Content-addressed files are PRIVATE (the
//     NodeManagers cache them across the user's apps); staged files are APPLICATION.
//   - Directories we create are 0700; PRIVATE and APPLICATION resources need no more.
//   - Bad input is found before anything is uploaded and reported as one line that names
//     the flag, the path and the fix, matching ErrBadInput. HDFS failures (permission
//     denied, NameNode unreachable) match ErrCluster and name the HDFS path. A cancelled
//     context is returned as such (errors.Is(err, context.Canceled)), with no class.
//
// The FS interface is the part of *hdfs.Client (github.com/colinmarc/hdfs/v2) staging uses.
// That client takes no context: cancellation is checked between NameNode calls and between
// 1 MiB chunks of an upload, and a context deadline becomes the DataNode write deadline.
//
// AppStaging is not safe for concurrent use; UploadContentAddressed is, across goroutines
// and processes.
package stage
