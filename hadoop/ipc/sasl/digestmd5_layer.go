package sasl

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4" //nolint:staticcheck // RFC 2831 auth-conf is RC4/DES; Hadoop's Java servers offer nothing else.
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// Magic strings of RFC 2831 §2.3 and §2.4 (bytes as Java encodes them).
const (
	magicIntC2S  = "Digest session key to client-to-server signing key magic constant"
	magicIntS2C  = "Digest session key to server-to-client signing key magic constant"
	magicConfC2S = "Digest H(A1) to client-to-server sealing key magic constant"
	magicConfS2C = "Digest H(A1) to server-to-client sealing key magic constant"
)

const (
	macLen     = 10 // HMAC-MD5 truncated to 10 bytes
	trailerLen = 6  // message type (0x0001) and sequence number
)

// ErrIntegrity is wrapped by Unwrap errors for messages that fail their
// MAC, sequence or padding checks: tampering, loss or a key mismatch.
var ErrIntegrity = errors.New("sasl: message failed integrity check")

// digestLayer is the DIGEST-MD5 security layer for one connection end.
type digestLayer struct {
	privacy  bool
	maxInput int
	out, in  digestDir
}

// digestDir is the state of one direction.
type digestDir struct {
	ki  []byte        // HMAC key (Kic or Kis)
	seq uint32        // next sequence number
	rc4 cipher.Stream // auth-conf with rc4*
	cbc cipher.BlockMode
}

// newDigestLayer derives the keys from H(A1) (RFC 2831 §2.3, §2.4) and sets
// up both directions. client selects which keys are "mine" (Kic/Kcc send);
// the server end exists for tests. peerMaxbuf is the peer's announced
// receive buffer.
func newDigestLayer(hA1 []byte, qop QOP, cipherName string, client bool, peerMaxbuf int) (*digestLayer, error) {
	kic := md5.Sum(append(hA1[:16:16], magicIntC2S...))
	kis := md5.Sum(append(hA1[:16:16], magicIntS2C...))
	l := &digestLayer{privacy: qop == QOPPrivacy}
	l.out.ki, l.in.ki = kic[:], kis[:]
	if !client {
		l.out.ki, l.in.ki = kis[:], kic[:]
	}
	if !l.privacy {
		l.maxInput = peerMaxbuf - macLen - trailerLen
		return l, nil
	}
	// Java's rawSendSize for auth-conf: maxbuf less MAC, trailer and up to
	// 8 bytes of padding and 2 spare.
	l.maxInput = peerMaxbuf - 26

	// The sealing keys use only the first n bytes of H(A1) for the export
	// ciphers (§2.4): 5 for rc4-40, 7 for rc4-56, all 16 otherwise.
	n := 16
	switch cipherName {
	case "rc4-40":
		n = 5
	case "rc4-56":
		n = 7
	}
	kcc := md5.Sum(append(hA1[:n:n], magicConfC2S...))
	kcs := md5.Sum(append(hA1[:n:n], magicConfS2C...))
	myKc, peerKc := kcc, kcs
	if !client {
		myKc, peerKc = kcs, kcc
	}
	switch cipherName {
	case "rc4", "rc4-56", "rc4-40":
		// The RC4 key is the whole 16-byte Kc for every variant (Java
		// DigestPrivacy); only its derivation input was shortened above.
		enc, _ := rc4.NewCipher(myKc[:])
		dec, _ := rc4.NewCipher(peerKc[:])
		l.out.rc4, l.in.rc4 = enc, dec
	case "des", "3des":
		encBlock, err := desBlock(cipherName, myKc[:])
		if err != nil {
			return nil, err
		}
		decBlock, err := desBlock(cipherName, peerKc[:])
		if err != nil {
			return nil, err
		}
		// IV = Kc[8:16]. The CBC chain is never reset: every message
		// continues from the previous ciphertext block, as Java's
		// Cipher.update does.
		l.out.cbc = cipher.NewCBCEncrypter(encBlock, myKc[8:16])
		l.in.cbc = cipher.NewCBCDecrypter(decBlock, peerKc[8:16])
	default:
		return nil, fmt.Errorf("sasl DIGEST-MD5: unsupported cipher %q", cipherName)
	}
	return l, nil
}

// desBlock builds the DES or two-key triple-DES (K1,K2,K1) cipher from the
// first 7 or 14 bytes of Kc, each 7 bytes spread into a DES key.
func desBlock(name string, kc []byte) (cipher.Block, error) {
	k1 := desKey(kc[0:7])
	if name == "des" {
		return des.NewCipher(k1)
	}
	k2 := desKey(kc[7:14])
	return des.NewTripleDESCipher(append(append(append([]byte{}, k1...), k2...), k1...))
}

