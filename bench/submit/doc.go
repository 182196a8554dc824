// Package submit benchmarks the product path with the real binary on the real cluster: submit to
// all N containers running, and container output to the client (latency, throughput, loss).
// `make bench` runs it (bench/sections/30-submit.sh) and records docs/benchmarks.md.
package submit
