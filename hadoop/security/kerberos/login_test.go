package kerberos

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
)

// testCCache encodes a version 4 FILE ticket cache (ccache.go's diagram)
// holding a TGT of user@realm that ends lifetime seconds from now.
func testCCache(t testing.TB, user, realm string, etype int32, lifetime int) []byte {
	t.Helper()
	tkt := messages.Ticket{TktVNO: 5, Realm: realm,
		SName:   types.PrincipalName{NameType: nametype.KRB_NT_SRV_INST, NameString: []string{"krbtgt", realm}},
		EncPart: types.EncryptedData{EType: etype, KVNO: 1, Cipher: []byte("opaque")}}
	tb, err := tkt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	be := binary.BigEndian
	data := func(b []byte, d []byte) []byte { return append(be.AppendUint32(b, uint32(len(d))), d...) }
	princ := func(b []byte, nt uint32, r string, comps ...string) []byte {
		b = be.AppendUint32(be.AppendUint32(b, nt), uint32(len(comps)))
		b = data(b, []byte(r))
		for _, c := range comps {
			b = data(b, []byte(c))
		}
		return b
	}
	now := time.Now()
	b := []byte{5, 4, 0, 12, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0} // header: one KDC-offset field of zeros
	b = princ(b, 1, realm, user)
	b = princ(b, 1, realm, user)
	b = princ(b, 2, realm, "krbtgt", realm)
	b = be.AppendUint16(b, uint16(etype))
	b = data(b, make([]byte, 32))
	for _, ts := range []time.Time{now, now, now.Add(time.Duration(lifetime) * time.Second), now.Add(time.Hour)} {
		b = be.AppendUint32(b, uint32(ts.Unix()))
	}
	b = append(b, 0)                   // is-skey
	b = be.AppendUint32(b, 0x40e10000) // flags
	b = be.AppendUint32(b, 0)          // addresses
	b = be.AppendUint32(b, 0)          // authdata
	b = data(b, tb)
	return data(b, nil)
}

type testEnv struct {
	dir, conf string
	env       map[string]string
}

// newTestEnv writes a krb5.conf for EXAMPLE.COM whose KDC is kdc.
func newTestEnv(t *testing.T, kdc string) *testEnv {
	dir := t.TempDir()
	conf := filepath.Join(dir, "krb5.conf")
	writeFile(t, conf, []byte("[libdefaults]\n default_realm = EXAMPLE.COM\n dns_lookup_kdc = false\n udp_preference_limit = 1\n"+
		"[realms]\n EXAMPLE.COM = {\n  kdc = "+kdc+"\n }\n[domain_realm]\n .example.com = EXAMPLE.COM\n"))
	return &testEnv{dir: dir, conf: conf, env: map[string]string{"KRB5_CONFIG": conf}}
}

