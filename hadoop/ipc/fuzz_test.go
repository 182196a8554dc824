package ipc

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// FuzzReadFrame: any byte stream gives frames within the limit or an
// error, never a panic or a huge allocation.
func FuzzReadFrame(f *testing.F) {
	f.Add(mustUnhex(goldenResponse))
	f.Add(mustUnhex(goldenContext))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1})
	f.Add([]byte{0, 0, 0, 5, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		for {
			fr, err := readFrame(r, 1024)
			if err != nil {
				if len(fr) != 0 {
					t.Fatal("frame returned with an error")
				}
				return
			}
			if len(fr) > 1024 {
				t.Fatalf("frame of %d bytes passed a 1024 limit", len(fr))
			}
		}
	})
}

// FuzzResponseHeader: parseResponse accepts or rejects any frame body, and
// what it accepts is consistent.
func FuzzResponseHeader(f *testing.F) {
	f.Add(mustUnhex(goldenResponse)[4:])
	for _, h := range []*commonpb.RpcResponseHeaderProto{
		okHeader(callIDSASL),
		errHeader(7, commonpb.RpcResponseHeaderProto_ERROR, commonpb.RpcResponseHeaderProto_ERROR_APPLICATION, "a.B", "msg"),
		errHeader(-1, commonpb.RpcResponseHeaderProto_FATAL, commonpb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED, "a.C", "no"),
	} {
		fr, _ := buildFrame(1<<20, h, &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_WRAP.Enum(), Token: []byte("x")})
		f.Add(fr[4:])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, body, err := parseResponse(b)
		if err != nil {
			if !errors.Is(err, errProtocol) {
				t.Fatalf("error %v is not a protocol violation", err)
			}
			return
		}
		if h.GetStatus() != commonpb.RpcResponseHeaderProto_SUCCESS {
			if body != nil {
				t.Fatal("body on a non-SUCCESS reply")
			}
			_ = remoteError(h, "m").Error()
		}
		var m commonpb.RpcSaslProto
		_ = proto.Unmarshal(body, &m)
	})
}

// FuzzUnwrapReader: whatever a server sends on a wrapped connection, the
// reader returns bytes or an error without panicking.
func FuzzUnwrapReader(f *testing.F) {
	fr, _ := buildFrame(1<<20, okHeader(callIDSASL), &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_WRAP.Enum(), Token: []byte("hello")})
	f.Add(fr)
	f.Fuzz(func(t *testing.T, b []byte) {
		u := &unwrapReader{r: bytes.NewReader(b), layer: oddLayer{}, max: 1 << 16}
		_, _ = io.ReadAll(u)
	})
}

// oddLayer is a trivial SecurityLayer for FuzzUnwrapReader: it passes
// even-length tokens through and rejects the others.
type oddLayer struct{}

func (oddLayer) Wrap(m []byte) ([]byte, error) { return m, nil }
func (oddLayer) Unwrap(t []byte) ([]byte, error) {
	if len(t)%2 == 1 {
		return nil, errors.New("odd")
	}
	return t, nil
}
func (oddLayer) MaxWrapInput() int { return 0 }
