package condapack

import (
	"strings"
	"testing"
)

func TestParseRecord(t *testing.T) {
	good := `{"name":"numpy","version":"1.26.4","build":"py311_0","files":["lib/a.so","bin/f2py"],
		"paths_data":{"paths":[{"_path":"lib/a.so","path_type":"hardlink","size_in_bytes":3,
		"prefix_placeholder":"/opt/ph","file_mode":"binary"}],"paths_version":1},
		"link":{"source":"/pkgs/numpy","type":1},"url":"https://x/numpy.conda","extra":{"ignored":true}}`
	r, err := ParseRecord([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "numpy" || len(r.Files) != 2 || r.PathsData.Paths[0].FileMode != "binary" || r.Link.Source != "/pkgs/numpy" {
		t.Fatalf("decoded %+v", r)
	}
	if _, err := ParseRecord([]byte(`{"name":"pixi","version":"1","files":[],"link":null}`)); err != nil {
		t.Fatalf("link: null (pixi) must be accepted: %v", err)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"not json", `{`, "conda-meta record"},
		{"no name", `{"version":"1"}`, "no name"},
		{"absolute file", `{"name":"x","files":["/etc/passwd"]}`, "absolute"},
		{"escaping file", `{"name":"x","files":["../../etc/passwd"]}`, "leaves the prefix"},
		{"unclean file", `{"name":"x","files":["lib/../../x"]}`, "not clean"},
		{"empty file", `{"name":"x","files":[""]}`, "empty path"},
		{"escaping paths_data", `{"name":"x","paths_data":{"paths":[{"_path":".."}]}}`, "leaves the prefix"},
		{"unknown file_mode", `{"name":"x","paths_data":{"paths":[{"_path":"a","file_mode":"weird","prefix_placeholder":"/p"}]}}`, "unknown file_mode"},
		{"mode without placeholder", `{"name":"x","paths_data":{"paths":[{"_path":"a","file_mode":"text"}]}}`, "without prefix_placeholder"},
		{"negative size", `{"name":"x","paths_data":{"paths":[{"_path":"a","size_in_bytes":-1}]}}`, "negative"},
		{"files of wrong type", `{"name":"x","files":"lib/a"}`, "conda-meta record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRecord([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// FuzzParseRecord: conda-meta is input we did not write. Whatever it holds, parsing must not
// panic, and whatever it accepts must only name paths inside the prefix.
func FuzzParseRecord(f *testing.F) {
	f.Add([]byte(`{"name":"python","version":"3.11.7","build":"h0","files":["bin/python3.11"],` +
		`"paths_data":{"paths":[{"_path":"bin/python3.11","path_type":"hardlink","size_in_bytes":1}]},"link":{"source":"/p","type":1}}`))
	f.Add([]byte(`{"name":"x","files":["a/b","c"],"link":null,"paths_data":{"paths":[{"_path":"a/b","file_mode":"text","prefix_placeholder":"/opt/anaconda1anaconda2anaconda3"}]}}`))
	f.Add([]byte(`{"name":"x","files":["../x"]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRecord(data)
		if err != nil {
			return
		}
		if r.Name == "" {
			t.Fatal("accepted a record without a name")
		}
		paths := append([]string(nil), r.Files...)
		if r.PathsData != nil {
			for _, p := range r.PathsData.Paths {
				paths = append(paths, p.Path)
			}
		}
		for _, p := range paths {
			if checkRelPath(p) != nil {
				t.Fatalf("accepted path %q", p)
			}
		}
	})
}
