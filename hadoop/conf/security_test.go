package conf

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestSecurity(t *testing.T) {
	plain := mustLoad(t, "good/plain", "")
	krb := mustLoad(t, "good/kerberos", "")

	if m, err := plain.AuthMethod(); err != nil || m != AuthSimple {
		t.Errorf("plain AuthMethod() = %q, %v", m, err)
	}
	if m, err := krb.AuthMethod(); err != nil || m != AuthKerberos {
		t.Errorf("kerberos AuthMethod() = %q, %v", m, err)
	}
	if q, err := plain.RPCProtection(); err != nil || fmt.Sprint(q) != "[auth]" {
		t.Errorf("plain RPCProtection() = %v, %v", q, err)
	}
	// "privacy, integrity,privacy": order kept, duplicates dropped.
	if q, err := krb.RPCProtection(); err != nil || fmt.Sprint(q) != "[auth-conf auth-int]" {
		t.Errorf("kerberos RPCProtection() = %v, %v", q, err)
	}
	// final in core-site beats yarn-site.
	if q, err := mustLoad(t, "good/final", "").RPCProtection(); err != nil || fmt.Sprint(q) != "[auth-conf]" {
		t.Errorf("final RPCProtection() = %v, %v", q, err)
	}

	p, err := krb.RMPrincipal()
	if err != nil || p != "rm/_HOST@HADOOP.TEST" {
		t.Errorf("RMPrincipal() = %q, %v", p, err)
	}
	eps, err := krb.RMAddresses(RMClient)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.Split(eps[0].Addr, ":")[0]
	if got, err := ExpandPrincipal(p, host); err != nil || got != "rm/rm.hadoop.test@HADOOP.TEST" {
		t.Errorf("ExpandPrincipal(%q, %q) = %q, %v", p, host, got, err)
	}
	if p, err := krb.NameNodePrincipal(); err != nil || p != "nn/_HOST@HADOOP.TEST" {
		t.Errorf("NameNodePrincipal() = %q, %v", p, err)
	}

	_, err = plain.RMPrincipal()
	if !errors.Is(err, ErrNotConfigured) || !strings.Contains(err.Error(), "yarn.resourcemanager.principal is not set: add it to yarn-site.xml") {
		t.Errorf("plain RMPrincipal() err = %v", err)
	}
	if _, err := plain.NameNodePrincipal(); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("plain NameNodePrincipal() err = %v", err)
	}
}

func TestSecurityBad(t *testing.T) {
	c := mustLoad(t, "bad/bad-values", "")
	_, err := c.AuthMethod()
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `hadoop.security.authentication="ldap" (from testdata/bad/bad-values/core-site.xml): want simple or kerberos`) {
		t.Errorf("AuthMethod() err = %v", err)
	}
	_, err = c.RPCProtection()
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `unknown protection "secret"`) {
		t.Errorf("RPCProtection() err = %v", err)
	}
	if _, err := c.Int("ipc.client.connect.max.retries", 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("Int(ipc.client.connect.max.retries) err = %v", err)
	}
	if _, err := c.Duration("ipc.ping.interval", 0, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("Duration(ipc.ping.interval) err = %v", err)
	}
}

func TestExpandPrincipal(t *testing.T) {
	for _, tc := range []struct {
		principal, host, want string
		wantErr               bool
	}{
		{"rm/_HOST@EXAMPLE.COM", "RM1.Example.COM", "rm/rm1.example.com@EXAMPLE.COM", false},
		{"rm/_HOST@EXAMPLE.COM", " rm1 ", "rm/rm1@EXAMPLE.COM", false},
		{"rm/fixed.example.com@EXAMPLE.COM", "other", "rm/fixed.example.com@EXAMPLE.COM", false},
		{"rm@EXAMPLE.COM", "h", "rm@EXAMPLE.COM", false},
		{"rm/_HOST", "h", "rm/_HOST", false},                             // no realm: Java leaves it
		{"rm/_HOST@", "h", "rm/_HOST@", false},                           // trailing empty part dropped: 2 parts
		{"rm/_host@EXAMPLE.COM", "h", "rm/_host@EXAMPLE.COM", false},     // _HOST is case-sensitive
		{"rm/_HOST@EXAMPLE.COM/x", "h", "rm/_HOST@EXAMPLE.COM/x", false}, // 4 parts
		{"rm/_HOST@EXAMPLE.COM", "", "", true},                           // Java would use the local host
		{"rm/_HOST@EXAMPLE.COM", "0.0.0.0", "", true},                    // the unconfigured default
		{"", "h", "", false},
	} {
		got, err := ExpandPrincipal(tc.principal, tc.host)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ExpandPrincipal(%q, %q) = %q, %v; want %q, err=%v", tc.principal, tc.host, got, err, tc.want, tc.wantErr)
		}
		if err != nil && !errors.Is(err, ErrNotConfigured) {
			t.Errorf("ExpandPrincipal(%q, %q) err = %v, want ErrNotConfigured", tc.principal, tc.host, err)
		}
	}
}
