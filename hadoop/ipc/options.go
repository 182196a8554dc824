package ipc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
)

// Defaults of ClientOptions, from Hadoop's core-default.xml where it has one.
const (
	DefaultProtocolVersion    = 1                // every protobuf protocol of Hadoop 2+/3
	DefaultPingInterval       = 60 * time.Second // ipc.ping.interval
	DefaultMaxFrameSize       = 128 << 20        // ipc.maximum.data.length
	DefaultMaxConnectAttempts = 3                // per Call; the caller's retry policy sits above
	DefaultConnectTimeout     = 20 * time.Second // ipc.client.connect.timeout
	DefaultConnectBackoff     = 200 * time.Millisecond
	maxConnectBackoff         = 5 * time.Second
)

// QOP is a SASL quality of protection (hadoop.rpc.protection).
type QOP = sasl.QOP

// The three protections, strongest last.
const (
	QOPAuth      = sasl.QOPAuth
	QOPIntegrity = sasl.QOPIntegrity
	QOPPrivacy   = sasl.QOPPrivacy
)

// GSSAPIMechanism is the Kerberos seam; see sasl.GSSAPIMechanism.
type GSSAPIMechanism = sasl.GSSAPIMechanism

// ClientOptions configures a Client. Addr (or Dialer) and Protocol are
// required; the zero value of every other field picks the default.
type ClientOptions struct {
	// Addr is the server's host:port. It names the server in errors and
	// logs, and its host replaces _HOST in ServerPrincipal.
	Addr string
	// Dialer opens the transport; nil dials TCP to Addr.
	Dialer func(ctx context.Context) (net.Conn, error)
	// Protocol is the server-side protocol name sent in the connection
	// context and every request header, e.g. a YARN "...ProtocolPB" class.
	Protocol string
	// ProtocolVersion is the clientProtocolVersion of every call (1).
	ProtocolVersion uint64
	// User says who the calls are for; what is sent depends on the
	// negotiated auth (see UserInfo).
	User UserInfo
	// Auth is how to authenticate: SimpleAuth() (the default), TokenAuth or
	// KerberosAuth.
	Auth Auth
	// QOP lists acceptable protections in preference order; nil accepts
	// all three and takes the strongest the server offers.
	QOP []QOP
	// ServerPrincipal is the server's Kerberos principal from the Hadoop
	// config (e.g. "rm/_HOST@EXAMPLE.COM"). With Kerberos, the principal the
	// server advertises must match it; empty trusts the advertised one.
	ServerPrincipal string
	// AllowSimpleFallback lets a Kerberos client continue with SIMPLE auth
	// when the server does not do SASL (Hadoop's
	// ipc.client.fallback-to-simple-auth-allowed). Token clients always
	// may: that is how Java behaves on insecure clusters.
	AllowSimpleFallback bool
	// PingInterval: a ping is sent when nothing was written for this long,
	// so NAT boxes and the server keep the connection; negative disables.
	PingInterval time.Duration
	// MaxFrameSize caps one frame in either direction.
	MaxFrameSize int
	// MaxConnectAttempts bounds connection attempts per call (dial and
	// handshake); only retryable failures are retried.
	MaxConnectAttempts int
	// ConnectBackoff is the first pause between attempts; it doubles.
	ConnectBackoff time.Duration
	// ConnectTimeout bounds one attempt (dial, SASL, context) even when the
	// call's ctx has no deadline; negative means only ctx bounds it.
	ConnectTimeout time.Duration
	// ClientID identifies this client in every request header (the
	// server's retry cache keys on it); zero means random.
	ClientID [16]byte
	// Logger receives connection events; nil discards them.
	Logger *logrus.Entry
}

// UserInfo names the user of the connection. What reaches the server
// follows Java's ProtoUtil.makeIpcConnectionContext:
//
//	SIMPLE    effectiveUser = Effective, realUser = Real (a proxy user, when set)
//	KERBEROS  effectiveUser = Effective (the principal, or the user to impersonate);
//	          the Kerberos identity is the real user
//	TOKEN     nothing: the token names the user
type UserInfo struct {
	Effective string
	Real      string
}

