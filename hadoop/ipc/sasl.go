package ipc

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// negotiated is the outcome of the SASL exchange.
type negotiated struct {
	method AuthMethod
	qop    QOP
	layer  sasl.SecurityLayer
}

// saslConnect runs Hadoop's SASL exchange (SaslRpcClient.saslConnect), each
// message an RpcSaslProto in a callId -33 frame:
//
//	C: NEGOTIATE
//	S: SUCCESS                       server does no SASL → SIMPLE (if allowed)
//	S: NEGOTIATE auths=[TOKEN{challenge}, KERBEROS{protocol, serverId}, SIMPLE…]
//	C: INITIATE auths=[the chosen auth exactly as offered, minus challenge] token
//	S: CHALLENGE token  /  C: RESPONSE token           (as often as needed)
//	S: SUCCESS [final token, e.g. DIGEST-MD5 rspauth]
//
// Choosing SIMPLE from the list is an INITIATE with no token and no reply.
func (c *Client) saslConnect(ctx context.Context, w io.Writer, r io.Reader) (negotiated, error) {
	if err := c.writeSASL(w, &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum()}); err != nil {
		return negotiated{}, err
	}
	var mech sasl.Mechanism
	var chosen *commonpb.RpcSaslProto_SaslAuth
	for {
		msg, err := c.readSASL(r)
		if err != nil {
			return negotiated{}, err
		}
		var reply *commonpb.RpcSaslProto
		switch msg.GetState() {
		case commonpb.RpcSaslProto_NEGOTIATE:
			if mech != nil {
				return negotiated{}, errors.New("sasl: server sent NEGOTIATE twice")
			}
			chosen, err = c.chooseAuth(msg.GetAuths())
			if err != nil {
				return negotiated{}, err
			}
			if chosen.GetMethod() == "SIMPLE" {
				err := c.writeSASL(w, &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_INITIATE.Enum(),
					Auths: []*commonpb.RpcSaslProto_SaslAuth{chosen}})
				return negotiated{method: AuthSimple, qop: QOPAuth}, err
			}
			if mech, err = c.mechanism(ctx, chosen); err != nil {
				return negotiated{}, err
			}
			// The first token answers the challenge the server put in its
			// offer (DIGEST-MD5), or is the initial response (GSSAPI).
			var token []byte
			if ch := chosen.GetChallenge(); ch != nil || mech.HasInitialResponse() {
				if token, err = mech.Step(ctx, ch); err != nil {
					return negotiated{}, err
				}
			}
			echo := proto.Clone(chosen).(*commonpb.RpcSaslProto_SaslAuth)
			echo.Challenge = nil
			reply = &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_INITIATE.Enum(), Token: nonNil(token),
				Auths: []*commonpb.RpcSaslProto_SaslAuth{echo}}
		case commonpb.RpcSaslProto_CHALLENGE:
			if mech == nil {
				return negotiated{}, errors.New("sasl: server sent a challenge before NEGOTIATE")
			}
			if msg.Token == nil {
				return negotiated{}, errors.New("sasl: server challenge has no token")
			}
			token, err := mech.Step(ctx, msg.Token)
			if err != nil {
				return negotiated{}, err
			}
			reply = &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_RESPONSE.Enum(), Token: nonNil(token)}
		case commonpb.RpcSaslProto_SUCCESS:
			if mech == nil {
				// A server without SASL answers NEGOTIATE with SUCCESS.
				if c.opts.Auth.Method == AuthKerberos && !c.opts.AllowSimpleFallback {
					return negotiated{}, fmt.Errorf("%w: server wants SIMPLE authentication and AllowSimpleFallback is off", ErrAccessDenied)
				}
				return negotiated{method: AuthSimple, qop: QOPAuth}, nil
			}
			return c.saslDone(ctx, mech, chosen, msg)
		default:
			return negotiated{}, fmt.Errorf("sasl: unexpected %v message from server", msg.GetState())
		}
		if err := c.writeSASL(w, reply); err != nil {
			return negotiated{}, err
		}
	}
}

// saslDone checks the SUCCESS message: its token, if any, is the
// mechanism's last input and must produce no reply; the client side must
// be complete, or a rogue server could end authentication early.
func (c *Client) saslDone(ctx context.Context, mech sasl.Mechanism, chosen *commonpb.RpcSaslProto_SaslAuth, msg *commonpb.RpcSaslProto) (negotiated, error) {
	if msg.Token != nil {
		out, err := mech.Step(ctx, msg.Token)
		if err != nil {
			return negotiated{}, err
		}
		if out != nil {
			return negotiated{}, errors.New("sasl: client has more to say after the server's SUCCESS")
		}
	}
	if !mech.Complete() {
		return negotiated{}, errors.New("sasl: server reported SUCCESS before the client was done")
	}
	qop, layer := mech.Negotiated()
	n := negotiated{method: AuthToken, qop: qop, layer: layer}
	if chosen.GetMethod() == "KERBEROS" {
		n.method = AuthKerberos
	}
	c.log.WithFields(map[string]any{"auth": n.method, "mechanism": mech.Name(), "qop": qop}).Debug("ipc: SASL done")
	return n, nil
}

