package tokens

import (
	"errors"
	"strings"

	"github.com/orca-yarn/orca-yarn/hadoop/security/kerberos"
)

// ErrImpersonation: a server refused to let the logged-in principal act as
// the proxy user (hadoop.proxyuser.<user>.hosts/groups/users do not allow
// it).
var ErrImpersonation = errors.New("impersonation refused")

// ErrNoLogin: the cluster uses Kerberos and no login was given.
var ErrNoLogin = errors.New("no Kerberos login for a Kerberized cluster")

// ImpersonationError is a classified impersonation refusal.
type ImpersonationError struct {
	// RealUser is the principal that tried to impersonate, as the server
	// names it ("proxy@EXAMPLE.COM"); Short is its short name, the <user> of
	// hadoop.proxyuser.<user>.*.
	RealUser, Short string
	Err             error
}

func (e *ImpersonationError) Error() string {
	return "impersonation refused: " + e.Err.Error() + "; to fix: " + e.Fix()
}

// Is matches ErrImpersonation.
func (e *ImpersonationError) Is(target error) bool { return target == ErrImpersonation }

func (e *ImpersonationError) Unwrap() error { return e.Err }

// Fix is the one-line fix.
func (e *ImpersonationError) Fix() string {
	u := e.Short
	if u == "" {
		u = "<user>"
	}
	return "allow it in the cluster's core-site.xml: hadoop.proxyuser." + u + ".hosts (this machine) and " +
		"hadoop.proxyuser." + u + ".groups or .users (the proxied user), then refresh the NameNode and RM " +
		"(hdfs dfsadmin / yarn rmadmin -refreshSuperUserGroupsConfiguration)"
}

// Texts of the refusals of Hadoop's DefaultImpersonationProvider.authorize:
// "User: <real> is not allowed to impersonate <user>" (user or group not
// allowed) and "Unauthorized connection for super-user: <real> from IP <ip>"
// (host not allowed).
const (
	notAllowedText   = "is not allowed to impersonate"
	notAllowedPrefix = "User: "
	superUserText    = "Unauthorized connection for super-user: "
)

// Classify returns err classified: an impersonation refusal from a Hadoop
// server as an *ImpersonationError, Kerberos failures as kerberos.Classify
// does, anything else unchanged. Fetch applies it to its errors; apply it
// to errors of other connections made with a ProxyUser.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var ie *ImpersonationError
	if errors.As(err, &ie) {
		return err
	}
	if real, ok := impersonationRefusal(err.Error()); ok {
		return &ImpersonationError{RealUser: real, Short: shortName(real), Err: err}
	}
	return kerberos.Classify(err)
}

// Fix returns the one-line fix of a classified error in err's chain
// (impersonation or Kerberos), or "".
func Fix(err error) string {
	var ie *ImpersonationError
	if errors.As(err, &ie) {
		return ie.Fix()
	}
	return kerberos.Fix(err)
}

// impersonationRefusal finds a refusal in text and returns the real user
// it names.
func impersonationRefusal(text string) (string, bool) {
	if i := strings.Index(text, notAllowedText); i >= 0 {
		before := text[:i]
		if j := strings.LastIndex(before, notAllowedPrefix); j >= 0 {
			return strings.TrimSpace(before[j+len(notAllowedPrefix):]), true
		}
		return "", true
	}
	if i := strings.Index(text, superUserText); i >= 0 {
		rest := text[i+len(superUserText):]
		real, _, _ := strings.Cut(rest, " ")
		return real, true
	}
	return "", false
}

// shortName applies Hadoop's DEFAULT auth_to_local rule (first component,
// realm dropped): the name hadoop.proxyuser.<name> keys use unless the
// cluster has rules of its own for the principal.
func shortName(principal string) string {
	name, _, _ := strings.Cut(principal, "@")
	name, _, _ = strings.Cut(name, "/")
	return name
}
