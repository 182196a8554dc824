package hdfsconn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// xorLayer stands in for a DIGEST-MD5 security layer: it flips the bytes and appends a
// one-byte sequence number, which Unwrap checks, so lost or reordered frames fail loudly.
type xorLayer struct {
	max        int
	wseq, rseq byte
}

func (l *xorLayer) Wrap(msg []byte) ([]byte, error) {
	if l.max > 0 && len(msg) > l.max {
		return nil, fmt.Errorf("wrap of %d bytes, max %d", len(msg), l.max)
	}
	out := make([]byte, len(msg)+1)
	for i, b := range msg {
		out[i] = b ^ 0x5a
	}
	out[len(msg)] = l.wseq
	l.wseq++
	return out, nil
}

func (l *xorLayer) Unwrap(tok []byte) ([]byte, error) {
	if len(tok) == 0 || tok[len(tok)-1] != l.rseq {
		return nil, errors.New("bad sequence")
	}
	l.rseq++
	out := make([]byte, len(tok)-1)
	for i, b := range tok[:len(tok)-1] {
		out[i] = b ^ 0x5a
	}
	return out, nil
}

func (l *xorLayer) MaxWrapInput() int { return l.max }

// afterHandshake returns a saslDataConn past its handshake with layer, and the DataNode's end.
func afterHandshake(layer sasl.SecurityLayer) (*saslDataConn, net.Conn) {
	client, dn := net.Pipe()
	c := newSASLDataConn(client, nil, time.Minute)
	c.started.Store(true)
	c.layer = layer
	close(c.ready)
	return c, dn
}

// A DataNode answers a read with SASL frames of a few bytes (seen on the secure cluster:
// 1, 6, 2, 3, 2, then a 4 KiB packet). colinmarc reads them with io.ReadAtLeast(5) and
// io.ReadFull: every count must be right whatever the frame boundaries.
func TestSASLDataConnReadsAcrossFrames(t *testing.T) {
	plain := make([]byte, 4173)
	for i := range plain {
		plain[i] = byte(i * 7)
	}
	sizes := []int{1, 6, 2, 3, 2, 4159}
	c, dn := afterHandshake(&xorLayer{})
	go func() {
		dnLayer := &xorLayer{}
		rest := plain
		for _, n := range sizes {
			tok, _ := dnLayer.Wrap(rest[:n])
			_, _ = dn.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(tok))), tok...))
			rest = rest[n:]
		}
	}()
	var got []byte
	for _, ask := range []int{5, 9, 6, 4096, 57} { // 5 + 9 + 6 + 4096 + 57 = 4173
		buf := make([]byte, ask)
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatalf("ReadFull(%d): %v", ask, err)
		}
		got = append(got, buf...)
	}
	if !bytes.Equal(got, plain) {
		t.Fatal("bytes lost or reordered across SASL frames")
	}
}