// chooseAuth picks the offered auth our credentials can satisfy: the
// configured method, else SIMPLE when the server allows it and we may fall
// back. The offer is kept as sent, because the INITIATE must echo it.
func (c *Client) chooseAuth(auths []*commonpb.RpcSaslProto_SaslAuth) (*commonpb.RpcSaslProto_SaslAuth, error) {
	want, mech := "TOKEN", "DIGEST-MD5"
	if c.opts.Auth.Method == AuthKerberos {
		want, mech = "KERBEROS", "GSSAPI"
	}
	var simple *commonpb.RpcSaslProto_SaslAuth
	var offered []string
	for _, a := range auths {
		offered = append(offered, a.GetMethod()+"/"+a.GetMechanism())
		switch {
		case a.GetMethod() == want && a.GetMechanism() == mech:
			return a, nil
		case a.GetMethod() == "SIMPLE":
			simple = a
		}
	}
	if simple != nil && (c.opts.Auth.Method == AuthToken || c.opts.AllowSimpleFallback) {
		return simple, nil
	}
	return nil, fmt.Errorf("%w: server offers [%s], client has %s", ErrAccessDenied, strings.Join(offered, ", "), want)
}

// mechanism builds the SASL client for the chosen auth.
func (c *Client) mechanism(ctx context.Context, a *commonpb.RpcSaslProto_SaslAuth) (sasl.Mechanism, error) {
	if a.GetMethod() == "TOKEN" {
		t := c.opts.Auth.Token
		return sasl.NewDigestMD5(sasl.DigestMD5Config{
			// SaslRpcServer.encodeIdentifier/encodePassword.
			Username: base64.StdEncoding.EncodeToString(t.Identifier),
			Password: base64.StdEncoding.EncodeToString(t.Password),
			Protocol: a.GetProtocol(), ServerID: a.GetServerId(),
			QOPs: c.opts.QOP,
		}), nil
	}
	target, err := c.kerberosTarget(a)
	if err != nil {
		return nil, err
	}
	gc, err := c.opts.Auth.GSSAPI.NewContext(ctx, target)
	if err != nil {
		return nil, fmt.Errorf("sasl GSSAPI for %s: %w", target, err)
	}
	return sasl.NewGSSAPI(gc, c.opts.QOP), nil
}

// kerberosTarget checks the advertised principal against ServerPrincipal
// (SaslRpcClient.getServerPrincipal): a server claiming another identity
// than the configured one is refused before any ticket is used for it.
func (c *Client) kerberosTarget(a *commonpb.RpcSaslProto_SaslAuth) (sasl.GSSAPITarget, error) {
	t := sasl.GSSAPITarget{Service: a.GetProtocol(), Host: a.GetServerId()}
	if t.Service == "" || t.Host == "" {
		return t, fmt.Errorf("sasl: server advertises an incomplete Kerberos principal %q", t.Service+"/"+t.Host)
	}
	if c.opts.ServerPrincipal == "" {
		return t, nil
	}
	host, _, err := net.SplitHostPort(c.opts.Addr)
	if err != nil {
		host = c.opts.Addr
	}
	want := strings.ReplaceAll(c.opts.ServerPrincipal, "_HOST", strings.ToLower(host))
	name, realm, _ := strings.Cut(want, "@")
	if !strings.EqualFold(name, t.Service+"/"+t.Host) {
		return t, fmt.Errorf("%w: server's Kerberos principal %s/%s is not the configured %s", ErrAccessDenied, t.Service, t.Host, want)
	}
	t.Realm = realm
	return t, nil
}

func (c *Client) writeSASL(w io.Writer, m *commonpb.RpcSaslProto) error {
	f, err := buildFrame(c.opts.MaxFrameSize, requestHeader(callIDSASL, nil), m)
	if err != nil {
		return err
	}
	if _, err := w.Write(f); err != nil {
		return &netError{op: "write SASL " + m.GetState().String(), err: err}
	}
	return nil
}

// readSASL reads one SASL reply. The status is checked before the call id:
// a rejected preamble is answered with callId -1, a failed exchange with a
// FATAL -33, and both must surface as the server's exception.
func (c *Client) readSASL(r io.Reader) (*commonpb.RpcSaslProto, error) {
	frame, err := readFrame(r, c.opts.MaxFrameSize)
	if err != nil {
		if errors.Is(err, errProtocol) {
			return nil, err
		}
		return nil, &netError{op: "read SASL reply", err: err}
	}
	h, body, err := parseResponse(frame)
	if err != nil {
		return nil, err
	}
	if h.GetStatus() != commonpb.RpcResponseHeaderProto_SUCCESS {
		return nil, remoteError(h, "")
	}
	if id := int32(h.GetCallId()); id != callIDSASL {
		return nil, protocolErrorf("reply with call id %d during SASL", id)
	}
	m := &commonpb.RpcSaslProto{}
	if err := proto.Unmarshal(body, m); err != nil {
		return nil, protocolErrorf("SASL message: %v", err)
	}
	return m, nil
}

// nonNil keeps an empty token present on the wire, as Java sends it.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
