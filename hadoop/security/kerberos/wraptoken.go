package kerberos

import (
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/crypto/etype"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/types"
)

// RFC 4121 §4.2.6.2 Wrap token, what GSS_Wrap produces once the context is
// established (sizes in bytes):
//
//	+-------+-------+------+--------+---------+---------------------+
//	| 05 04 | flags | FF   | EC (2) | RRC (2) | SND_SEQ (8)         |   header, big-endian
//	+-------+-------+------+--------+---------+---------------------+
//
//	integrity: header(EC = checksum length) ‖ msg ‖ MIC(key, usage, msg ‖ header with EC = RRC = 0)
//	privacy:   header(EC = filler length)   ‖ Encrypt(key, usage, msg ‖ filler ‖ header with RRC = 0)
//
// flags: 0x01 sent by the acceptor, 0x02 sealed (encrypted), 0x04 the key is
// the acceptor's subkey. usage: 24 from the initiator, 22 from the acceptor.
// Encrypt is the RFC 3961 encryption of the enctype (a random confounder in
// front, its HMAC at the end). A sender may rotate everything after the
// header right by RRC bytes; the receiver rotates back. We send EC = 0 and
// RRC = 0 when sealing, as Java's WrapToken_v2 and MIT do for AES, and accept
// any EC and RRC.
//
// gokrb5's gssapi.WrapToken handles only integrity tokens from the initiator
// with EC = checksum length and RRC = 0, and no sequence numbers; this file is
// the complete form both directions use.

const (
	flagSentByAcceptor = 0x01
	flagSealed         = 0x02
	flagAcceptorSubkey = 0x04

	wrapHeaderLen = 16
)

// errBadToken is wrapped by every unwrap failure caused by the token.
var errBadToken = errors.New("defective GSS wrap token")

// messageKey is the key that protects a context's messages, as RFC 4121
// §2 chooses it: the acceptor's subkey when the AP-REP carried one, else the
// initiator's subkey, else the ticket's session key.
type messageKey struct {
	key            types.EncryptionKey
	et             etype.EType
	acceptorSubkey bool // tokens carry flag 0x04
}

// newMessageKey checks that key's enctype uses RFC 4121 tokens and that
// gokrb5 implements it correctly. The older enctypes (DES3, RC4) use the
// RFC 1964 token format, which we do not speak.
func newMessageKey(key types.EncryptionKey, acceptorSubkey bool) (messageKey, error) {
	switch key.KeyType {
	case etypeID.AES128_CTS_HMAC_SHA1_96, etypeID.AES256_CTS_HMAC_SHA1_96, etypeID.AES128_CTS_HMAC_SHA256_128:
		// aes256-cts-hmac-sha384-192 (20) has RFC 4121 tokens too, but
		// gokrb5 v8.4.4 sizes its key at 24 bytes instead of 32, so a real
		// key of that type cannot be used.
	default:
		return messageKey{}, newError(ErrUnsupportedEnctype, "choose the session key",
			fmt.Sprintf("enctype %s (%d) has no RFC 4121 message tokens", etypeName(key.KeyType), key.KeyType), nil)
	}
	et, err := crypto.GetEtype(key.KeyType)
	if err != nil {
		return messageKey{}, newError(ErrUnsupportedEnctype, "choose the session key", err.Error(), nil)
	}
	if len(key.KeyValue) != et.GetKeyByteSize() {
		return messageKey{}, fmt.Errorf("kerberos: %d-byte key for enctype %d, want %d", len(key.KeyValue), key.KeyType, et.GetKeyByteSize())
	}
	return messageKey{key: key, et: et, acceptorSubkey: acceptorSubkey}, nil
}

func sealUsage(fromAcceptor bool) uint32 {
	if fromAcceptor {
		return keyusage.GSSAPI_ACCEPTOR_SEAL
	}
	return keyusage.GSSAPI_INITIATOR_SEAL
}

func (k messageKey) checksumLen() int { return k.et.GetHMACBitLength() / 8 }

// overhead is how many bytes a Wrap token adds to a message.
func (k messageKey) overhead(conf bool) int {
	if conf {
		return wrapHeaderLen + k.et.GetConfounderByteSize() + wrapHeaderLen + k.checksumLen()
	}
	return wrapHeaderLen + k.checksumLen()
}

func (k messageKey) header(fromAcceptor, conf bool, ec uint16, seq uint64) []byte {
	h := make([]byte, wrapHeaderLen)
	h[0], h[1], h[3] = 0x05, 0x04, 0xff
	if fromAcceptor {
		h[2] |= flagSentByAcceptor
	}
	if conf {
		h[2] |= flagSealed
	}
	if k.acceptorSubkey {
		h[2] |= flagAcceptorSubkey
	}
	binary.BigEndian.PutUint16(h[4:6], ec)
	binary.BigEndian.PutUint64(h[8:16], seq)
	return h
}

