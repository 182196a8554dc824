// Package barrier is the all-or-nothing rendezvous of an application's containers: every member
// joins with its rank; nobody is released until all ranks of the current generation joined; then
// everyone gets the same Plan (world size, members, head host). The AM owns a Gang per application,
// may start a new generation (a member of the gang died and the gang restarts), and closes it
// when the application ends. It knows nothing of YARN or of the transport (see amapi).
package barrier
