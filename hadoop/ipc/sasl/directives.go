package sasl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxChallengeLen is RFC 2831's limit on a digest-challenge (Java enforces it
// too); it also bounds the work a hostile server can ask of the parser.
const maxChallengeLen = 2048

// errMalformed is wrapped by every error about bytes a server sent.
var errMalformed = errors.New("malformed DIGEST-MD5 message")

// directive is one key=value pair of a DIGEST-MD5 message, value unquoted.
type directive struct {
	key, value string
}

// parseDirectives splits an RFC 2831 list:
//
//	list      = [directive] *( LWS* "," LWS* [directive] )   empty elements allowed
//	directive = token LWS* "=" LWS* ( token | quoted-string )
//	quoted    = <"> *( qdtext | "\" CHAR ) <">
//
// Keys are lowercased (Java compares them ignoring case).
func parseDirectives(b []byte) ([]directive, error) {
	var out []directive
	i := 0
	skipLWS := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
			i++
		}
	}
	for {
		skipLWS()
		if i == len(b) {
			return out, nil
		}
		if b[i] == ',' {
			i++
			continue
		}
		start := i
		for i < len(b) && isTokenChar(b[i]) {
			i++
		}
		if i == start {
			return nil, fmt.Errorf("%w: unexpected byte %q at %d", errMalformed, b[i], i)
		}
		key := strings.ToLower(string(b[start:i]))
		skipLWS()
		if i == len(b) || b[i] != '=' {
			return nil, fmt.Errorf("%w: directive %q has no value", errMalformed, key)
		}
		i++
		skipLWS()
		var val strings.Builder
		if i < len(b) && b[i] == '"' {
			i++
			closed := false
			for i < len(b) {
				c := b[i]
				i++
				if c == '\\' && i < len(b) {
					c = b[i]
					i++
				} else if c == '"' {
					closed = true
					break
				}
				val.WriteByte(c)
			}
			if !closed {
				return nil, fmt.Errorf("%w: unterminated quoted value of %q", errMalformed, key)
			}
		} else {
			start := i
			for i < len(b) && isTokenChar(b[i]) {
				i++
			}
			val.Write(b[start:i])
		}
		out = append(out, directive{key, val.String()})
		skipLWS()
		if i < len(b) && b[i] != ',' {
			return nil, fmt.Errorf("%w: expected ',' after %q", errMalformed, key)
		}
	}
}

// isTokenChar reports whether c may appear in an RFC 2616 token.
func isTokenChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	return !strings.ContainsRune("()<>@,;:\\\"/[]?={}", rune(c))
}

// challenge is a parsed digest-challenge (RFC 2831 §2.1.1).
type challenge struct {
	realms    []string
	nonce     string
	qops      []QOP // offered, in the server's order; "auth" when absent
	maxbuf    int   // the server's receive buffer; 65536 when absent
	utf8      bool  // charset=utf-8 was sent
	ciphers   []string
	algorithm string
}

// parseChallenge parses and validates a digest-challenge. Unknown QOPs and
// ciphers are dropped (the RFC allows extensions); unknown directives are
// ignored.
func parseChallenge(b []byte) (*challenge, error) {
	if len(b) > maxChallengeLen {
		return nil, fmt.Errorf("%w: challenge of %d bytes exceeds %d", errMalformed, len(b), maxChallengeLen)
	}
	ds, err := parseDirectives(b)
	if err != nil {
		return nil, err
	}
	c := &challenge{maxbuf: 65536}
	seen := map[string]bool{}
	for _, d := range ds {
		if d.key != "realm" && seen[d.key] {
			return nil, fmt.Errorf("%w: directive %q repeated", errMalformed, d.key)
		}
		seen[d.key] = true
		switch d.key {
		case "realm":
			c.realms = append(c.realms, d.value)
		case "nonce":
			c.nonce = d.value
		case "qop":
			for _, q := range splitList(d.value) {
				switch QOP(q) {
				case QOPAuth, QOPIntegrity, QOPPrivacy:
					c.qops = append(c.qops, QOP(q))
				}
			}
		case "maxbuf":
			n, err := strconv.Atoi(d.value)
			if err != nil || n <= 16 || n > 1<<24-1 {
				return nil, fmt.Errorf("%w: bad maxbuf %q", errMalformed, d.value)
			}
			c.maxbuf = n
		case "charset":
			if !strings.EqualFold(d.value, "utf-8") {
				return nil, fmt.Errorf("%w: unsupported charset %q", errMalformed, d.value)
			}
			c.utf8 = true
		case "cipher":
			c.ciphers = splitList(d.value)
		case "algorithm":
			c.algorithm = d.value
		}
	}
	switch {
	case c.nonce == "":
		return nil, fmt.Errorf("%w: challenge has no nonce", errMalformed)
	case c.algorithm != "md5-sess":
		return nil, fmt.Errorf("%w: algorithm %q, want md5-sess", errMalformed, c.algorithm)
	}
	if !seen["qop"] {
		c.qops = []QOP{QOPAuth}
	}
	return c, nil
}

// splitList splits a comma list inside a quoted value ("auth,auth-int").
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
	})
}

// quote writes s as an RFC 2831 quoted-string body (escaping " and \).
func quote(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
