package sasl

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// DefaultCiphers is the auth-conf cipher preference of Java's DIGEST-MD5
// client with its default strength "high,medium,low" (the order of
// DigestMD5Base.CIPHER_TOKENS within each strength): a Java server offers
// "3des,rc4,des,rc4-56,rc4-40" and a Java client takes 3des.
func DefaultCiphers() []string { return []string{"3des", "rc4", "des", "rc4-56", "rc4-40"} }

// ourMaxbuf is the receive buffer we announce. Hadoop's server wraps each
// response whole whatever we say, so it is informational; 65536 is what
// Java's client sends.
const ourMaxbuf = 65536

// DigestMD5Config configures a DIGEST-MD5 client exchange.
type DigestMD5Config struct {
	// Username and Password as the server's callback expects them. Hadoop
	// uses base64 of the token identifier and of the token password
	// (SaslRpcServer.encodeIdentifier/encodePassword); that encoding is the
	// caller's business.
	Username string
	Password string
	// Protocol and ServerID form the digest-uri "Protocol/ServerID"; Hadoop
	// advertises "" and "default" for TOKEN.
	Protocol, ServerID string
	// QOPs in preference order; nil means DefaultQOPs.
	QOPs []QOP
	// Ciphers for auth-conf in preference order; nil means DefaultCiphers.
	Ciphers []string
	// CNonce replaces the random client nonce. Only for test vectors: a
	// fixed cnonce lets the same exchange be replayed byte for byte.
	CNonce string
}

// Format prints the config without the password, whatever the verb.
func (c DigestMD5Config) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "DigestMD5Config{Username: %q, Password: [redacted], DigestURI: %q, QOPs: %v, Ciphers: %v}",
		c.Username, c.Protocol+"/"+c.ServerID, c.QOPs, c.Ciphers)
}

// DigestMD5 is the client side of one DIGEST-MD5 exchange (RFC 2831 §2.1):
// challenge → digest-response, then rspauth → done.
type DigestMD5 struct {
	cfg DigestMD5Config

	step     int // 0: expect challenge, 1: expect rspauth, 2: complete
	ch       *challenge
	realm    string
	cnonce   string
	qop      QOP
	cipher   string
	hA1      [md5.Size]byte
	layer    SecurityLayer
	complete bool
}

// NewDigestMD5 returns a client for one exchange.
func NewDigestMD5(cfg DigestMD5Config) *DigestMD5 {
	if cfg.QOPs == nil {
		cfg.QOPs = DefaultQOPs()
	}
	if cfg.Ciphers == nil {
		cfg.Ciphers = DefaultCiphers()
	}
	return &DigestMD5{cfg: cfg}
}

// Format describes the exchange without its secrets (the struct holds the
// password and H(A1), which fmt would otherwise print).
func (d DigestMD5) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "DIGEST-MD5{step: %d, qop: %q, cipher: %q}", d.step, d.qop, d.cipher)
}

// Name implements Mechanism.
func (d *DigestMD5) Name() string { return "DIGEST-MD5" }

// HasInitialResponse implements Mechanism: the server speaks first (Hadoop
// sends its challenge inside the NEGOTIATE message).
func (d *DigestMD5) HasInitialResponse() bool { return false }

// Complete implements Mechanism.
func (d *DigestMD5) Complete() bool { return d.complete }

// Negotiated implements Mechanism.
func (d *DigestMD5) Negotiated() (QOP, SecurityLayer) { return d.qop, d.layer }

// Cipher returns the negotiated auth-conf cipher ("" unless auth-conf).
func (d *DigestMD5) Cipher() string { return d.cipher }

// Step implements Mechanism.
func (d *DigestMD5) Step(_ context.Context, in []byte) ([]byte, error) {
	switch d.step {
	case 0:
		out, err := d.respond(in)
		if err != nil {
			return nil, fmt.Errorf("sasl DIGEST-MD5: %w", err)
		}
		d.step = 1
		return out, nil
	case 1:
		if err := d.verifyRspauth(in); err != nil {
			return nil, fmt.Errorf("sasl DIGEST-MD5: %w", err)
		}
		d.step = 2
		d.complete = true
		return nil, nil
	default:
		return nil, errors.New("sasl DIGEST-MD5: exchange already complete")
	}
}

