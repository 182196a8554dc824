package sasl

import (
	"bytes"
	"fmt"
	"testing"
)

func TestParseLayerOffer(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want []QOP
		max  int
	}{
		{[]byte{7, 0x01, 0x00, 0x00}, []QOP{QOPAuth, QOPIntegrity, QOPPrivacy}, 65536},
		{[]byte{4, 0x01, 0x00, 0x00}, []QOP{QOPPrivacy}, 65536}, // what Java's GssKrb5Server sends for auth-conf alone
		{[]byte{3, 0xff, 0xff, 0xff}, []QOP{QOPAuth, QOPIntegrity}, 1<<24 - 1},
		{[]byte{0xf9, 0, 0, 0}, []QOP{QOPAuth}, 0}, // unknown bits are ignored
	} {
		got, max, err := parseLayerOffer(tc.in)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) || max != tc.max {
			t.Errorf("parseLayerOffer(%x) = %v %d %v", tc.in, got, max, err)
		}
	}
	for _, bad := range [][]byte{nil, {7, 0, 0}, {7, 0, 0, 0, 0}, {0, 1, 0, 0}, {8, 0, 0, 0}} {
		if _, _, err := parseLayerOffer(bad); err == nil {
			t.Errorf("parseLayerOffer(%x) accepted", bad)
		}
	}
}

func TestEncodeLayerChoice(t *testing.T) {
	for _, tc := range []struct {
		qop  QOP
		max  int
		want []byte
	}{
		{QOPAuth, 65536, []byte{1, 0, 0, 0}}, // RFC 4752: no layer, no size
		{QOPIntegrity, 65536, []byte{2, 1, 0, 0}},
		{QOPPrivacy, 65536, []byte{4, 1, 0, 0}},
		{QOPPrivacy, 1 << 30, []byte{4, 0xff, 0xff, 0xff}},
		{QOPIntegrity, -1, []byte{2, 0, 0, 0}},
	} {
		if got := encodeLayerChoice(tc.qop, tc.max); !bytes.Equal(got, tc.want) {
			t.Errorf("encodeLayerChoice(%s, %d) = %x, want %x", tc.qop, tc.max, got, tc.want)
		}
	}
}
