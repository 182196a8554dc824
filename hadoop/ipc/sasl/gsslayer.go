package sasl

import "fmt"

// The security-layer message of RFC 4752 §3.1, the last step of SASL
// GSSAPI, carried inside a GSS Wrap token in each direction:
//
//	+--------+-----------------------------+
//	| layers | max message size (3, BE)    |
//	+--------+-----------------------------+
//
// Server → client: the layers it supports (a bitmask) and the largest
// wrapped message it accepts. Client → server: exactly one layer and the
// client's own limit, which must be 0 when it chose no layer. The client may
// append an authorization identity; Hadoop's clients never do (the server
// then authorizes the authenticated principal itself).

// Security-layer bits.
const (
	gssLayerNone      = 1
	gssLayerIntegrity = 2
	gssLayerPrivacy   = 4
)

// maxLayerSize is the largest size three bytes hold.
const maxLayerSize = 1<<24 - 1

// parseLayerOffer decodes the server's offer (untrusted input): the QOPs it
// supports, strongest last, and its maximum message size.
func parseLayerOffer(b []byte) ([]QOP, int, error) {
	if len(b) != 4 {
		return nil, 0, fmt.Errorf("server offer is %d bytes, want 4", len(b))
	}
	var offered []QOP
	for _, o := range []struct {
		bit byte
		qop QOP
	}{{gssLayerNone, QOPAuth}, {gssLayerIntegrity, QOPIntegrity}, {gssLayerPrivacy, QOPPrivacy}} {
		if b[0]&o.bit != 0 {
			offered = append(offered, o.qop)
		}
	}
	if len(offered) == 0 {
		return nil, 0, fmt.Errorf("server offers no security layer (bitmask %#02x)", b[0])
	}
	return offered, int(b[1])<<16 | int(b[2])<<8 | int(b[3]), nil
}

// encodeLayerChoice is the client's reply choosing qop, with maxbuf as our
// receive limit (0 for QOPAuth, as RFC 4752 requires).
func encodeLayerChoice(qop QOP, maxbuf int) []byte {
	layer := byte(gssLayerNone)
	switch qop {
	case QOPIntegrity:
		layer = gssLayerIntegrity
	case QOPPrivacy:
		layer = gssLayerPrivacy
	default:
		maxbuf = 0
	}
	maxbuf = min(max(maxbuf, 0), maxLayerSize)
	return []byte{layer, byte(maxbuf >> 16), byte(maxbuf >> 8), byte(maxbuf)}
}
