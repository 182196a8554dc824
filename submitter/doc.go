// Package submitter is the edge side of orca-yarn: it turns a submit request into a resolved plan,
// checks the plan against the cluster before anything is created (pre-flight), stages files on
// HDFS, submits the application with our Go ApplicationMaster, and then follows it: live output,
// a client lease while the submit blocks, kill on signals, and the outcome as an exit class.
//
// Failures are classified with the sentinels in errors.go; cmd/orca-yarn maps them to the exit
// codes of design.md §3. Whatever the submitter created (staging files, the application) is
// removed or killed when it fails half way.
package submitter
