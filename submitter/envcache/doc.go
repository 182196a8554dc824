// Package envcache keeps a user's packed Python envs on HDFS, named by content, so an env is
// packed and uploaded once and every later submit of the same env costs a scan and a stat.
//
// Layout under the user's HDFS home:
//
//	.orca-yarn/envs/<key>.tar.gz        one archive per (env state, destination); 0700 dir, or
//	                                    0755 when PUBLIC was asked for
//	.orca-yarn/envs/.tmp-<key>-<rand>…  an upload in progress (never under the final name)
//	.orca-yarn/envs/.lock-<key>         held for the milliseconds of a check-and-rename
//
// <key> is condapack.Manifest.Key(dest): the env's manifest hash (paths, sizes, mtimes, modes,
// link targets, conda-meta, dist-info RECORDs) and the destination it was packed for. The
// destination is Dest(user, manifest, visibility), /tmp/oy-<16 hex>, which the launcher links to
// the localized env before anything runs (condapack's contract; condapack.LinkDest).
//
// The contract:
//
//   - Nothing partial is ever visible under a final name: uploads go to a temporary name in the
//     same directory and are renamed. Of concurrent publishers of one key one renames; the
//     others see its file and delete their own. A published file is never replaced, so its
//     mtime, which NodeManagers compare with the LocalResource, stays put under running apps.
//   - Ensure reuses a published archive without packing; otherwise it packs to local disk (a
//     temporary file unless Output is given), publishes, and removes the temporary file. An env
//     that changes while packed is scanned and packed again (three attempts).
//   - Visibility is PRIVATE (the NodeManagers cache the archive for all of the user's apps) unless
//     PUBLIC is asked for and every directory above the archive is world-executable; then all
//     users' apps on a node share one localized copy. Never APPLICATION: the destination link of
//     a container could outlive the copy it points to.
//   - Errors: condapack's (no env, refused, changed, local disk full) match ErrBadInput; HDFS
//     failures match ErrCluster and name the HDFS path, permission denied with what to ask for. A
//     cancelled context is returned as such.
package envcache
