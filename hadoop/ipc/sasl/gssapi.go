package sasl

import (
	"context"
	"errors"
	"fmt"
)

// GSSAPIMechanism makes Kerberos V5 GSS-API initiator contexts (RFC 2743,
// RFC 4121). It is the seam to the Kerberos implementation (hadoop/security
// with gokrb5): this package only runs the SASL GSSAPI exchange over it.
type GSSAPIMechanism interface {
	// NewContext starts a security context with the service target. It
	// should request integrity and confidentiality (the SASL exchange picks
	// the layer later); mutual authentication is optional.
	NewContext(ctx context.Context, target GSSAPITarget) (GSSAPIContext, error)
}

// ErrServerPrincipal: the server's Kerberos principal is not the one the
// client was configured to trust, or the KDC does not know it.
var ErrServerPrincipal = errors.New("server Kerberos principal mismatch")

// GSSAPITarget names the server: Hadoop advertises Service (the first
// component of its principal, e.g. "rm", "nn") and Host; Realm comes from
// the configured server principal when there is one.
type GSSAPITarget struct {
	Service, Host, Realm string
}

// String returns the principal "service/host[@REALM]".
func (t GSSAPITarget) String() string {
	s := t.Service + "/" + t.Host
	if t.Realm != "" {
		s += "@" + t.Realm
	}
	return s
}

// GSSAPIContext is one established-or-establishing initiator context.
type GSSAPIContext interface {
	// InitSecContext is GSS_Init_sec_context: it consumes the acceptor's
	// token (nil on the first call) and returns the token to send (maybe
	// empty) and whether the context is now established.
	InitSecContext(ctx context.Context, input []byte) (output []byte, established bool, err error)
	// Wrap is GSS_Wrap with conf_req_flag = confidential.
	Wrap(msg []byte, confidential bool) ([]byte, error)
	// Unwrap is GSS_Unwrap; it reports whether the token was encrypted.
	Unwrap(token []byte) (msg []byte, confidential bool, err error)
}

// WrapSizeLimiter is optionally implemented by a GSSAPIContext to report
// GSS_Wrap_size_limit: the largest message whose wrapped form fits limit.
type WrapSizeLimiter interface {
	WrapSizeLimit(limit int, confidential bool) int
}

// gssWrapOverhead bounds RFC 4121 Wrap token growth (16-byte header, and
// for AES confidentiality a 16-byte confounder, the encrypted header copy
// and a 12-byte checksum) when the context cannot say.
const gssWrapOverhead = 64

// GSSAPI is the client side of SASL GSSAPI (RFC 4752 §3.1):
//
//	C: initial context token            (INITIATE)
//	S: context tokens ... C: replies     (until the context is established;
//	                                      an empty reply after the last one)
//	S: Wrap(layers offered ‖ max size)   (4 bytes)
//	C: Wrap(layer chosen ‖ max size)     (4 bytes, never encrypted)
type GSSAPI struct {
	gc          GSSAPIContext
	qops        []QOP
	established bool
	complete    bool
	qop         QOP
	layer       SecurityLayer
}

// NewGSSAPI runs SASL GSSAPI over gc, accepting qops in preference order
// (nil means DefaultQOPs).
func NewGSSAPI(gc GSSAPIContext, qops []QOP) *GSSAPI {
	if qops == nil {
		qops = DefaultQOPs()
	}
	return &GSSAPI{gc: gc, qops: qops}
}

// Name implements Mechanism.
func (g *GSSAPI) Name() string { return "GSSAPI" }

// HasInitialResponse implements Mechanism.
func (g *GSSAPI) HasInitialResponse() bool { return true }

// Complete implements Mechanism.
func (g *GSSAPI) Complete() bool { return g.complete }

// Negotiated implements Mechanism.
func (g *GSSAPI) Negotiated() (QOP, SecurityLayer) { return g.qop, g.layer }

// Step implements Mechanism.
func (g *GSSAPI) Step(ctx context.Context, in []byte) ([]byte, error) {
	switch {
	case g.complete:
		return nil, errors.New("sasl GSSAPI: exchange already complete")
	case !g.established:
		out, est, err := g.gc.InitSecContext(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("sasl GSSAPI: init security context: %w", err)
		}
		g.established = est
		if out == nil {
			out = []byte{}
		}
		return out, nil
	case len(in) == 0:
		// The server's last context step produced no token; answer empty.
		return []byte{}, nil
	}
	out, err := g.finalHandshake(in)
	if err != nil {
		return nil, fmt.Errorf("sasl GSSAPI: security layer negotiation: %w", err)
	}
	g.complete = true
	return out, nil
}

// finalHandshake reads the server's layer offer and answers with our pick.
func (g *GSSAPI) finalHandshake(in []byte) ([]byte, error) {
	offer, _, err := g.gc.Unwrap(in)
	if err != nil {
		return nil, err
	}
	offered, serverMax, err := parseLayerOffer(offer)
	if err != nil {
		return nil, err
	}
	qop, ok := pickQOP(g.qops, offered)
	if !ok {
		return nil, fmt.Errorf("no common protection: server offers %v, client accepts %v", offered, g.qops)
	}
	g.qop = qop
	if qop != QOPAuth {
		g.layer = &gssLayer{gc: g.gc, privacy: qop == QOPPrivacy, maxInput: gssMaxInput(g.gc, serverMax, qop == QOPPrivacy)}
	}
	// The reply is integrity-protected only, whatever layer follows. Our
	// receive limit is advisory to Hadoop, which wraps whole responses.
	return g.gc.Wrap(encodeLayerChoice(qop, ourMaxbuf), false)
}

func gssMaxInput(gc GSSAPIContext, serverMax int, conf bool) int {
	if serverMax == 0 {
		return 0
	}
	if l, ok := gc.(WrapSizeLimiter); ok {
		return l.WrapSizeLimit(serverMax, conf)
	}
	return max(serverMax-gssWrapOverhead, 1)
}

// gssLayer wraps messages with GSS_Wrap after the handshake.
type gssLayer struct {
	gc       GSSAPIContext
	privacy  bool
	maxInput int
}

func (l *gssLayer) Wrap(msg []byte) ([]byte, error) { return l.gc.Wrap(msg, l.privacy) }

func (l *gssLayer) Unwrap(token []byte) ([]byte, error) {
	msg, conf, err := l.gc.Unwrap(token)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIntegrity, err)
	}
	if l.privacy && !conf {
		return nil, fmt.Errorf("%w: unencrypted message on an auth-conf connection", ErrIntegrity)
	}
	return msg, nil
}

func (l *gssLayer) MaxWrapInput() int { return l.maxInput }