// AuthMethod is the authentication the client asks for.
type AuthMethod int

// Authentication methods (Hadoop's SaslRpcServer.AuthMethod).
const (
	AuthSimple AuthMethod = iota
	AuthToken
	AuthKerberos
)

func (m AuthMethod) String() string {
	switch m {
	case AuthSimple:
		return "SIMPLE"
	case AuthToken:
		return "TOKEN"
	case AuthKerberos:
		return "KERBEROS"
	}
	return fmt.Sprintf("AuthMethod(%d)", int(m))
}

// Auth selects the authentication and carries its credentials.
type Auth struct {
	Method AuthMethod
	Token  Token           // AuthToken
	GSSAPI GSSAPIMechanism // AuthKerberos
}

// SimpleAuth is no authentication: the server believes User (insecure
// clusters). The connection uses no SASL at all.
func SimpleAuth() Auth { return Auth{Method: AuthSimple} }

// TokenAuth authenticates with a Hadoop token over SASL DIGEST-MD5.
func TokenAuth(t Token) Auth { return Auth{Method: AuthToken, Token: t} }

// KerberosAuth authenticates over SASL GSSAPI with m.
func KerberosAuth(m GSSAPIMechanism) Auth { return Auth{Method: AuthKerberos, GSSAPI: m} }

// Token is a Hadoop token as SASL needs it. Its text and JSON forms never
// show the password.
type Token struct {
	Identifier []byte
	Password   []byte
	Kind       string
	Service    string
}

func (t Token) String() string {
	return fmt.Sprintf("Token{Kind: %q, Service: %q, Identifier: %d bytes, Password: [redacted %d bytes]}",
		t.Kind, t.Service, len(t.Identifier), len(t.Password))
}

// Format makes every fmt verb (%v, %+v, %#v, %x...) print String.
func (t Token) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// MarshalJSON leaves the password out.
func (t Token) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"kind": t.Kind, "service": t.Service, "identifier_len": len(t.Identifier), "password": "[redacted]"})
}

// normalize validates o and fills in defaults.
func (o ClientOptions) normalize() (ClientOptions, error) {
	if o.Addr == "" && o.Dialer == nil {
		return o, errors.New("ipc: ClientOptions needs Addr or Dialer")
	}
	if o.Protocol == "" {
		return o, errors.New("ipc: ClientOptions.Protocol is empty")
	}
	switch o.Auth.Method {
	case AuthSimple:
		if o.User.Effective == "" {
			return o, errors.New("ipc: SIMPLE auth needs User.Effective")
		}
	case AuthToken:
		if len(o.Auth.Token.Identifier) == 0 {
			return o, errors.New("ipc: TOKEN auth needs a token identifier")
		}
	case AuthKerberos:
		if o.Auth.GSSAPI == nil {
			return o, errors.New("ipc: KERBEROS auth needs a GSSAPI mechanism")
		}
	default:
		return o, fmt.Errorf("ipc: unknown %v", o.Auth.Method)
	}
	if o.ProtocolVersion == 0 {
		o.ProtocolVersion = DefaultProtocolVersion
	}
	if o.QOP == nil {
		o.QOP = sasl.DefaultQOPs()
	}
	if o.PingInterval == 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.MaxFrameSize <= 0 {
		o.MaxFrameSize = DefaultMaxFrameSize
	}
	if o.MaxConnectAttempts <= 0 {
		o.MaxConnectAttempts = DefaultMaxConnectAttempts
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.ConnectBackoff <= 0 {
		o.ConnectBackoff = DefaultConnectBackoff
	}
	if o.Logger == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		o.Logger = logrus.NewEntry(l)
	}
	if o.Dialer == nil {
		addr := o.Addr
		o.Dialer = func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	return o, nil
}
