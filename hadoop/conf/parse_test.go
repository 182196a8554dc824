package conf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseResource(t *testing.T) {
	for _, tc := range []struct {
		name, xml string
		want      string // name=value[!] per property, "!" for final, "-" for no value
		wantErr   string
	}{
		{name: "elements", xml: `<configuration><property><name>a</name><value>1</value><final>true</final></property></configuration>`,
			want: "a=1!"},
		{name: "attributes", xml: `<configuration><property name="a" value="1" final="true"/></configuration>`,
			want: "a=1!"},
		{name: "final is exact", xml: `<configuration><property><name>a</name><value>1</value><final> true </final></property></configuration>`,
			want: "a=1"},
		{name: "no value", xml: `<configuration><property><name>a</name><value/><final>true</final></property></configuration>`,
			want: "a=-!"},
		{name: "no name skipped", xml: `<configuration><property><value>1</value></property></configuration>`},
		{name: "comments inside value", xml: `<configuration><property><name>a</name><value>x<!-- c -->y</value></property></configuration>`,
			want: "a=xy"},
		{name: "description ignored", xml: `<configuration><property><name>a</name><value>1</value><description>d</description></property></configuration>`,
			want: "a=1"},
		{name: "any root", xml: `<conf><property><name>a</name><value>1</value></property></conf>`, want: "a=1"},
		{name: "bom and decl", xml: "\ufeff<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration/>"},
		{name: "include without href ignored", xml: `<configuration><include/></configuration>`},
		{name: "unclosed", xml: "<configuration>\n<property>", wantErr: "t.xml:2: unexpected EOF"},
		{name: "two roots", xml: "<a/>\n<b/>", wantErr: "t.xml:2: element <b> after the root element"},
		{name: "text outside root", xml: "<a/>junk", wantErr: "text outside the root element"},
		{name: "unknown entity", xml: "<a>&nbsp;</a>", wantErr: "invalid character entity &nbsp;"},
		{name: "unknown encoding", xml: `<?xml version="1.0" encoding="EBCDIC"?><a/>`, wantErr: `unsupported XML encoding "EBCDIC"`},
		{name: "include not followed", xml: `<configuration><xi:include href="x.xml"/></configuration>`,
			wantErr: `xi:include "x.xml": includes are not followed here`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			props, err := parseResource([]byte(tc.xml), "t.xml", nil)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want ErrInvalid containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(props); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func describe(props []property) string {
	var s []string
	for _, p := range props {
		d := p.name + "="
		if p.hasValue {
			d += p.value
		} else {
			d += "-"
		}
		if p.final {
			d += "!"
		}
		s = append(s, d)
	}
	return strings.Join(s, " ")
}

// FuzzParseConfigurationXML feeds arbitrary bytes to the parser: it must not panic, and what it
// accepts must be well-formed records.
func FuzzParseConfigurationXML(f *testing.F) {
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".xml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil {
			f.Add(data)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`<configuration><xi:include href="a.xml"><xi:fallback><property name="k" value="v"/></xi:fallback></xi:include></configuration>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Includes resolve to one fixed property, or to "missing" for odd hrefs, so both
		// include paths get exercised without touching the file system.
		include := func(_, href string) ([]property, bool, error) {
			if len(href)%2 == 0 {
				return []property{{name: "inc", value: href, hasValue: true}}, true, nil
			}
			return nil, false, nil
		}
		props, err := parseResource(data, "fuzz.xml", include)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		for _, p := range props {
			if p.name == "" || (!p.hasValue && p.value != "") {
				t.Fatalf("bad record %+v", p)
			}
		}
	})
}
