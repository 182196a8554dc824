package kerberos

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/messages"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
)

// The classes of Kerberos failure. Every error of this package matches
// exactly one of them with errors.Is, and its message ends with a one-line
// fix (Fix returns it alone).
var (
	// ErrNoTicket: no ticket cache to log in from, and no keytab given.
	ErrNoTicket = errors.New("no Kerberos ticket")
	// ErrTicketExpired: the ticket cache's TGT (or a ticket) has expired.
	ErrTicketExpired = errors.New("Kerberos ticket expired")
	// ErrBadCredentials: the keytab is unreadable or has no key for the
	// principal, the KDC does not know the principal, or the key is wrong.
	ErrBadCredentials = errors.New("wrong Kerberos principal or keytab")
	// ErrClockSkew: this machine's clock and the KDC's (or the server's)
	// differ by more than the allowed skew.
	ErrClockSkew = errors.New("Kerberos clock skew too great")
	// ErrUnknownRealm: a realm that krb5.conf does not list.
	ErrUnknownRealm = errors.New("unknown Kerberos realm")
	// ErrServerPrincipal: the server's principal is not the configured one,
	// or the KDC does not know it. It is sasl.ErrServerPrincipal.
	ErrServerPrincipal = sasl.ErrServerPrincipal
	// ErrKDCUnreachable: no KDC of the realm answered in time.
	ErrKDCUnreachable = errors.New("Kerberos KDC unreachable")
	// ErrConfig: krb5.conf is missing or unusable.
	ErrConfig = errors.New("bad Kerberos configuration")
	// ErrUnsupportedEnctype: the session key's encryption type has no
	// RFC 4121 message protection (DES3, RC4) or is unknown.
	ErrUnsupportedEnctype = errors.New("unsupported Kerberos encryption type")
)

// Error is a classified Kerberos failure. Its text never holds key or
// ticket bytes.
type Error struct {
	Kind   error  // one of the Err* classes
	Op     string // what we were doing, e.g. "log in as alice@EXAMPLE.COM from keytab /k"
	Detail string // what went wrong, in words
	Fix    string // one line: what the user should do
	Err    error  // the underlying cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("kerberos: ")
	if e.Op != "" {
		b.WriteString(e.Op + ": ")
	}
	b.WriteString(e.Kind.Error())
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.Err != nil {
		b.WriteString(" (" + e.Err.Error() + ")")
	}
	if e.Fix != "" {
		b.WriteString("; to fix: " + e.Fix)
	}
	return b.String()
}

// Is matches the class.
func (e *Error) Is(target error) bool { return target == e.Kind }

func (e *Error) Unwrap() error { return e.Err }

// Fix returns the one-line fix of a classified error in err's chain, or "".
func Fix(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fix
	}
	return ""
}

// newError builds an Error with the standard fix of its class.
func newError(kind error, op, detail string, cause error) *Error {
	return &Error{Kind: kind, Op: op, Detail: detail, Fix: defaultFix(kind), Err: cause}
}

func defaultFix(kind error) string {
	switch kind {
	case ErrNoTicket:
		return "run kinit, or pass --principal and --keytab"
	case ErrTicketExpired:
		return "run kinit again, or pass --principal and --keytab"
	case ErrBadCredentials:
		return "check --principal and --keytab (klist -kt KEYTAB lists the principals and key versions it holds)"
	case ErrClockSkew:
		return "synchronise this machine's clock with the KDC's (NTP); Kerberos tolerates 5 minutes"
	case ErrUnknownRealm:
		return "add the realm to [realms] of krb5.conf (KRB5_CONFIG), or correct the @REALM of the principal"
	case ErrServerPrincipal:
		return "make the server principal setting (yarn.resourcemanager.principal, dfs.namenode.kerberos.principal) match the server's Kerberos principal"
	case ErrKDCUnreachable:
		return "check that the realm's KDC (kdc = in krb5.conf) is running and reachable from this machine"
	case ErrConfig:
		return "point KRB5_CONFIG at a valid krb5.conf"
	case ErrUnsupportedEnctype:
		return "give the principals AES keys (aes256-cts-hmac-sha1-96) and allow AES in krb5.conf"
	}
	return ""
}

// krbErrorCode returns the Kerberos error code carried by err, if any.
// gokrb5 keeps a KDC's KRB-ERROR only as text once it wrapped it
// ("KRB Error: (24) KDC_ERR_PREAUTH_FAILED ..."), so the text is parsed too.
func krbErrorCode(err error) (int32, bool) {
	var ke messages.KRBError
	if errors.As(err, &ke) {
		return ke.ErrorCode, true
	}
	const marker = "KRB Error: ("
	text := err.Error()
	i := strings.Index(text, marker)
	if i < 0 {
		return 0, false
	}
	digits, _, ok := strings.Cut(text[i+len(marker):], ")")
	if !ok {
		return 0, false
	}
	n, perr := strconv.ParseInt(digits, 10, 32)
	return int32(n), perr == nil
}

