package kerberos

import (
	"context"
	"errors"
	"fmt"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/iana/chksumtype"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
)

// mechanism makes initiator contexts for a logged-in client.
type mechanism struct{ c *Client }

// NewContext gets the service ticket for target (bounded by ctx) and
// returns a context whose first step sends the AP-REQ.
func (m mechanism) NewContext(ctx context.Context, target sasl.GSSAPITarget) (sasl.GSSAPIContext, error) {
	tkt, key, err := m.c.serviceTicket(ctx, target)
	if err != nil {
		return nil, err
	}
	creds := m.c.krb.Credentials
	return &gssContext{target: target, crealm: creds.Domain(), cname: creds.CName(), ticket: tkt, sessionKey: key}, nil
}

// gssContext is one Kerberos V5 initiator context (RFC 4121) with mutual
// authentication:
//
//	InitSecContext(nil)     → AP-REQ (authenticator with a fresh subkey and sequence number)
//	InitSecContext(AP-REP)  → checks the acceptor knew the session key; established
//	Wrap / Unwrap           → RFC 4121 Wrap tokens (wraptoken.go)
//
// After establishment Wrap runs on one goroutine and Unwrap on another (the
// SecurityLayer contract); each owns its sequence counter.
type gssContext struct {
	target     sasl.GSSAPITarget
	crealm     string // the client's realm and name, as in the ticket
	cname      types.PrincipalName
	ticket     messages.Ticket
	sessionKey types.EncryptionKey

	auth        types.Authenticator // as sent, for checking the AP-REP
	sentAPReq   bool
	established bool
	key         messageKey

	sendSeq uint64 // next sequence number we send
	recvSeq uint64 // next sequence number the acceptor must send
}

// InitSecContext implements sasl.GSSAPIContext.
func (g *gssContext) InitSecContext(_ context.Context, in []byte) ([]byte, bool, error) {
	switch {
	case g.established:
		return nil, false, errors.New("kerberos: context already established")
	case !g.sentAPReq:
		if len(in) != 0 {
			return nil, false, errors.New("kerberos: the server spoke before our AP-REQ")
		}
		tok, err := g.apReq()
		if err != nil {
			return nil, false, err
		}
		g.sentAPReq = true
		return tok, false, nil
	}
	if err := g.acceptAPRep(in); err != nil {
		return nil, false, err
	}
	g.established = true
	return nil, true, nil
}

// apReq builds the initial context token. The authenticator carries a
// subkey of the session key's type (the message key unless the acceptor
// sends its own) and our initial sequence number.
func (g *gssContext) apReq() ([]byte, error) {
	if _, err := newMessageKey(g.sessionKey, false); err != nil {
		return nil, err // no point in authenticating if we cannot protect the layer negotiation
	}
	et, err := crypto.GetEtype(g.sessionKey.KeyType)
	if err != nil {
		return nil, newError(ErrUnsupportedEnctype, "build the AP-REQ", err.Error(), nil)
	}
	auth, err := types.NewAuthenticator(g.crealm, g.cname)
	if err != nil {
		return nil, fmt.Errorf("kerberos: new authenticator: %w", err)
	}
	if err := auth.GenerateSeqNumberAndSubKey(g.sessionKey.KeyType, et.GetKeyByteSize()); err != nil {
		return nil, fmt.Errorf("kerberos: authenticator subkey: %w", err)
	}
	auth.Cksum = types.Checksum{CksumType: chksumtype.GSSAPI, Checksum: gssChecksum()}
	g.auth = auth
	req, err := messages.NewAPReq(g.ticket, g.sessionKey, g.auth)
	if err != nil {
		return nil, fmt.Errorf("kerberos: build the AP-REQ: %w", err)
	}
	types.SetFlag(&req.APOptions, flags.APOptionMutualRequired)
	b, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("kerberos: encode the AP-REQ: %w", err)
	}
	g.sendSeq = uint64(uint32(g.auth.SeqNumber))
	return frameContextToken(tokAPReq, b), nil
}

