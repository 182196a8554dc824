package amapi

import (
	"context"

	"fmt"
	"net/http"
	"strconv"
)

// Credentials are the delegation tokens the AM holds for its containers, as a Hadoop credentials
// file (HDTS), numbered by Version: an AM with a keytab fetches new tokens before the old ones
// expire and launchers take them from here for the processes they start later.
type Credentials struct {
	Version int    `json:"version"`
	HDTS    []byte `json:"hdts"` // base64 in JSON
}

// handleCredentials answers GET /v1/credentials?after=V with the first version above V, waiting
// up to the long-poll interval for one (202 while there is none).
func (s *server) handleCredentials(w http.ResponseWriter, r *http.Request) {
	after, err := strconv.Atoi(r.URL.Query().Get("after"))
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, codeBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.longPoll)
	defer cancel()
	creds, err := s.backend.Credentials(ctx, after)
	switch {
	case err == nil:
		s.writeJSON(w, r, http.StatusOK, creds)
	case r.Context().Err() != nil:
	case ctx.Err() != nil:
		s.writeJSON(w, r, http.StatusAccepted, waitingBody{Waiting: true})
	default:
		s.writeBarrierError(w, r, "credentials", err)
	}
}

// WaitCredentials returns the AM's credentials of a version above after, waiting (re-polling
// through AM restarts and passing failures) until there is one or ctx ends.
func (c *Client) WaitCredentials(ctx context.Context, after int) (Credentials, error) {
	var creds Credentials
	if err := c.longPoll(ctx, http.MethodGet, "/v1/credentials?after="+strconv.Itoa(after), nil, &creds); err != nil {
		return Credentials{}, err
	}
	if creds.Version <= after {
		return Credentials{}, fmt.Errorf("amapi: GET /v1/credentials: version %d is not above %d", creds.Version, after)
	}
	return creds, nil
}
