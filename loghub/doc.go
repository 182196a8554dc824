// Package loghub is the AM's hub of container output lines. Each container's launcher ships
// its stdout/stderr lines (logline.Line) to the AM, which Appends them here; clients Follow
// the hub live (`submit` streams output, `logs -f` attaches later from the beginning or from a
// Cursor), and the failure report prints a container's last lines from Tail.
//
// Memory stays small and fixed however much is logged: the history lives in an append-only
// spool file in the AM container's local directory; the hub keeps per container only the
// last seq, counters and a short ring of lines (Options.TailLines, Options.TailBytes), plus a
// write buffer of at most Options.FlushBytes.
//
// Contract:
//   - Lines are numbered per container from 1 (logline.Line.Seq). A line whose seq is not above
//     LastSeq(container) is a re-send and is dropped. A seq above LastSeq+1 is stored and the
//     skipped seqs are counted in Gaps: the shipper re-sends from the seq the AM acked, in order,
//     so a skipped seq can never arrive later — it is a loss, and tests assert Gaps() == 0.
//   - Append does not wait for the disk: lines are written (one write per flush, no fsync)
//     within Options.FlushInterval, or at once when a follower is waiting at the end of the
//     spool, so a live follower sees a line in about one write plus one wake-up.
//   - Every follower sees every stored line exactly once, in spool order (per container in seq
//     order), from any cursor it was given; it reads the file with its own handle and never
//     reads past the published end, so it never sees a record being written, and a slow
//     follower never slows Append or another follower. Records are checksummed: Follow returns
//     whole lines or an error (ErrCorrupt, ErrBadCursor), never garbage.
//   - Close writes what is buffered and wakes the followers, which return once they have read
//     everything. After a write failure the hub stops accepting lines (Append returns the error).
//
// Durability: the spool lives as long as the AM container (YARN deletes the container's local
// directory afterwards) and is not synced to disk; lines buffered in memory are lost if the AM
// process dies. The durable record of a container's output is its own tee files, which YARN log
// aggregation collects; the hub is for live streaming and the failure report.
package loghub
