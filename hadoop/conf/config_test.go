package conf

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// fromMap builds a Config from raw values as Load would, for tests of the accessors.
func fromMap(t *testing.T, kv map[string]string) *Config {
	t.Helper()
	l := &loader{raw: map[string]entry{}, final: map[string]bool{}}
	for _, r := range loadOrder() {
		if r.builtin != nil {
			for _, p := range r.builtin.props {
				l.set(property{name: p[0], value: p[1], hasValue: true}, "built-in "+r.builtin.name)
			}
		}
	}
	for k, v := range kv {
		l.set(property{name: k, value: v, hasValue: true}, "test-site.xml")
	}
	c, err := l.expandAll(Dirs{Getenv: func(k string) string {
		return map[string]string{"SET": "set-value"}[k]
	}, UserName: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTypedGetters(t *testing.T) {
	c := fromMap(t, map[string]string{
		"i.dec": " 42 ", "i.hex": "0x1F", "i.neghex": "-0X10", "i.big": "3000000000", "i.word": "ten",
		"b.true": " TRUE ", "b.false": "False", "b.empty": " ", "b.typo": "ture",
		"d.bare": "1500", "d.ms": "250ms", "d.s": "90S", "d.m": "2m", "d.h": "1h", "d.d": "1d",
		"d.ns": "7ns", "d.us": "3us", "d.bad": "1.5s", "d.huge": "999999999999d",
	})
	ints := []struct {
		key     string
		want    int
		wantErr bool
	}{
		{"i.dec", 42, false}, {"i.hex", 31, false}, {"i.neghex", -16, false},
		{"i.big", 0, true}, {"i.word", 0, true}, {"i.unset", 7, false},
		{"ipc.client.connect.timeout", 20000, false},
	}
	for _, tc := range ints {
		got, err := c.Int(tc.key, 7)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("Int(%s) = %d, %v; want %d, err=%v", tc.key, got, err, tc.want, tc.wantErr)
		}
		if err != nil && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.key) ||
			!strings.Contains(err.Error(), "test-site.xml")) {
			t.Errorf("Int(%s) error %q: want ErrInvalid naming key and file", tc.key, err)
		}
	}
	if got, err := c.Int64("i.big", 0); err != nil || got != 3000000000 {
		t.Errorf("Int64(i.big) = %d, %v", got, err)
	}
	if got, err := c.Int64("ipc.maximum.data.length", 0); err != nil || got != 128<<20 {
		t.Errorf("Int64(ipc.maximum.data.length) = %d, %v", got, err)
	}

	bools := []struct {
		key           string
		want, wantErr bool
	}{
		{"b.true", true, false}, {"b.false", false, false}, {"b.empty", true, false},
		{"b.unset", true, false}, {"b.typo", false, true}, {"ipc.client.ping", true, false},
	}
	for _, tc := range bools {
		got, err := c.Bool(tc.key, true)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("Bool(%s) = %v, %v; want %v, err=%v", tc.key, got, err, tc.want, tc.wantErr)
		}
	}
	if _, err := c.Bool("b.typo", false); err == nil || !strings.Contains(err.Error(), `b.typo="ture" (from test-site.xml)`) {
		t.Errorf("Bool(b.typo) error = %v", err)
	}

	durs := []struct {
		key     string
		want    time.Duration
		wantErr bool
	}{
		{"d.bare", 1500 * time.Millisecond, false}, {"d.ms", 250 * time.Millisecond, false},
		{"d.s", 90 * time.Second, false}, {"d.m", 2 * time.Minute, false}, {"d.h", time.Hour, false},
		{"d.d", 24 * time.Hour, false}, {"d.ns", 7, false}, {"d.us", 3 * time.Microsecond, false},
		{"d.unset", 5 * time.Second, false}, {"d.bad", 0, true}, {"d.huge", 0, true},
		{"ipc.ping.interval", time.Minute, false},
	}
	for _, tc := range durs {
		got, err := c.Duration(tc.key, 5*time.Second, time.Millisecond)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("Duration(%s) = %v, %v; want %v, err=%v", tc.key, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestGetDefaultAndStrings(t *testing.T) {
	c := fromMap(t, map[string]string{"list": " a, ,b ,c,", "empty.list": " , "})
	if got := c.GetDefault("nope", "dflt"); got != "dflt" {
		t.Errorf("GetDefault(nope) = %q", got)
	}
	if got := c.GetDefault("list", "dflt"); got != " a, ,b ,c," {
		t.Errorf("GetDefault(list) = %q", got)
	}
	if got := strings.Join(c.Strings("list"), "|"); got != "a|b|c" {
		t.Errorf("Strings(list) = %q", got)
	}
	if got := c.Strings("empty.list"); got != nil {
		t.Errorf("Strings(empty.list) = %q, want nil", got)
	}
	if got := c.Strings("nope"); got != nil {
		t.Errorf("Strings(nope) = %q, want nil", got)
	}
}

func TestExpand(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"${k}", "v"},
		{"x${k}y${k}z", "xvyvz"},
		{"${chain}", "v/v"},
		{"${user.name}", "alice"},
		{"${env.SET}", "set-value"},
		{"${env.UNSET}", "${env.UNSET}"},
		{"${env.UNSET:-d}", "d"},
		{"${env.UNSET-d}", "d"},
		{"${env.SET:-d}", "set-value"},
		{"${env.UNSET:-}", ""},
		{"${env.}", "${env.}"},
		{"${}", "${}"},
		{"${ k}", "${ k}"},
		{"$${k}", "$v"},
		{"${${k}}", "${v}"}, // Hadoop's scanner restarts after the inner '$' and finds ${k} first
		{"{k}", "{k}"},
		{"${k", "${k"},
		{"a${unknown}b${k}", "a${unknown}b${k}"}, // an unknown variable stops expansion
		{"x${self}", "x${self}"},                 // the value refers to itself: left as is
		{"${self}", "${self}"},                   // (Hadoop returns the original expression)
		{"${env.ENV_KEY}", "from-conf"},          // env unset: falls back to the key "env.ENV_KEY"
	} {
		raw := map[string]entry{
			"k": {value: "v"}, "chain": {value: "${k}/${k}"}, "self": {value: "x${self}"},
			"env.ENV_KEY": {value: "from-conf"}, "user.name": {value: "not-the-os-user"},
		}
		x := &expander{raw: raw, getenv: func(k string) string {
			return map[string]string{"SET": "set-value"}[k]
		}, userName: "alice"}
		got, err := x.expand("test.key", tc.in)
		if err != nil || got != tc.want {
			t.Errorf("expand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestExpandDepth(t *testing.T) {
	x := &expander{raw: map[string]entry{"a": {value: "${b}", source: "a.xml"}, "b": {value: "${a}"}}}
	_, err := x.expand("a", "${b}")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `a="${b}" (from a.xml)`) {
		t.Fatalf("err = %v", err)
	}
	// Hadoop's loop makes at most maxSubst scans, the last of which must find nothing left:
	// maxSubst-1 substitutions pass, maxSubst fail. We count the same way.
	x = &expander{raw: map[string]entry{"k": {value: "v"}}}
	if _, err := x.expand("ok", strings.Repeat("${k}", maxSubst-1)); err != nil {
		t.Errorf("%d substitutions: %v", maxSubst-1, err)
	}
	if _, err := x.expand("long", strings.Repeat("${k}", maxSubst)); err == nil {
		t.Errorf("%d substitutions: no error", maxSubst)
	}
}

func TestMap(t *testing.T) {
	c := mustLoad(t, "good/plain", "")
	m := c.Map()
	if m["yarn.resourcemanager.address"] != "master.hadoop.test:8032" || m["dfs.replication"] != "1" {
		t.Errorf("Map() = %v", m)
	}
	m["dfs.replication"] = "9"
	if v, _ := c.Get("dfs.replication"); v != "1" {
		t.Errorf("Map() shares storage with the Config")
	}
}

// FuzzExpand checks that expansion never panics on odd ${...} shapes and, when it succeeds
// on a value without variables, returns it unchanged.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{"${a}", "$${a}", "${${a}}", "${env.X:-y}", "${env.X-}", "${", "}${", "${a}${b}", "x${self}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		x := &expander{raw: map[string]entry{
			"a": {value: "${b}"}, "b": {value: "v"}, "self": {value: "x${self}"}, "loop": {value: "${loop2}"},
			"loop2": {value: "${loop}"},
		}, getenv: func(k string) string { return map[string]string{"X": "x"}[k] }, userName: "u"}
		got, err := x.expand("k", s)
		if err == nil && !strings.Contains(s, "${") && got != s {
			t.Fatalf("expand(%q) = %q, want it unchanged", s, got)
		}
	})
}