// Writes are wrapped in pieces the DataNode's buffer takes, each its own frame.
func TestSASLDataConnWritesWrappedFrames(t *testing.T) {
	c, dn := afterHandshake(&xorLayer{max: 5})
	msg := []byte("op request, then a packet")
	done := make(chan error, 1)
	go func() {
		_, err := c.Write(msg)
		done <- err
	}()
	dnLayer := &xorLayer{}
	var got []byte
	for len(got) < len(msg) {
		var hdr [4]byte
		if _, err := io.ReadFull(dn, hdr[:]); err != nil {
			t.Fatal(err)
		}
		tok := make([]byte, binary.BigEndian.Uint32(hdr[:]))
		if _, err := io.ReadFull(dn, tok); err != nil {
			t.Fatal(err)
		}
		p, err := dnLayer.Unwrap(tok)
		if err != nil || len(p) > 5 {
			t.Fatalf("frame of %d bytes: %v", len(p), err)
		}
		got = append(got, p...)
	}
	if err := <-done; err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestSASLDataConnRefusesHugeFrames(t *testing.T) {
	c, dn := afterHandshake(&xorLayer{})
	go func() { _, _ = dn.Write([]byte{0x7f, 0xff, 0xff, 0xff}) }()
	if _, err := c.Read(make([]byte, 10)); err == nil || !strings.Contains(err.Error(), "frame of") {
		t.Fatalf("a 2 GiB frame: %v", err)
	}
}

// readOp builds what colinmarc writes first: version 28, op, a delimited Op...Proto.
func readOp(t testing.TB, op byte, token *commonpb.TokenProto) []byte {
	tok, err := proto.Marshal(token)
	if err != nil {
		t.Fatal(err)
	}
	// BaseHeaderProto{1: block{...}, 2: token}
	base := protowire.AppendTag(nil, 1, protowire.BytesType)
	base = protowire.AppendBytes(base, []byte{0x0a, 0x02, 'b', 'p'})
	base = protowire.AppendTag(base, 2, protowire.BytesType)
	base = protowire.AppendBytes(base, tok)
	hdr := base
	if clientHeaderOps[op] {
		// ClientOperationHeaderProto{1: baseHeader, 2: clientName}
		hdr = protowire.AppendTag(nil, 1, protowire.BytesType)
		hdr = protowire.AppendBytes(hdr, base)
		hdr = protowire.AppendTag(hdr, 2, protowire.BytesType)
		hdr = protowire.AppendString(hdr, "go-hdfs-x")
	}
	msg := protowire.AppendTag(nil, 1, protowire.BytesType)
	msg = protowire.AppendBytes(msg, hdr)
	msg = protowire.AppendTag(msg, 2, protowire.VarintType)
	msg = protowire.AppendVarint(msg, 1024)
	return protowire.AppendBytes([]byte{0x00, 0x1c, op}, msg)
}

func TestOpBlockToken(t *testing.T) {
	want := &commonpb.TokenProto{Identifier: []byte("id"), Password: []byte("pw"), Kind: proto.String("HDFS_BLOCK_TOKEN"), Service: proto.String("")}
	for _, op := range []byte{0x50, 0x51, 0x55} {
		b := readOp(t, op, want)
		got, err := opBlockToken(b)
		if err != nil || !proto.Equal(got, want) {
			t.Errorf("op 0x%x: %v, %v", op, got, err)
		}
		for cut := 0; cut < len(b); cut++ {
			if _, err := opBlockToken(b[:cut]); !errors.Is(err, errShortOp) {
				t.Fatalf("op 0x%x cut at %d: %v, want errShortOp", op, cut, err)
			}
		}
	}
	if _, err := opBlockToken([]byte{0x00, 0x1c, 0x7f, 0x00}); err == nil || errors.Is(err, errShortOp) {
		t.Errorf("unknown op: %v", err)
	}
}

// The handshake's first bytes, and a DataNode refusing it: the refusal and its message come
// back, nothing is sent on.
func TestHandshakeRefused(t *testing.T) {
	client, dn := net.Pipe()
	c := newSASLDataConn(client, []sasl.QOP{sasl.QOPPrivacy}, time.Minute)
	op := readOp(t, 0x51, &commonpb.TokenProto{Identifier: []byte("id"), Password: []byte("pw"), Kind: proto.String("k"), Service: proto.String("")})
	res := make(chan error, 1)
	go func() {
		_, err := c.Write(op)
		res <- err
	}()
	// magic, then {status: SUCCESS, payload: ""} delimited, as Java's client sends it.
	first := make([]byte, 9)
	if _, err := io.ReadFull(dn, first); err != nil {
		t.Fatal(err)
	}
	if want := []byte{0xde, 0xad, 0xbe, 0xef, 0x04, 0x08, 0x00, 0x12, 0x00}; !bytes.Equal(first, want) {
		t.Fatalf("first bytes % x, want % x", first, want)
	}
	refusal := protowire.AppendTag(nil, 1, protowire.VarintType)
	refusal = protowire.AppendVarint(refusal, 2)
	refusal = protowire.AppendTag(refusal, 3, protowire.BytesType)
	refusal = protowire.AppendString(refusal, "Block token is expired.")
	refusal = protowire.AppendTag(refusal, 6, protowire.VarintType)
	refusal = protowire.AppendVarint(refusal, 1)
	if _, err := dn.Write(protowire.AppendBytes(nil, refusal)); err != nil {
		t.Fatal(err)
	}
	err := <-res
	if !errors.Is(err, errDataNodeRefused) || !strings.Contains(err.Error(), "Block token is expired.") {
		t.Fatalf("refused handshake: %v", err)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, errDataNodeRefused) {
		t.Fatalf("read after a failed handshake: %v", err)
	}
}

func TestDataTransferQOPs(t *testing.T) {
	cases := map[string][]sasl.QOP{
		"":                          nil,
		"privacy":                   {sasl.QOPPrivacy},
		"authentication,privacy":    {sasl.QOPPrivacy, sasl.QOPAuth},
		"Integrity, authentication": {sasl.QOPIntegrity, sasl.QOPAuth},
	}
	for v, want := range cases {
		cfg := loadConf(t, `<configuration><property><name>dfs.data.transfer.protection</name><value>`+v+`</value></property></configuration>`)
		got, err := dataTransferQOPs(cfg)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%q: %v, %v; want %v", v, got, err, want)
		}
	}
	cfg := loadConf(t, `<configuration><property><name>dfs.data.transfer.protection</name><value>secret</value></property></configuration>`)
	if _, err := dataTransferQOPs(cfg); err == nil {
		t.Error("an unknown protection was accepted")
	}
}

func FuzzParseDTMessage(f *testing.F) {
	f.Add(appendDTMessage(nil, 0, []byte("realm=\"0\",nonce=\"x\"")))
	f.Add(appendDTMessage(nil, 2, nil))
	f.Add([]byte{0x08})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := readDTMessage(bytes.NewReader(b))
		if err == nil && m.status != dtStatusSuccess {
			t.Fatalf("status %d accepted", m.status)
		}
		_, _ = parseDTMessage(b)
	})
}

func FuzzOpBlockToken(f *testing.F) {
	tok := &commonpb.TokenProto{Identifier: []byte("id"), Password: []byte("pw"), Kind: proto.String("k"), Service: proto.String("")}
	f.Add(readOp(f, 0x51, tok))
	f.Add(readOp(f, 0x55, tok))
	f.Add([]byte{0x00, 0x1c, 0x51, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = opBlockToken(b)
	})
}