// desKey spreads 56 key bits over 8 bytes, 7 bits each in the high bits,
// and sets odd parity in the low bit (Java's addDesParity; DES itself
// ignores the parity bits).
func desKey(b7 []byte) []byte {
	var v uint64
	for _, b := range b7 {
		v = v<<8 | uint64(b)
	}
	k := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		c := byte(v&0x7f) << 1
		if bits.OnesCount8(c)%2 == 0 {
			c |= 1
		}
		k[i] = c
		v >>= 7
	}
	return k
}

// MaxWrapInput implements SecurityLayer.
func (l *digestLayer) MaxWrapInput() int { return max(l.maxInput, 0) }

// mac computes HMAC-MD5(ki, seq ‖ msg)[0:10].
func (d *digestDir) mac(seq uint32, msg []byte) []byte {
	h := hmac.New(md5.New, d.ki)
	var s [4]byte
	binary.BigEndian.PutUint32(s[:], seq)
	h.Write(s[:])
	h.Write(msg)
	return h.Sum(nil)[:macLen]
}

// Wrap implements SecurityLayer. An empty message wraps to nothing and uses
// no sequence number, as in Java.
func (l *digestLayer) Wrap(msg []byte) ([]byte, error) {
	if len(msg) == 0 {
		return nil, nil
	}
	d := &l.out
	seq := d.seq
	d.seq++
	mac := d.mac(seq, msg)
	var out []byte
	switch {
	case !l.privacy:
		out = make([]byte, 0, len(msg)+macLen+trailerLen)
		out = append(append(out, msg...), mac...)
	case d.rc4 != nil:
		out = make([]byte, len(msg)+macLen, len(msg)+macLen+trailerLen)
		copy(out, msg)
		copy(out[len(msg):], mac)
		d.rc4.XORKeyStream(out, out)
	default:
		// Pad so that msg ‖ pad ‖ mac fills whole blocks; each pad byte
		// holds the pad length (1..8).
		pad := des.BlockSize - (len(msg)+macLen)%des.BlockSize
		n := len(msg) + pad + macLen
		out = make([]byte, n, n+trailerLen)
		copy(out, msg)
		for i := len(msg); i < len(msg)+pad; i++ {
			out[i] = byte(pad)
		}
		copy(out[len(msg)+pad:], mac)
		d.cbc.CryptBlocks(out, out)
	}
	out = append(out, 0, 1)
	return binary.BigEndian.AppendUint32(out, seq), nil
}

// Unwrap implements SecurityLayer. Unlike Java, which silently drops a
// message with a bad MAC, any failed check is an error: the connection
// cannot continue in sync.
func (l *digestLayer) Unwrap(token []byte) ([]byte, error) {
	if len(token) == 0 {
		return nil, nil
	}
	d := &l.in
	if len(token) < macLen+trailerLen {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrIntegrity, len(token))
	}
	body, trailer := token[:len(token)-trailerLen], token[len(token)-trailerLen:]
	if trailer[0] != 0 || trailer[1] != 1 {
		return nil, fmt.Errorf("%w: message type %x, want 0001", ErrIntegrity, trailer[:2])
	}
	if got := binary.BigEndian.Uint32(trailer[2:]); got != d.seq {
		return nil, fmt.Errorf("%w: sequence number %d, want %d", ErrIntegrity, got, d.seq)
	}
	var msg, mac []byte
	switch {
	case !l.privacy:
		msg, mac = body[:len(body)-macLen], body[len(body)-macLen:]
	case d.rc4 != nil:
		plain := make([]byte, len(body))
		d.rc4.XORKeyStream(plain, body)
		msg, mac = plain[:len(plain)-macLen], plain[len(plain)-macLen:]
	default:
		if len(body)%des.BlockSize != 0 {
			return nil, fmt.Errorf("%w: %d encrypted bytes is not whole DES blocks", ErrIntegrity, len(body))
		}
		plain := make([]byte, len(body))
		d.cbc.CryptBlocks(plain, body)
		padded := plain[:len(plain)-macLen]
		mac = plain[len(plain)-macLen:]
		pad := int(padded[len(padded)-1])
		if pad < 1 || pad > des.BlockSize || pad > len(padded) {
			return nil, fmt.Errorf("%w: bad padding length %d", ErrIntegrity, pad)
		}
		msg = padded[:len(padded)-pad]
	}
	if !hmac.Equal(mac, d.mac(d.seq, msg)) {
		return nil, fmt.Errorf("%w: MAC mismatch on message %d", ErrIntegrity, d.seq)
	}
	d.seq++
	return msg, nil
}
