package sasl

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// QOP is a SASL quality of protection.
type QOP string

const (
	// QOPAuth is authentication only; messages travel as they are.
	QOPAuth QOP = "auth"
	// QOPIntegrity adds a MAC and a sequence number to every message.
	QOPIntegrity QOP = "auth-int"
	// QOPPrivacy encrypts every message as well.
	QOPPrivacy QOP = "auth-conf"
)

// DefaultQOPs is the preference order used when a caller gives none: the
// strongest protection the server offers. Hadoop servers accept any QOP from
// their own hadoop.rpc.protection list, and some (HDP 3) misbehave unless the
// client takes the strongest one.
func DefaultQOPs() []QOP { return []QOP{QOPPrivacy, QOPIntegrity, QOPAuth} }

// ParseProtection turns a hadoop.rpc.protection value ("authentication,
// privacy"; names or SASL QOP strings, comma separated) into QOPs, in the
// order given.
func ParseProtection(s string) ([]QOP, error) {
	var qops []QOP
	for _, f := range strings.Split(s, ",") {
		switch strings.ToLower(strings.TrimSpace(f)) {
		case "":
			continue
		case "authentication", "auth":
			qops = append(qops, QOPAuth)
		case "integrity", "auth-int":
			qops = append(qops, QOPIntegrity)
		case "privacy", "auth-conf":
			qops = append(qops, QOPPrivacy)
		default:
			return nil, fmt.Errorf("sasl: unknown protection %q (want authentication, integrity or privacy)", f)
		}
	}
	if len(qops) == 0 {
		return nil, errors.New("sasl: empty protection list")
	}
	return qops, nil
}

// pickQOP returns the first of prefs that offered contains.
func pickQOP(prefs []QOP, offered []QOP) (QOP, bool) {
	for _, p := range prefs {
		for _, o := range offered {
			if p == o {
				return p, true
			}
		}
	}
	return "", false
}

// SecurityLayer protects messages after a mechanism negotiated auth-int or
// auth-conf. Wrap and Unwrap keep separate state (sequence numbers, cipher
// streams), so one goroutine may Wrap while another Unwraps; calls in the
// same direction must be serialized and happen in wire order.
type SecurityLayer interface {
	// Wrap protects one outgoing message.
	Wrap(msg []byte) ([]byte, error)
	// Unwrap checks and strips the protection of one incoming message.
	Unwrap(token []byte) ([]byte, error)
	// MaxWrapInput is the largest message the peer accepts in one Wrap (the
	// peer's receive buffer less the layer's overhead); 0 means no limit.
	MaxWrapInput() int
}

// Mechanism is the client side of one SASL authentication exchange.
type Mechanism interface {
	// Name is the SASL mechanism name ("DIGEST-MD5", "GSSAPI").
	Name() string
	// HasInitialResponse tells whether the client speaks first.
	HasInitialResponse() bool
	// Step consumes a server challenge (nil for the initial response) and
	// returns the response to send; nil means there is nothing to send.
	Step(ctx context.Context, challenge []byte) ([]byte, error)
	// Complete reports whether the client side has finished.
	Complete() bool
	// Negotiated returns the agreed QOP and, unless it is QOPAuth, the
	// security layer for the rest of the connection. Valid once Complete.
	Negotiated() (QOP, SecurityLayer)
}