// classifyKDC turns a failure of a gokrb5 exchange with the KDC into an
// Error. who names the principal involved, for the detail text.
func classifyKDC(op string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if code, ok := krbErrorCode(err); ok {
		kind, detail := classifyCode(code)
		return newError(kind, op, detail, err)
	}
	text := err.Error()
	switch {
	case strings.Contains(text, "no KDCs defined in configuration for realm"),
		strings.Contains(text, "does not have any defined KDCs"):
		return newError(ErrUnknownRealm, op, "krb5.conf lists no KDC for the realm", err)
	case strings.Contains(text, "Networking_Error"), strings.Contains(text, "communication error with KDC"),
		strings.Contains(text, "failed to communicate with KDC"), strings.Contains(text, "error sending to a KDC"):
		return newError(ErrKDCUnreachable, op, "no KDC answered", err)
	case strings.Contains(text, "Decrypting_Error"), strings.Contains(text, "integrity verification failed"):
		// An AS reply we cannot decrypt: the keytab's key is not the principal's.
		return newError(ErrBadCredentials, op, "the KDC's reply does not decrypt with the keytab's key", err)
	case strings.Contains(text, "Keytab") || strings.Contains(text, "keytab"):
		return newError(ErrBadCredentials, op, "the keytab has no usable key for the principal", err)
	}
	return newError(ErrKDCUnreachable, op, "the KDC exchange failed", err)
}

// classifyCode maps a Kerberos error code (RFC 4120 §7.5.9) to a class.
func classifyCode(code int32) (error, string) {
	switch code {
	case errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN:
		return ErrBadCredentials, "the KDC does not know the client principal"
	case errorcode.KDC_ERR_PREAUTH_FAILED, errorcode.KRB_AP_ERR_BAD_INTEGRITY:
		return ErrBadCredentials, "the key does not match the principal's key at the KDC (stale keytab or wrong principal)"
	case errorcode.KDC_ERR_CLIENT_REVOKED:
		return ErrBadCredentials, "the client principal is locked or disabled"
	case errorcode.KDC_ERR_KEY_EXPIRED:
		return ErrBadCredentials, "the principal's password has expired"
	case errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN:
		return ErrServerPrincipal, "the KDC does not know the server principal"
	case errorcode.KRB_AP_ERR_SKEW:
		return ErrClockSkew, "the clocks differ by more than the allowed skew"
	case errorcode.KRB_AP_ERR_TKT_EXPIRED:
		return ErrTicketExpired, "the ticket has expired"
	case errorcode.KDC_ERR_ETYPE_NOSUPP:
		return ErrUnsupportedEnctype, "the KDC and this client share no encryption type"
	case errorcode.KDC_ERR_WRONG_REALM:
		return ErrUnknownRealm, "the KDC is not authoritative for the realm"
	}
	return ErrKDCUnreachable, "the KDC refused the request: " + errorcode.Lookup(code)
}

// remoteKind finds the text by which a Java Hadoop server reports a
// Kerberos failure in its SASL FATAL reply (JDK GSS-API / krb5 messages).
func remoteKind(text string) (error, string) {
	for _, p := range []struct {
		text string
		kind error
	}{
		{"Clock skew too great", ErrClockSkew},
		{"Ticket expired", ErrTicketExpired},
		{"Specified version of key is not available", ErrServerPrincipal},
		{"Checksum failed", ErrServerPrincipal},
		{"Cannot find key of appropriate type to decrypt AP-REQ", ErrServerPrincipal},
		{"Server not found in Kerberos database", ErrServerPrincipal},
		// hadoop/ipc's own refusal of an advertised principal that is not
		// the configured one (until it wraps sasl.ErrServerPrincipal itself).
		{"is not the configured", ErrServerPrincipal},
	} {
		if strings.Contains(text, p.text) {
			return p.kind, p.text
		}
	}
	return nil, ""
}

// Classify returns err classified when it is (or wraps) a Kerberos failure:
// an Error of this package as it is, and a server's SASL rejection whose
// text names a Kerberos cause (clock skew, expired ticket, a server keytab
// that does not match the KDC) as a new Error wrapping it. Anything else is
// returned unchanged, so callers can apply it to every error of a Kerberos
// connection.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	kind, what := remoteKind(err.Error())
	switch kind {
	case nil:
		return err
	case ErrServerPrincipal:
		if what == "is not the configured" {
			return newError(kind, "", "the server is not the one configured", err)
		}
		return newError(kind, "", "the server cannot use our ticket ("+what+
			"): its keytab does not match the KDC, or the ticket is for another principal", err)
	}
	return newError(kind, "", "the server rejected our Kerberos authentication: "+what, err)
}

func etypeName(id int32) string {
	for name, v := range etypeID.ETypesByName {
		if v == id {
			return name
		}
	}
	return "enctype " + strconv.Itoa(int(id))
}
