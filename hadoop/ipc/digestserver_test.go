package ipc

// The server half of DIGEST-MD5 for the fake server, written from RFC 2831
// independently of package sasl (which has only the client half): it
// checks the client's digest-response, proves itself with rspauth, and
// implements the security layer with the server's keys, so a client bug in
// key derivation or framing cannot cancel itself out. Package sasl's
// Java fixtures pin the client to Java's server; this pins ipc's use of it.

import (
	"bytes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"

	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

type digestServer struct {
	user, pass string // base64 of identifier and password, as Hadoop's callback has them
	nonce      string
	qops       string // offered, e.g. "auth-conf,auth-int,auth"
	ciphers    string // offered for auth-conf
	maxbuf     int    // announced when non-zero

	qop, cipher string
	hA1         []byte
	layer       *serverLayer
}

func (d *digestServer) challenge() []byte {
	c := fmt.Sprintf(`realm="default",nonce="%s",qop="%s",`, d.nonce, d.qops)
	if d.maxbuf != 0 {
		c += fmt.Sprintf(`maxbuf="%d",`, d.maxbuf)
	}
	c += `charset=utf-8,`
	if d.ciphers != "" {
		c += fmt.Sprintf(`cipher="%s",`, d.ciphers)
	}
	return []byte(c + "algorithm=md5-sess")
}

var directiveRE = regexp.MustCompile(`([a-z-]+)=(?:"([^"]*)"|([^,]*))`)

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// verify checks a digest-response and returns the rspauth message.
func (d *digestServer) verify(resp []byte) ([]byte, error) {
	f := map[string]string{}
	for _, m := range directiveRE.FindAllStringSubmatch(string(resp), -1) {
		f[m[1]] = m[2] + m[3]
	}
	switch {
	case f["username"] != d.user:
		return nil, fmt.Errorf("username %q", f["username"])
	case f["realm"] != "default" || f["nonce"] != d.nonce || f["nc"] != "00000001" || f["charset"] != "utf-8":
		return nil, fmt.Errorf("bad realm/nonce/nc/charset in %s", resp)
	case f["digest-uri"] != "/default":
		return nil, fmt.Errorf("digest-uri %q", f["digest-uri"])
	}
	d.qop, d.cipher = f["qop"], f["cipher"]
	inner := md5.Sum([]byte(d.user + ":default:" + d.pass))
	a1 := md5.Sum([]byte(string(inner[:]) + ":" + d.nonce + ":" + f["cnonce"]))
	d.hA1 = a1[:]
	suffix := ""
	if d.qop != "auth" {
		suffix = ":00000000000000000000000000000000"
	}
	kd := func(a2 string) string {
		return md5hex(hex.EncodeToString(d.hA1) + ":" + d.nonce + ":00000001:" + f["cnonce"] + ":" + d.qop + ":" + md5hex(a2))
	}
	if got := f["response"]; got != kd("AUTHENTICATE:/default"+suffix) {
		return nil, fmt.Errorf("wrong response value %s", got)
	}
	if d.qop != "auth" {
		d.layer = newServerLayer(d.hA1, d.qop, d.cipher)
	}
	return []byte("rspauth=" + kd(":/default"+suffix)), nil
}

// serverLayer is the server's end of the security layer.
type serverLayer struct {
	kiOut, kiIn   []byte // Kis, Kic
	seqOut, seqIn uint32
	encRC4        *rc4.Cipher
	decRC4        *rc4.Cipher
	enc, dec      cipher.BlockMode
}

func newServerLayer(hA1 []byte, qop, cipherName string) *serverLayer {
	key := func(n int, magic string) []byte {
		h := md5.Sum(append(append([]byte{}, hA1[:n]...), magic...))
		return h[:]
	}
	l := &serverLayer{
		kiOut: key(16, "Digest session key to server-to-client signing key magic constant"),
		kiIn:  key(16, "Digest session key to client-to-server signing key magic constant"),
	}
	if qop != "auth-conf" {
		return l
	}
	n := map[string]int{"rc4-40": 5, "rc4-56": 7}[cipherName]
	if n == 0 {
		n = 16
	}
	kcs := key(n, "Digest H(A1) to server-to-client sealing key magic constant")
	kcc := key(n, "Digest H(A1) to client-to-server sealing key magic constant")
	switch cipherName {
	case "des", "3des":
		l.enc = cipher.NewCBCEncrypter(testDES(cipherName, kcs), kcs[8:])
		l.dec = cipher.NewCBCDecrypter(testDES(cipherName, kcc), kcc[8:])
	default:
		l.encRC4, _ = rc4.NewCipher(kcs)
		l.decRC4, _ = rc4.NewCipher(kcc)
	}
	return l
}

// testDES spreads 7-byte groups of kc bit by bit into DES keys.
func testDES(name string, kc []byte) cipher.Block {
	spread := func(src []byte) []byte {
		k := make([]byte, 8)
		for bit := 0; bit < 56; bit++ {
			if src[bit/8]&(0x80>>(bit%8)) != 0 {
				k[bit/7] |= 0x80 >> (bit % 7)
			}
		}
		return k
	}
	if name == "des" {
		b, _ := des.NewCipher(spread(kc[:7]))
		return b
	}
	k1, k2 := spread(kc[:7]), spread(kc[7:14])
	b, _ := des.NewTripleDESCipher(bytes.Join([][]byte{k1, k2, k1}, nil))
	return b
}

func testMAC(key []byte, seq uint32, msg []byte) []byte {
	m := hmac.New(md5.New, key)
	_ = binary.Write(m, binary.BigEndian, seq)
	m.Write(msg)
	return m.Sum(nil)[:10]
}

func (l *serverLayer) wrap(msg []byte) []byte {
	mac := testMAC(l.kiOut, l.seqOut, msg)
	var body []byte
	switch {
	case l.encRC4 != nil:
		body = append(append([]byte{}, msg...), mac...)
		l.encRC4.XORKeyStream(body, body)
	case l.enc != nil:
		pad := 8 - (len(msg)+10)%8
		body = append(append(append([]byte{}, msg...), bytes.Repeat([]byte{byte(pad)}, pad)...), mac...)
		l.enc.CryptBlocks(body, body)
	default:
		body = append(append([]byte{}, msg...), mac...)
	}
	body = append(body, 0, 1)
	body = binary.BigEndian.AppendUint32(body, l.seqOut)
	l.seqOut++
	return body
}

func (l *serverLayer) unwrap(tok []byte) ([]byte, error) {
	body, seq := tok[:len(tok)-6], binary.BigEndian.Uint32(tok[len(tok)-4:])
	if seq != l.seqIn || !bytes.Equal(tok[len(tok)-6:len(tok)-4], []byte{0, 1}) {
		return nil, fmt.Errorf("trailer %x, want seq %d", tok[len(tok)-6:], l.seqIn)
	}
	switch {
	case l.decRC4 != nil:
		body = append([]byte{}, body...)
		l.decRC4.XORKeyStream(body, body)
	case l.dec != nil:
		body = append([]byte{}, body...)
		l.dec.CryptBlocks(body, body)
	}
	msg, mac := body[:len(body)-10], body[len(body)-10:]
	if l.dec != nil {
		msg = msg[:len(msg)-int(msg[len(msg)-1])]
	}
	if !hmac.Equal(mac, testMAC(l.kiIn, l.seqIn, msg)) {
		return nil, fmt.Errorf("bad MAC on message %d", l.seqIn)
	}
	l.seqIn++
	return msg, nil
}

// wrappedIn is the server's view of a wrapped connection: the byte
// stream inside the client's WRAP frames.
type wrappedIn struct {
	s     *fakeServer
	raw   io.Reader
	unwrp func([]byte) ([]byte, error)
	buf   []byte
	wraps int // WRAP frames read
}

func (w *wrappedIn) Read(p []byte) (int, error) {
	for len(w.buf) == 0 {
		inner := w.s.in
		w.s.in = w.raw
		h, msgs := w.s.readRequest()
		w.s.in = inner
		var m commonpb.RpcSaslProto
		if h.GetCallId() != callIDSASL || len(msgs) != 1 || len(h.GetClientId()) != 0 {
			w.s.failf("want a WRAP frame, got call %d", h.GetCallId())
		}
		w.s.unmarshal(msgs[0], &m)
		if m.GetState() != commonpb.RpcSaslProto_WRAP {
			w.s.failf("want WRAP, got %v", m.GetState())
		}
		b, err := w.unwrp(m.GetToken())
		if err != nil {
			w.s.failf("unwrap: %v", err)
		}
		w.buf = b
		w.wraps++
	}
	n := copy(p, w.buf)
	w.buf = w.buf[n:]
	return n, nil
}

// useLayer switches the fake server to a wrapped connection.
func (s *fakeServer) useLayer(unwrap func([]byte) ([]byte, error), wrap func([]byte) []byte) *wrappedIn {
	w := &wrappedIn{s: s, raw: s.in, unwrp: unwrap}
	s.in = w
	s.wrap = func(inner []byte) []byte {
		f, err := buildFrame(1<<30, okHeader(callIDSASL),
			&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_WRAP.Enum(), Token: wrap(inner)})
		if err != nil {
			s.failf("wrap: %v", err)
		}
		return f
	}
	return w
}

// saslReply sends one SASL message from the server.
func (s *fakeServer) saslReply(m *commonpb.RpcSaslProto) {
	s.t.Helper()
	s.respond(okHeader(callIDSASL), m)
}

// readSASL reads one SASL message from the client, checking its header is
// Java's: callId -33, empty client id, retryCount -1.
func (s *fakeServer) readSASL() *commonpb.RpcSaslProto {
	s.t.Helper()
	h, msgs := s.readRequest()
	if h.GetCallId() != callIDSASL || h.ClientId == nil || len(h.ClientId) != 0 || h.GetRetryCount() != -1 || len(msgs) != 1 {
		s.failf("SASL header %v with %d messages", h, len(msgs))
	}
	m := &commonpb.RpcSaslProto{}
	s.unmarshal(msgs[0], m)
	return m
}

func saslAuth(method, mech string, protocol, serverID *string, challenge []byte) *commonpb.RpcSaslProto_SaslAuth {
	return &commonpb.RpcSaslProto_SaslAuth{Method: proto.String(method), Mechanism: proto.String(mech),
		Protocol: protocol, ServerId: serverID, Challenge: challenge}
}
