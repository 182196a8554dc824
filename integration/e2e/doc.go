// Package e2e holds the end-to-end tests that run against a real Hadoop cluster. They are built
// only with `-tags integration`; `make test` brings the local cluster up and runs them.
package e2e
