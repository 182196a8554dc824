package barrier

import "errors"

// Member is one container taking part in the rendezvous. Rank is assigned by the AM when it
// launches the container (ORCA_YARN_RANK) and stays with the slot across restarts.
type Member struct {
	Rank        int    `json:"rank"`
	Host        string `json:"host"`
	ContainerID string `json:"container_id"`
	// Attrs carry what a member publishes to the others once released (e.g. the Ray head's port
	// plan); the AM may add to them. Never secrets: plans are logged.
	Attrs map[string]string `json:"attrs,omitempty"`
}

// Plan is what every member receives when the gang of a generation is complete.
type Plan struct {
	// Epoch names the coordinator that released the plan: a restarted AM is a new epoch, and it
	// numbers its generations afresh. 0: unknown (a coordinator that does not say).
	Epoch      int      `json:"epoch,omitempty"`
	Generation int      `json:"generation"`
	WorldSize  int      `json:"world_size"`
	Members    []Member `json:"members"` // ordered by rank, one per rank
	// HeadHost is the host of rank 0.
	HeadHost string `json:"head_host"`
}

// Errors a joining member can get.
var (
	// ErrGenerationChanged: the AM started a new generation (e.g. the head died) while this member
	// waited or ran; it must stop its work and join again.
	ErrGenerationChanged = errors.New("barrier: generation changed")
	// ErrClosed: the application is over; the member must exit.
	ErrClosed = errors.New("barrier: closed")
	// ErrRejoin: the coordinator restarted (a new epoch) and does not know this member yet. The
	// member keeps its work running and joins again; only if that join reports
	// ErrGenerationChanged must it start over.
	ErrRejoin = errors.New("barrier: coordinator restarted; join again")
	// ErrBadRank: the rank is outside the world size or taken by another live container.
	ErrBadRank = errors.New("barrier: bad rank")
)
