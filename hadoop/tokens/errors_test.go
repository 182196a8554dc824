package tokens

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/hadoop/security/kerberos"
)

func TestClassifyImpersonation(t *testing.T) {
	authz := "org.apache.hadoop.security.authorize.AuthorizationException"
	cases := []struct {
		msg       string
		real, fix string // "" fix: not an impersonation refusal
	}{
		{"User: bob@ORCA.TEST is not allowed to impersonate alice", "bob@ORCA.TEST", "hadoop.proxyuser.bob.hosts"},
		{"User: svc/gw.example.com@EX.COM is not allowed to impersonate alice", "svc/gw.example.com@EX.COM", "hadoop.proxyuser.svc.groups"},
		{"Unauthorized connection for super-user: proxy@ORCA.TEST from IP 10.1.2.3", "proxy@ORCA.TEST", "hadoop.proxyuser.proxy.hosts"},
		{"is not allowed to impersonate alice", "", "hadoop.proxyuser.<user>.hosts"},
		{"Permission denied: user=alice, access=WRITE", "", ""},
	}
	for _, c := range cases {
		remote := &ipc.RemoteError{Class: authz, Message: c.msg, Fatal: true}
		err := Classify(fmt.Errorf("tokens: HDFS delegation token for ns1: %w", remote))
		var ie *ImpersonationError
		if c.fix == "" {
			if errors.Is(err, ErrImpersonation) || Fix(err) != "" {
				t.Errorf("%q: classified as %v", c.msg, err)
			}
			continue
		}
		if !errors.Is(err, ErrImpersonation) || !errors.As(err, &ie) || ie.RealUser != c.real {
			t.Errorf("%q: %v (real user %v), want ErrImpersonation by %q", c.msg, err, ie, c.real)
			continue
		}
		if !errors.Is(err, ipc.ErrAccessDenied) {
			t.Errorf("%q: the remote error is no longer in the chain: %v", c.msg, err)
		}
		if fix := Fix(err); !strings.Contains(fix, c.fix) || strings.Contains(fix, "\n") {
			t.Errorf("%q: fix %q lacks %q or is not one line", c.msg, fix, c.fix)
		}
		if again := Classify(err); again != err {
			t.Errorf("classifying twice wraps twice: %v", again)
		}
	}
}

func TestClassifyDefersToKerberos(t *testing.T) {
	if Classify(nil) != nil {
		t.Fatal("Classify(nil) != nil")
	}
	skew := &ipc.RemoteError{Class: "javax.security.sasl.SaslException", Message: "GSS initiate failed [Caused by GSSException: Clock skew too great]"}
	err := Classify(skew)
	if !errors.Is(err, kerberos.ErrClockSkew) || Fix(err) == "" {
		t.Fatalf("clock skew: %v (fix %q)", err, Fix(err))
	}
	plain := errors.New("connection refused")
	if Classify(plain) != plain || Fix(plain) != "" {
		t.Fatal("an unrelated error was changed")
	}
}