// acceptAPRep verifies mutual authentication (RFC 4120 §3.2.5): only the
// holder of the service key could decrypt our authenticator and echo its
// time. The AP-REP also sets the acceptor's sequence numbers and may carry
// the acceptor's subkey.
func (g *gssContext) acceptAPRep(tok []byte) error {
	rep, err := acceptorReply(tok)
	var ke messages.KRBError
	if errors.As(err, &ke) {
		return classifyKDC("authenticate to "+g.target.String(), ke)
	}
	if err != nil {
		return fmt.Errorf("kerberos: mutual authentication with %s: %w", g.target, err)
	}
	plain, err := decryptEncPart(rep.EncPart, g.sessionKey, keyusage.AP_REP_ENCPART)
	if err != nil {
		return fmt.Errorf("kerberos: mutual authentication with %s: AP-REP does not decrypt with the session key: %w", g.target, err)
	}
	var part messages.EncAPRepPart
	if err := part.Unmarshal(plain); err != nil {
		return fmt.Errorf("kerberos: mutual authentication with %s: %w", g.target, err)
	}
	if part.CTime.Unix() != g.auth.CTime.Unix() || part.Cusec != g.auth.Cusec {
		return fmt.Errorf("kerberos: mutual authentication with %s failed: the AP-REP echoes another time", g.target)
	}
	key, subkey := g.auth.SubKey, false
	if len(part.Subkey.KeyValue) > 0 {
		key, subkey = part.Subkey, true
	}
	if g.key, err = newMessageKey(key, subkey); err != nil {
		return err
	}
	g.recvSeq = uint64(uint32(part.SequenceNumber))
	return nil
}

// decryptEncPart is crypto.DecryptEncPart for untrusted input: gokrb5
// slices the ciphertext by the enctype's sizes without checking its length.
func decryptEncPart(ed types.EncryptedData, key types.EncryptionKey, usage uint32) (plain []byte, err error) {
	if ed.EType != key.KeyType {
		return nil, fmt.Errorf("encrypted with enctype %d, the key is of %d", ed.EType, key.KeyType)
	}
	et, err := crypto.GetEtype(key.KeyType)
	if err != nil {
		return nil, err
	}
	if min := et.GetConfounderByteSize() + et.GetHMACBitLength()/8; len(ed.Cipher) < min {
		return nil, fmt.Errorf("%d encrypted bytes, want at least %d", len(ed.Cipher), min)
	}
	defer func() {
		if r := recover(); r != nil {
			plain, err = nil, fmt.Errorf("undecryptable: %v", r)
		}
	}()
	return crypto.DecryptEncPart(ed, key, usage)
}

// Wrap implements sasl.GSSAPIContext.
func (g *gssContext) Wrap(msg []byte, confidential bool) ([]byte, error) {
	if !g.established {
		return nil, errors.New("kerberos: Wrap before the context is established")
	}
	tok, err := g.key.wrap(false, g.sendSeq, msg, confidential)
	if err != nil {
		return nil, err
	}
	g.sendSeq++
	return tok, nil
}

// Unwrap implements sasl.GSSAPIContext. Tokens must arrive in order: a
// sequence number other than the next one is a replayed, reordered or
// injected message (Java's acceptor checks ours the same way).
func (g *gssContext) Unwrap(tok []byte) ([]byte, bool, error) {
	if !g.established {
		return nil, false, errors.New("kerberos: Unwrap before the context is established")
	}
	msg, conf, seq, err := g.key.unwrap(true, tok)
	if err != nil {
		return nil, false, err
	}
	// Java writes the 32-bit counter into the low half of SND_SEQ.
	if uint32(seq) != uint32(g.recvSeq) {
		return nil, false, fmt.Errorf("%w: sequence number %d, want %d", errBadToken, seq, uint32(g.recvSeq))
	}
	g.recvSeq++
	return msg, conf, nil
}

// WrapSizeLimit implements sasl.WrapSizeLimiter.
func (g *gssContext) WrapSizeLimit(limit int, confidential bool) int {
	return max(limit-g.key.overhead(confidential), 1)
}
