package amapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/barrier"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/logline"
)

// Cursor is a position in the AM's line hub (a byte offset in its log). It is an alias so a hub
// that counts in int64 satisfies Backend without conversions.
type Cursor = int64

// Backend is what the handlers need from the AM. Every method may be called concurrently.
type Backend interface {
	// Join registers m and waits for the gang (barrier.Gang.Join semantics). The server cancels
	// ctx every long-poll interval and the client joins again with the same member, so Join must
	// keep a registration when its ctx ends and accept the same container again.
	Join(ctx context.Context, m barrier.Member) (barrier.Plan, error)
	// Watch blocks until the generation is over (barrier.Gang.Watch semantics); it never
	// returns nil. epoch is the one of the caller's plan (0: unknown); a backend that is a newer
	// epoch answers barrier.ErrRejoin, so a member of its predecessor joins again keeping its
	// work running.
	Watch(ctx context.Context, epoch, generation int) error
	// AppendLines stores lines of one container in order, skipping every line whose Seq is not
	// above the last stored Seq of its container: a launcher re-sends what it has not seen
	// acknowledged, and those duplicates must vanish here, atomically with the append.
	AppendLines(lines []logline.Line) error
	// LastSeq is the highest Seq stored for a container, 0 if none.
	LastSeq(container string) uint64
	// FollowLines calls fn for each stored line from cursor from on, in order, with the cursor
	// just past that line (where a reader resumes). With follow it then waits for new lines
	// until ctx ends (returning ctx's error) or the hub is closed (returning nil); without, it
	// returns nil at the end of what is stored. An error from fn is returned as is.
	FollowLines(ctx context.Context, from Cursor, follow bool, fn func(Cursor, logline.Line) error) error
	// Status is the AM's current status for the tracking page.
	Status() Status
	// Stop asks the AM to stop the application (authenticated client: kill, or Ctrl-C). outcome
	// is OutcomeKilled, or for a driver that ran on the client OutcomeSucceeded/OutcomeFailed.
	Stop(reason string, outcome Outcome)
	// RenewLease records that the blocking client is still there.
	RenewLease()
	// Ready records that the application's cluster (Ray) is up, as its head reported it.
	Ready(info ReadyInfo)
	// Credentials returns the container credentials of the first version above after, waiting
	// until ctx ends for one (then ctx's error); barrier.ErrClosed once the application is over.
	Credentials(ctx context.Context, after int) (Credentials, error)
}

// ServerOption changes a server default.
type ServerOption func(*server)

// WithLongPoll sets how long a join or watch request waits before the server answers 202 and
// the client asks again (default 20 s, under the idle timeouts of common proxies).
// A floor of 1 ms keeps a client from spinning on instant 202 answers.
func WithLongPoll(d time.Duration) ServerOption {
	return func(s *server) { s.longPoll = max(d, time.Millisecond) }
}

// WithNonceCacheSize bounds the replay cache (default 262144 nonces).
func WithNonceCacheSize(n int) ServerOption {
	return func(s *server) { s.verifier.nonces = newNonceCache(max(n, 1)) }
}

const (
	defaultLongPoll = 20 * time.Second
	maxJSONBody     = 64 << 10
	// lineBatch bounds how many lines one AppendLines call gets; a batch is also cut as soon as
	// no more input is buffered, so a quiet stream appends line by line.
	lineBatch = 256
)

// Error codes in {"error": code} bodies; the client maps them back to sentinels.
const (
	codeBadRequest        = "bad_request"
	codeBadRank           = "bad_rank"
	codeGenerationChanged = "generation_changed"
	codeRejoin            = "rejoin"
	codeClosed            = "closed"
	codeUnauthorized      = "unauthorized"
	codeNotFound          = "not_found"
	codeMethodNotAllowed  = "method_not_allowed"
	codeInternal          = "internal"
)

type server struct {
	backend  Backend
	log      *logrus.Entry
	verifier verifier
	longPoll time.Duration
	now      func() time.Time
	// routes maps a path to its handler per method.
	routes map[string]map[string]http.HandlerFunc
}

// NewServer returns the AM's HTTP handler. Every endpoint except the status page and its JSON
// requires the Orca-HMAC signature made with secret; a secret shorter than MinSecretBytes makes
// every such request fail (and is logged here). The caller owns the http.Server: give it a
// ReadHeaderTimeout but no ReadTimeout or WriteTimeout, which would cut long polls and streams.
func NewServer(secret security.Secret, backend Backend, log *logrus.Entry, opts ...ServerOption) http.Handler {
	s := &server{
		backend:  backend,
		log:      log,
		verifier: verifier{secret: secret, nonces: newNonceCache(defaultNonceCache)},
		longPoll: defaultLongPoll,
		now:      time.Now,
	}
	for _, o := range opts {
		o(s)
	}
	if secret.Len() < MinSecretBytes {
		log.Errorf("amapi: application secret has %d bytes, want at least %d: every authenticated request will be refused", secret.Len(), MinSecretBytes)
	}
	s.routes = map[string]map[string]http.HandlerFunc{
		"/v1/join":        {http.MethodPost: s.handleJoin},
		"/v1/watch":       {http.MethodGet: s.handleWatch},
		"/v1/lines":       {http.MethodPost: s.handleLinesPost, http.MethodGet: s.handleLinesFollow},
		"/v1/lines/ack":   {http.MethodGet: s.handleLinesAck},
		"/v1/stop":        {http.MethodPost: s.handleStop},
		"/v1/lease":       {http.MethodPost: s.handleLease},
		"/v1/ready":       {http.MethodPost: s.handleReady},
		"/v1/credentials": {http.MethodGet: s.handleCredentials},
	}
	return s
}

