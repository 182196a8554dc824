package kerberos

import (
	"errors"
	"testing"
)

func TestExpandHost(t *testing.T) {
	for _, tc := range []struct{ principal, addr, want string }{
		{"rm/_HOST@EXAMPLE.COM", "RM1.Example.COM:8032", "rm/rm1.example.com@EXAMPLE.COM"},
		{"nn/_HOST@EXAMPLE.COM", "nn.example.com", "nn/nn.example.com@EXAMPLE.COM"},
		{"nn/_HOST@EXAMPLE.COM", "[::1]:8020", "nn/::1@EXAMPLE.COM"},
		{"rm/fixed.host@EXAMPLE.COM", "other:8032", "rm/fixed.host@EXAMPLE.COM"},
		{"rm@EXAMPLE.COM", "h:1", "rm@EXAMPLE.COM"},
	} {
		got, err := ExpandHost(tc.principal, tc.addr)
		if err != nil || got != tc.want {
			t.Errorf("ExpandHost(%q, %q) = %q, %v; want %q", tc.principal, tc.addr, got, err, tc.want)
		}
	}
	for _, addr := range []string{"", "0.0.0.0:8032"} {
		if _, err := ExpandHost("rm/_HOST@EXAMPLE.COM", addr); !errors.Is(err, ErrServerPrincipal) {
			t.Errorf("ExpandHost with address %q: err = %v", addr, err)
		}
	}
}

func TestHDFSServicePrincipal(t *testing.T) {
	for in, want := range map[string]string{"nn/_HOST@EXAMPLE.COM": "nn/_HOST", " nn/h@R ": "nn/h", "nn/_HOST": "nn/_HOST"} {
		if got := HDFSServicePrincipal(in); got != want {
			t.Errorf("HDFSServicePrincipal(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitPrincipal(t *testing.T) {
	for in, want := range map[string]string{"alice@EXAMPLE.COM": "alice|EXAMPLE.COM", "alice": "alice|", "svc/host@R": "svc/host|R"} {
		pn, realm, err := splitPrincipal(in)
		if err != nil || pn.PrincipalNameString()+"|"+realm != want {
			t.Errorf("splitPrincipal(%q) = %v %q %v", in, pn, realm, err)
		}
	}
	for _, bad := range []string{"", "@R", "a@", "a//b@R", "a@b@c", "/x"} {
		if _, _, err := splitPrincipal(bad); err == nil {
			t.Errorf("splitPrincipal(%q) accepted", bad)
		}
	}
}
