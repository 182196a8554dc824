package yarn

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"
)

// scriptedConn plays the server side of a protocol from a list of expected calls. It is a fake for
// unit tests of the clients' protocol rules; the real servers are exercised in integration/.
type scriptedConn struct {
	t     *testing.T
	steps []step
	sent  []proto.Message
}

type step struct {
	method string
	resp   proto.Message // copied into the caller's response
	err    error
}

func (s *scriptedConn) Call(_ context.Context, method string, req, resp proto.Message) error {
	s.t.Helper()
	if len(s.steps) == 0 {
		s.t.Fatalf("unexpected call %s(%v)", method, req)
	}
	st := s.steps[0]
	s.steps = s.steps[1:]
	if st.method != method {
		s.t.Fatalf("call %s, want %s", method, st.method)
	}
	s.sent = append(s.sent, proto.Clone(req))
	if st.err != nil {
		return st.err
	}
	if st.resp != nil {
		proto.Merge(resp, st.resp)
	}
	return nil
}

func (s *scriptedConn) Close() error { return nil }

func (s *scriptedConn) done() {
	s.t.Helper()
	if len(s.steps) > 0 {
		s.t.Fatalf("%d scripted calls never made, next %s", len(s.steps), s.steps[0].method)
	}
}
