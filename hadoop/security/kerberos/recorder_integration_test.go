//go:build integration

package kerberos

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
)

// NewRecordingMech wraps m (from Client.GSSAPI) to record its tokens; for
// the package's external integration tests.
func NewRecordingMech(m sasl.GSSAPIMechanism) *RecordingMech { return &RecordingMech{m: m} }

// RecordingMech is recordingMech for the external tests.
type RecordingMech = recordingMech

// recordingMech wraps our mechanism and keeps every Wrap token that went
// through its contexts, so a test can see what a real server offered and
// what we chose, and save real server tokens as fixtures.
type recordingMech struct {
	m    sasl.GSSAPIMechanism
	mu   sync.Mutex
	ctxs []*recordingCtx
}

func (r *recordingMech) NewContext(ctx context.Context, t sasl.GSSAPITarget) (sasl.GSSAPIContext, error) {
	gc, err := r.m.NewContext(ctx, t)
	if err != nil {
		return nil, err
	}
	rc := &recordingCtx{gc: gc.(*gssContext)}
	r.mu.Lock()
	r.ctxs = append(r.ctxs, rc)
	r.mu.Unlock()
	return rc, nil
}

func (r *recordingMech) Last(t *testing.T) *recordingCtx {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ctxs) == 0 {
		t.Fatal("no GSS-API context was made")
	}
	return r.ctxs[len(r.ctxs)-1]
}

type recordingCtx struct {
	gc      *gssContext
	mu      sync.Mutex // Wrap and Unwrap run on different goroutines
	wraps   []record
	unwraps []record
}

func (r *recordingCtx) InitSecContext(ctx context.Context, in []byte) ([]byte, bool, error) {
	return r.gc.InitSecContext(ctx, in)
}

func (r *recordingCtx) Wrap(msg []byte, conf bool) ([]byte, error) {
	seq := r.gc.sendSeq
	tok, err := r.gc.Wrap(msg, conf)
	if err == nil {
		r.mu.Lock()
		r.wraps = append(r.wraps, record{false, seq, conf, hex.EncodeToString(msg), hex.EncodeToString(tok)})
		r.mu.Unlock()
	}
	return tok, err
}

func (r *recordingCtx) Unwrap(tok []byte) ([]byte, bool, error) {
	seq := r.gc.recvSeq
	msg, conf, err := r.gc.Unwrap(tok)
	if err == nil {
		r.mu.Lock()
		r.unwraps = append(r.unwraps, record{true, seq, conf, hex.EncodeToString(msg), hex.EncodeToString(tok)})
		r.mu.Unlock()
	}
	return msg, conf, err
}

func (r *recordingCtx) WrapSizeLimit(limit int, conf bool) int {
	return r.gc.WrapSizeLimit(limit, conf)
}

// layer returns the server's security-layer offer and our choice (the
// first token each way after the context was established).
func (r *recordingCtx) Layer(t *testing.T) (offer, choice []byte) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.unwraps) == 0 || len(r.wraps) == 0 {
		t.Fatal("no security-layer negotiation was recorded")
	}
	offer, _ = hex.DecodeString(r.unwraps[0].Msg)
	choice, _ = hex.DecodeString(r.wraps[0].Msg)
	return offer, choice
}

// saveFixture writes the context's key and its first tokens each way to
// path (testdata/*.json, read by TestRecordedServerTokens). The key is a
// throwaway test realm's session key, not a secret of anyone.
func (r *recordingCtx) SaveFixture(t *testing.T, path, server string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	f := tokenFixture{
		Server: server, Etype: r.gc.key.key.KeyType, Key: hex.EncodeToString(r.gc.key.key.KeyValue),
		AcceptorSubkey: r.gc.key.acceptorSubkey,
	}
	for _, recs := range [][]record{r.unwraps, r.wraps} {
		for i, rec := range recs {
			if i == 4 {
				break
			}
			if len(rec.Token) > 2*4096 {
				continue
			}
			f.Tokens = append(f.Tokens, rec)
		}
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d tokens of %s into %s", len(f.Tokens), server, path)
}