func (e *testEnv) opts(o Options) Options {
	o.Getenv = func(k string) string { return e.env[k] }
	return o
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoginFromTicketCache(t *testing.T) {
	e := newTestEnv(t, "127.0.0.1:1")
	cc := filepath.Join(e.dir, "cc")
	writeFile(t, cc, testCCache(t, "alice", "EXAMPLE.COM", etypeID.AES256_CTS_HMAC_SHA1_96, 3600))
	for _, name := range []string{cc, "FILE:" + cc} {
		e.env["KRB5CCNAME"] = name
		c, err := Login(context.Background(), e.opts(Options{}))
		if err != nil {
			t.Fatalf("KRB5CCNAME=%s: %v", name, err)
		}
		if c.Principal() != "alice@EXAMPLE.COM" || c.UserName() != "alice" || c.Realm() != "EXAMPLE.COM" || time.Until(c.TGTEnd()) < 59*time.Minute {
			t.Fatalf("logged in as %s until %v", c.Principal(), c.TGTEnd())
		}
		c.Close()
	}
	c, err := Login(context.Background(), e.opts(Options{CCache: cc, Principal: "alice"}))
	if err != nil {
		t.Fatalf("matching --principal refused: %v", err)
	}
	c.Close()
}

func TestLoginErrors(t *testing.T) {
	e := newTestEnv(t, "127.0.0.1:1")
	write := func(name string, b []byte) string {
		p := filepath.Join(e.dir, name)
		writeFile(t, p, b)
		return p
	}
	valid := write("cc", testCCache(t, "alice", "EXAMPLE.COM", etypeID.AES256_CTS_HMAC_SHA1_96, 3600))
	kt := keytab.New()
	if err := kt.AddEntry("bob", "EXAMPLE.COM", "pw", time.Now(), 1, etypeID.AES256_CTS_HMAC_SHA1_96); err != nil {
		t.Fatal(err)
	}
	ktb, _ := kt.Marshal()
	bobKeytab := write("bob.keytab", ktb)
	for _, tc := range []struct {
		name string
		o    Options
		env  map[string]string
		is   error
		text string
	}{
		{name: "no cache", o: Options{CCache: filepath.Join(e.dir, "absent")}, is: ErrNoTicket, text: "run kinit"},
		{name: "expired", o: Options{CCache: write("old", testCCache(t, "alice", "EXAMPLE.COM", 18, -60))}, is: ErrTicketExpired, text: "kinit -R (the TGT is renewable until"},
		{name: "corrupt cache", o: Options{CCache: write("bad", []byte{5, 4, 0xff, 0xff, 1})}, is: ErrNoTicket},
		{name: "empty cache", o: Options{CCache: write("empty", nil)}, is: ErrNoTicket},
		{name: "keyring cache", env: map[string]string{"KRB5CCNAME": "KEYRING:persistent:0"}, is: ErrNoTicket, text: "only FILE caches"},
		{name: "other principal's cache", o: Options{CCache: valid, Principal: "bob@EXAMPLE.COM"}, is: ErrBadCredentials, text: "kinit bob@EXAMPLE.COM"},
		{name: "cache of an unknown realm", o: Options{CCache: write("other", testCCache(t, "alice", "OTHER.ORG", 18, 3600))}, is: ErrUnknownRealm, text: "OTHER.ORG"},
		{name: "no krb5.conf", o: Options{CCache: valid}, env: map[string]string{"KRB5_CONFIG": filepath.Join(e.dir, "nope.conf")}, is: ErrConfig, text: "KRB5_CONFIG"},
		{name: "keytab without principal", o: Options{Keytab: bobKeytab}, is: ErrBadCredentials, text: "needs --principal"},
		{name: "missing keytab", o: Options{Keytab: filepath.Join(e.dir, "none.keytab"), Principal: "bob"}, is: ErrBadCredentials, text: "cannot read the keytab"},
		{name: "corrupt keytab", o: Options{Keytab: write("x.keytab", []byte{5, 2, 0, 0, 0, 9, 1}), Principal: "bob"}, is: ErrBadCredentials},
		{name: "keytab of someone else", o: Options{Keytab: bobKeytab, Principal: "alice"}, is: ErrBadCredentials, text: "it holds: bob@EXAMPLE.COM"},
		{name: "unknown realm", o: Options{Keytab: bobKeytab, Principal: "bob@NOWHERE.NET"}, is: ErrUnknownRealm, text: "NOWHERE.NET has no kdc"},
		{name: "bad principal", o: Options{Keytab: bobKeytab, Principal: "bob@"}, is: ErrBadCredentials},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := e.opts(tc.o)
			if tc.env != nil {
				o.Getenv = func(k string) string {
					if v, ok := tc.env[k]; ok {
						return v
					}
					return e.env[k]
				}
			}
			c, err := Login(context.Background(), o)
			if err == nil {
				c.Close()
				t.Fatal("logged in")
			}
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.text) || Fix(err) == "" {
				t.Fatalf("err = %v\nwant %v containing %q, with a fix", err, tc.is, tc.text)
			}
		})
	}
}

// A KDC that takes the connection and never answers: the login returns
// when ctx ends, classified, instead of waiting for gokrb5's timeouts.
func TestLoginBoundedByContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	e := newTestEnv(t, ln.Addr().String())
	kt := keytab.New()
	_ = kt.AddEntry("bob", "EXAMPLE.COM", "pw", time.Now(), 1, etypeID.AES256_CTS_HMAC_SHA1_96)
	ktb, _ := kt.Marshal()
	writeFile(t, filepath.Join(e.dir, "bob.keytab"), ktb)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = Login(ctx, e.opts(Options{Principal: "bob", Keytab: filepath.Join(e.dir, "bob.keytab")}))
	if !errors.Is(err, ErrKDCUnreachable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

// No KDC listening: refused at once and classified.
func TestLoginKDCRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e := newTestEnv(t, addr)
	kt := keytab.New()
	_ = kt.AddEntry("bob", "EXAMPLE.COM", "pw", time.Now(), 1, etypeID.AES256_CTS_HMAC_SHA1_96)
	ktb, _ := kt.Marshal()
	writeFile(t, filepath.Join(e.dir, "bob.keytab"), ktb)
	_, err = Login(context.Background(), e.opts(Options{Principal: "bob", Keytab: filepath.Join(e.dir, "bob.keytab")}))
	if !errors.Is(err, ErrKDCUnreachable) || !strings.Contains(err.Error(), "reachable") {
		t.Fatalf("err = %v", err)
	}
}

// A service ticket for a realm krb5.conf does not know fails before any I/O.
func TestServiceTicketUnknownRealm(t *testing.T) {
	e := newTestEnv(t, "127.0.0.1:1")
	cc := filepath.Join(e.dir, "cc")
	writeFile(t, cc, testCCache(t, "alice", "EXAMPLE.COM", 18, 3600))
	c, err := Login(context.Background(), e.opts(Options{CCache: cc}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.GSSAPI().NewContext(context.Background(), sasl.GSSAPITarget{Service: "rm", Host: "h.other.org", Realm: "OTHER.ORG"})
	if !errors.Is(err, ErrUnknownRealm) {
		t.Fatalf("err = %v", err)
	}
}

func TestKRB5ConfigList(t *testing.T) {
	e := newTestEnv(t, "127.0.0.1:1")
	e.env["KRB5_CONFIG"] = filepath.Join(e.dir, "missing.conf") + ":" + e.conf
	cfg, path, err := loadConfig(e.opts(Options{}))
	if err != nil || path != e.conf || cfg.LibDefaults.DefaultRealm != "EXAMPLE.COM" {
		t.Fatalf("loaded %s (%v)", path, err)
	}
}
