package kerberos

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/jcmturner/gokrb5/v8/types"
)

// tokenFixture is a recorded GSS-API security layer of a real session:
// its message key and Wrap tokens as they crossed the wire (written by
// recordingCtx.SaveFixture in the integration tests).
type tokenFixture struct {
	Server         string   `json:"server"`
	Etype          int32    `json:"etype"`
	Key            string   `json:"key"`
	AcceptorSubkey bool     `json:"acceptor_subkey"`
	Tokens         []record `json:"tokens"`
}

type record struct {
	FromAcceptor bool   `json:"from_acceptor"`
	Seq          uint64 `json:"seq"`
	Conf         bool   `json:"conf"`
	Msg          string `json:"msg"`   // hex
	Token        string `json:"token"` // hex
}

// Tokens that real JDK acceptors (a Hadoop ResourceManager, Java's SASL
// GSSAPI server) produced decode to what they carried; the tokens we sent
// them, which they accepted, decode too, and our integrity tokens (which
// are deterministic) are reproduced byte for byte.
func TestRecordedServerTokens(t *testing.T) {
	files, _ := filepath.Glob("testdata/tokens-*.json")
	if len(files) == 0 {
		t.Fatal("no testdata/tokens-*.json fixtures")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var f tokenFixture
			if err := json.Unmarshal(b, &f); err != nil {
				t.Fatal(err)
			}
			kb, _ := hex.DecodeString(f.Key)
			k, err := newMessageKey(types.EncryptionKey{KeyType: f.Etype, KeyValue: kb}, f.AcceptorSubkey)
			if err != nil {
				t.Fatal(err)
			}
			var sawAcceptor, sawOurs bool
			for i, r := range f.Tokens {
				tok, _ := hex.DecodeString(r.Token)
				want, _ := hex.DecodeString(r.Msg)
				msg, conf, seq, err := k.unwrap(r.FromAcceptor, tok)
				if err != nil || !bytes.Equal(msg, want) || conf != r.Conf || seq != r.Seq {
					t.Fatalf("token %d: msg %x conf=%v seq=%d err=%v; want %x conf=%v seq=%d", i, msg, conf, seq, err, want, r.Conf, r.Seq)
				}
				if r.FromAcceptor {
					sawAcceptor = true
					continue
				}
				sawOurs = true
				if !r.Conf {
					again, err := k.wrap(false, r.Seq, want, false)
					if err != nil || !bytes.Equal(again, tok) {
						t.Fatalf("token %d: we now make %x, the server accepted %x", i, again, tok)
					}
				}
			}
			if !sawAcceptor || !sawOurs {
				t.Fatalf("%s holds tokens of one side only", file)
			}
		})
	}
}