// respond answers the digest-challenge (RFC 2831 §2.1.2). The directives are
// in the order Java's DigestMD5Client writes them, so a captured Java
// exchange and ours can be compared byte for byte.
func (d *DigestMD5) respond(in []byte) ([]byte, error) {
	ch, err := parseChallenge(in)
	if err != nil {
		return nil, err
	}
	d.ch = ch
	qop, ok := pickQOP(d.cfg.QOPs, ch.qops)
	if !ok {
		return nil, fmt.Errorf("no common protection: server offers %v, client accepts %v", ch.qops, d.cfg.QOPs)
	}
	d.qop = qop
	if qop == QOPPrivacy {
		i := slices.IndexFunc(d.cfg.Ciphers, func(c string) bool { return slices.Contains(ch.ciphers, c) })
		if i < 0 {
			return nil, fmt.Errorf("no common cipher: server offers %v, client accepts %v", ch.ciphers, d.cfg.Ciphers)
		}
		d.cipher = d.cfg.Ciphers[i]
	}
	if len(ch.realms) > 0 {
		d.realm = ch.realms[0]
	}
	d.cnonce = d.cfg.CNonce
	if d.cnonce == "" {
		raw := make([]byte, 24)
		if _, err := rand.Read(raw); err != nil {
			return nil, fmt.Errorf("cnonce: %w", err)
		}
		d.cnonce = base64.StdEncoding.EncodeToString(raw)
	}
	d.hA1 = digestHA1(d.cfg.Username, d.realm, d.cfg.Password, ch.nonce, d.cnonce)
	uri := d.digestURI()

	var b strings.Builder
	if ch.utf8 {
		b.WriteString("charset=utf-8,")
	}
	fmt.Fprintf(&b, `username="%s",`, quote(d.cfg.Username))
	if d.realm != "" {
		fmt.Fprintf(&b, `realm="%s",`, quote(d.realm))
	}
	fmt.Fprintf(&b, `nonce="%s",nc=`+nc1+`,cnonce="%s",digest-uri="%s",maxbuf=%d,`,
		quote(ch.nonce), quote(d.cnonce), uri, ourMaxbuf)
	fmt.Fprintf(&b, "response=%s,qop=%s", digestResponse(d.hA1, "AUTHENTICATE", uri, qop, ch.nonce, d.cnonce), qop)
	if d.cipher != "" {
		fmt.Fprintf(&b, `,cipher="%s"`, d.cipher)
	}
	return []byte(b.String()), nil
}

func (d *DigestMD5) digestURI() string { return d.cfg.Protocol + "/" + d.cfg.ServerID }

// verifyRspauth checks the server's proof (RFC 2831 §2.1.3) and builds the
// security layer; a server that cannot prove it knows the password is not
// trusted with the connection.
func (d *DigestMD5) verifyRspauth(in []byte) error {
	ds, err := parseDirectives(in)
	if err != nil {
		return err
	}
	var got string
	for _, dv := range ds {
		if dv.key == "rspauth" {
			got = dv.value
		}
	}
	if got == "" {
		return fmt.Errorf("%w: server's final message has no rspauth", errMalformed)
	}
	want := digestResponse(d.hA1, "", d.digestURI(), d.qop, d.ch.nonce, d.cnonce)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errors.New("server's rspauth does not match: the server does not know the token password")
	}
	if d.qop == QOPAuth {
		return nil
	}
	d.layer, err = newDigestLayer(d.hA1[:], d.qop, d.cipher, true, d.ch.maxbuf)
	return err
}

// digestHA1 is H(A1) for algorithm md5-sess (no authzid):
//
//	A1 = { H({ username, ":", realm, ":", password }), ":", nonce, ":", cnonce }
//
// Its 16 bytes are also the root of the security-layer keys.
func digestHA1(user, realm, pass, nonce, cnonce string) [md5.Size]byte {
	inner := md5.Sum([]byte(user + ":" + realm + ":" + pass))
	a1 := append(inner[:], ":"+nonce+":"+cnonce...)
	return md5.Sum(a1)
}

// digestResponse is the response-value (RFC 2831 §2.1.2.1):
//
//	HEX( KD( HEX(H(A1)), { nonce, ":", nc, ":", cnonce, ":", qop, ":", HEX(H(A2)) } ) )
//	A2 = { method, ":", digest-uri [, ":00000000000000000000000000000000"] }
//
// method is "AUTHENTICATE" in the client's response and "" in rspauth; the
// zero suffix is there for auth-int and auth-conf.
func digestResponse(hA1 [md5.Size]byte, method, uri string, qop QOP, nonce, cnonce string) string {
	a2 := method + ":" + uri
	if qop != QOPAuth {
		a2 += ":00000000000000000000000000000000"
	}
	hA2 := md5.Sum([]byte(a2))
	kd := hex.EncodeToString(hA1[:]) + ":" + nonce + ":" + nc1 + ":" + cnonce + ":" + string(qop) + ":" + hex.EncodeToString(hA2[:])
	sum := md5.Sum([]byte(kd))
	return hex.EncodeToString(sum[:])
}

// nc1 is the nonce-count: every Hadoop connection authenticates once with a
// fresh nonce, so it is always the first use.
const nc1 = "00000001"
