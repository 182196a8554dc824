package security

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const plain = "hunter2-very-secret"

// leaks reports the first form of plain found in out: raw, hex (either
// case), base64 (std and URL) or fmt's decimal byte list.
func leaks(out string) string {
	b := []byte(plain)
	forms := []string{
		plain, "hunter2",
		hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)),
		base64.StdEncoding.EncodeToString(b)[:12], base64.URLEncoding.EncodeToString(b)[:12],
		fmt.Sprint([]byte(plain))[1:20], // "104 117 110 116 ..."
		`\x68\x75`, "0x68, 0x75",
	}
	for _, f := range forms {
		if strings.Contains(out, f) {
			return f
		}
	}
	return ""
}

type holder struct {
	Name   string
	Pw     Secret
	Text   SecretString
	Ptr    *Secret
	List   []Secret
	ByName map[string]SecretString
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret(plain)
	ss := SecretString(plain)
	h := holder{Name: "x", Pw: s, Text: ss, Ptr: &s, List: []Secret{s}, ByName: map[string]SecretString{"k": ss}}
	tok := Token{Identifier: []byte("id"), Password: s, Kind: "K", Service: "svc"}
	creds := NewCredentials()
	creds.Add("a", tok)
	creds.AddSecret("k", s)
	values := map[string]any{
		"Secret": s, "SecretString": ss, "*Secret": &s, "holder": h, "*holder": &h,
		"Token": tok, "*Token": &tok, "Credentials": creds,
		"slice": []Secret{s}, "map": map[string]Secret{"k": s},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3v", "%T %[1]v"}
	for name, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			if f := leaks(out); f != "" {
				t.Errorf("fmt %s of %s leaks %q: %s", verb, name, f, out)
			}
		}
		out := fmt.Sprint(v) + fmt.Sprintln(v)
		if f := leaks(out); f != "" {
			t.Errorf("Sprint of %s leaks %q: %s", name, f, out)
		}
		js, err := json.Marshal(v)
		if err != nil {
			t.Errorf("json of %s: %v", name, err)
		}
		if f := leaks(string(js)); f != "" {
			t.Errorf("json of %s leaks %q: %s", name, f, js)
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "v", v)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "v", v)
		if f := leaks(buf.String()); f != "" {
			t.Errorf("slog of %s leaks %q: %s", name, f, buf.String())
		}
	}
}

func TestSecretRedactedForms(t *testing.T) {
	s := Secret(plain)
	want := "[redacted 19 bytes]"
	if got := fmt.Sprintf("%v|%s|%#v|%x", s, s, s, s); got != strings.Repeat(want+"|", 3)+want {
		t.Errorf("fmt = %s", got)
	}
	js, _ := json.Marshal(struct{ P Secret }{s})
	if string(js) != `{"P":"[redacted 19 bytes]"}` {
		t.Errorf("json = %s", js)
	}
	js, _ = json.Marshal(struct{ P SecretString }{SecretString(plain)})
	if string(js) != `{"P":"[redacted 19 bytes]"}` {
		t.Errorf("json = %s", js)
	}
	if string(s.Reveal()) != plain || SecretString(plain).Reveal() != plain {
		t.Error("Reveal must return the content")
	}
	if !s.Equal(Secret(plain)) || s.Equal(Secret("other")) || !SecretString("a").Equal("a") {
		t.Error("Equal")
	}
	if got := fmt.Sprint(Secret(nil)); got != "[redacted 0 bytes]" {
		t.Errorf("nil secret = %s", got)
	}
}

// The detector must see the forms fmt and json produce for a plain []byte,
// or TestSecretNeverPrints would prove nothing.
func TestLeakDetectorSeesPlainBytes(t *testing.T) {
	raw := []byte(plain)
	for _, verb := range []string{"%v", "%s", "%x", "%X", "%q", "%#v"} {
		if leaks(fmt.Sprintf(verb, raw)) == "" {
			t.Errorf("detector misses %s of plain bytes", verb)
		}
	}
	js, _ := json.Marshal(raw)
	if leaks(string(js)) == "" {
		t.Error("detector misses json of plain bytes")
	}
}