// wrap builds the Wrap token of msg with sequence number seq, as the
// initiator or (for tests and fuzzing) as the acceptor.
func (k messageKey) wrap(fromAcceptor bool, seq uint64, msg []byte, conf bool) ([]byte, error) {
	usage := sealUsage(fromAcceptor)
	if conf {
		h := k.header(fromAcceptor, true, 0, seq)
		plain := make([]byte, 0, len(msg)+wrapHeaderLen)
		plain = append(append(plain, msg...), h...)
		_, sealed, err := k.et.EncryptMessage(k.key.KeyValue, plain, usage)
		if err != nil {
			return nil, fmt.Errorf("kerberos: seal a message: %w", err)
		}
		return append(h, sealed...), nil
	}
	h := k.header(fromAcceptor, false, 0, seq)
	mic, err := k.et.GetChecksumHash(k.key.KeyValue, append(append([]byte{}, msg...), h...), usage)
	if err != nil {
		return nil, fmt.Errorf("kerberos: checksum a message: %w", err)
	}
	binary.BigEndian.PutUint16(h[4:6], uint16(len(mic)))
	tok := make([]byte, 0, len(h)+len(msg)+len(mic))
	return append(append(append(tok, h...), msg...), mic...), nil
}

// unwrap checks a Wrap token sent by the other side (fromAcceptor says who
// that is) and returns the message, whether it was sealed, and its sequence
// number. It never panics and never trusts a length in the token.
func (k messageKey) unwrap(fromAcceptor bool, tok []byte) (msg []byte, conf bool, seq uint64, err error) {
	if len(tok) < wrapHeaderLen {
		return nil, false, 0, fmt.Errorf("%w: %d bytes is shorter than the header", errBadToken, len(tok))
	}
	h := tok[:wrapHeaderLen]
	if h[0] != 0x05 || h[1] != 0x04 || h[3] != 0xff {
		return nil, false, 0, fmt.Errorf("%w: header %x is not a wrap token's", errBadToken, h[:4])
	}
	flags := h[2]
	if got := flags&flagSentByAcceptor != 0; got != fromAcceptor {
		return nil, false, 0, fmt.Errorf("%w: sent-by-acceptor flag is %v, want %v", errBadToken, got, fromAcceptor)
	}
	if got := flags&flagAcceptorSubkey != 0; got != k.acceptorSubkey {
		return nil, false, 0, fmt.Errorf("%w: acceptor-subkey flag is %v, want %v", errBadToken, got, k.acceptorSubkey)
	}
	conf = flags&flagSealed != 0
	ec := int(binary.BigEndian.Uint16(h[4:6]))
	rrc := int(binary.BigEndian.Uint16(h[6:8]))
	seq = binary.BigEndian.Uint64(h[8:16])
	body := rotateLeft(tok[wrapHeaderLen:], rrc)
	usage := sealUsage(fromAcceptor)
	if conf {
		need := k.et.GetConfounderByteSize() + ec + wrapHeaderLen + k.checksumLen()
		if len(body) < need {
			return nil, false, 0, fmt.Errorf("%w: sealed body of %d bytes, want at least %d", errBadToken, len(body), need)
		}
		plain, err := k.et.DecryptMessage(k.key.KeyValue, body, usage)
		if err != nil {
			return nil, false, 0, fmt.Errorf("%w: %v", errBadToken, err)
		}
		if len(plain) < ec+wrapHeaderLen {
			return nil, false, 0, fmt.Errorf("%w: sealed message of %d bytes is too short", errBadToken, len(plain))
		}
		// The encrypted copy of the header authenticates the clear one.
		want := append(append([]byte{}, h[:6]...), 0, 0)
		want = append(want, h[8:]...)
		if !hmac.Equal(plain[len(plain)-wrapHeaderLen:], want) {
			return nil, false, 0, fmt.Errorf("%w: encrypted header does not match the token's", errBadToken)
		}
		return plain[:len(plain)-wrapHeaderLen-ec], true, seq, nil
	}
	n := k.checksumLen()
	if ec != n || len(body) < n {
		return nil, false, 0, fmt.Errorf("%w: checksum of %d bytes (EC %d) in %d, want %d", errBadToken, min(len(body), n), ec, len(body), n)
	}
	msg, mic := body[:len(body)-n], body[len(body)-n:]
	zeroed := append(append([]byte{}, h[:4]...), 0, 0, 0, 0)
	zeroed = append(zeroed, h[8:]...)
	want, err := k.et.GetChecksumHash(k.key.KeyValue, append(append([]byte{}, msg...), zeroed...), usage)
	if err != nil {
		return nil, false, 0, fmt.Errorf("kerberos: checksum a message: %w", err)
	}
	if !hmac.Equal(mic, want) {
		return nil, false, 0, fmt.Errorf("%w: checksum mismatch", errBadToken)
	}
	return append([]byte{}, msg...), false, seq, nil
}

// rotateLeft undoes a right rotation by rrc (RFC 4121 §4.2.5); it returns
// a new slice.
func rotateLeft(b []byte, rrc int) []byte {
	out := make([]byte, len(b))
	if len(b) == 0 {
		return out
	}
	r := rrc % len(b)
	copy(out, b[r:])
	copy(out[len(b)-r:], b[:r])
	return out
}
