// Package rpc benchmarks our Hadoop RPC stack against the real ResourceManager: the allocate round
// trip an ApplicationMaster's heartbeat pays, and the call rate of one connection shared by 32
// goroutines. `make bench` runs it (bench/sections/20-rpc.sh) and records docs/benchmarks.md.
package rpc