// String exists so that printing the handler never reaches the secret inside it.
func (s *server) String() string { return "amapi.Server" }

// GoString covers %#v.
func (s *server) GoString() string { return s.String() }

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if which := statusPath(r.URL.Path); which != "" {
		s.serveStatus(w, r, which)
		return
	}
	methods, ok := s.routes[r.URL.Path]
	if !ok {
		s.writeError(w, r, http.StatusNotFound, codeNotFound)
		return
	}
	// The signature covers the request-target as sent; only an absolute-form target (a client
	// behind a forward proxy) is reduced to the path and query the client signed.
	uri := r.RequestURI
	if !strings.HasPrefix(uri, "/") {
		uri = r.URL.RequestURI()
	}
	if err := s.verifier.verify(r.Method, uri, r.Header.Get("Authorization"), s.now()); err != nil {
		// The client learns nothing about why; the AM's log does.
		s.log.WithFields(logrus.Fields{"remote": r.RemoteAddr, "path": r.URL.Path}).WithError(err).Warn("amapi: request refused")
		s.writeError(w, r, http.StatusUnauthorized, codeUnauthorized)
		return
	}
	h, ok := methods[r.Method]
	if !ok {
		for m := range methods {
			w.Header().Add("Allow", m)
		}
		s.writeError(w, r, http.StatusMethodNotAllowed, codeMethodNotAllowed)
		return
	}
	h(w, r)
}

func (s *server) handleJoin(w http.ResponseWriter, r *http.Request) {
	var m barrier.Member
	if err := readJSONBody(w, r, &m); err != nil {
		s.writeError(w, r, http.StatusBadRequest, codeBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.longPoll)
	plan, err := s.backend.Join(ctx, m)
	cancel()
	if err == nil {
		s.writeJSON(w, r, http.StatusOK, plan)
		return
	}
	s.writeBarrierError(w, r, "join", err)
}

func (s *server) handleWatch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	gen, err := strconv.Atoi(q.Get("generation"))
	epoch := 0
	if err == nil && q.Has("epoch") {
		epoch, err = strconv.Atoi(q.Get("epoch"))
	}
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, codeBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.longPoll)
	err = s.backend.Watch(ctx, epoch, gen)
	cancel()
	if err == nil {
		err = errors.New("backend Watch returned nil")
	}
	s.writeBarrierError(w, r, "watch", err)
}

// writeBarrierError answers a long poll that did not end with a plan.
func (s *server) writeBarrierError(w http.ResponseWriter, r *http.Request, op string, err error) {
	switch {
	case errors.Is(err, barrier.ErrGenerationChanged):
		s.writeError(w, r, http.StatusConflict, codeGenerationChanged)
	case errors.Is(err, barrier.ErrRejoin):
		s.writeError(w, r, http.StatusConflict, codeRejoin)
	case errors.Is(err, barrier.ErrClosed):
		s.writeError(w, r, http.StatusGone, codeClosed)
	case errors.Is(err, barrier.ErrBadRank):
		s.log.WithError(err).Warn("amapi: join refused")
		s.writeError(w, r, http.StatusBadRequest, codeBadRank)
	case r.Context().Err() != nil:
		// The caller went away; nobody reads an answer.
	case errors.Is(err, context.DeadlineExceeded):
		s.writeJSON(w, r, http.StatusAccepted, waitingBody{Waiting: true})
	default:
		s.log.WithError(err).Errorf("amapi: %s failed", op)
		s.writeError(w, r, http.StatusInternalServerError, codeInternal)
	}
}

type waitingBody struct {
	Waiting bool `json:"waiting"`
}

type stopBody struct {
	Reason  string  `json:"reason"`
	Outcome Outcome `json:"outcome,omitempty"`
}

func (s *server) handleStop(w http.ResponseWriter, r *http.Request) {
	var b stopBody
	if err := readJSONBody(w, r, &b); err != nil {
		s.writeError(w, r, http.StatusBadRequest, codeBadRequest)
		return
	}
	s.log.WithFields(logrus.Fields{"remote": r.RemoteAddr, "reason": b.Reason}).Info("amapi: stop requested")
	switch b.Outcome {
	case OutcomeKilled, OutcomeSucceeded, OutcomeFailed:
	default:
		s.writeError(w, r, http.StatusBadRequest, codeBadRequest)
		return
	}
	s.backend.Stop(b.Reason, b.Outcome)
	s.writeJSON(w, r, http.StatusOK, struct{}{})
}

func (s *server) handleLease(w http.ResponseWriter, r *http.Request) {
	s.backend.RenewLease()
	s.writeJSON(w, r, http.StatusOK, struct{}{})
}

// readJSONBody decodes a small JSON request body into v.
func readJSONBody(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		return err
	}
	return strictUnmarshal(b, v)
}

func (s *server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.WithError(err).Errorf("amapi: encode response to %s", r.URL.Path)
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

type errorBody struct {
	Error string `json:"error"`
}

func (s *server) writeError(w http.ResponseWriter, r *http.Request, status int, code string) {
	s.writeJSON(w, r, status, errorBody{Error: code})
}
