package condapack

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
)

const (
	oldP = "/home/u/miniconda3/envs/ml"
	dest = "/tmp/oy-0123456789abcdef"
)

func TestTextRule(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "prefix=" + oldP + "\n", "prefix=" + dest + "\n"},
		{"subpath", oldP + "/lib/python3.11", dest + "/lib/python3.11"},
		{"several", oldP + ":" + oldP + "/bin", dest + ":" + dest + "/bin"},
		{"compiler flags", "-L" + oldP + "/lib -I" + oldP + "/include -Wl,-rpath," + oldP + "/lib",
			"-L" + dest + "/lib -I" + dest + "/include -Wl,-rpath," + dest + "/lib"},
		{"quoted", `'` + oldP + `' "` + oldP + `"`, `'` + dest + `' "` + dest + `"`},
		{"end of file", "x " + oldP, "x " + dest},
		{"longer name is another path", oldP + "2/lib " + oldP + ".bak", oldP + "2/lib " + oldP + ".bak"},
		{"inside a longer path", "/data" + oldP + "/lib x/y" + oldP, "/data" + oldP + "/lib x/y" + oldP},
		{"no prefix", "nothing here\n", "nothing here\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReplacer([]string{oldP}, dest)
			p := r.run([]byte(tc.in), modeText, nil, true, nil, 0)
			if string(p.out) != tc.want {
				t.Errorf("got  %q\nwant %q", p.out, tc.want)
			}
			if p.consumed != len(tc.in) {
				t.Errorf("consumed %d of %d", p.consumed, len(tc.in))
			}
		})
	}
}

func TestLongestPrefixWins(t *testing.T) {
	// A venv inside its base's directory tree: both are old prefixes.
	r := newReplacer([]string{"/opt/py", "/opt/py/venvs/a"}, "/D")
	p := r.run([]byte("/opt/py/venvs/a/bin /opt/py/lib"), modeText, nil, true, nil, 0)
	if got, want := string(p.out), "/D/bin /D/lib"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func cstr(s string, pad int) []byte { return append([]byte(s), make([]byte, pad+1)...) }

func TestBinaryRule(t *testing.T) {
	lib := oldP + "/lib"
	for _, tc := range []struct {
		name string
		in   []byte
		grow growth
		want []byte
		bad  int
	}{
		{"same length kept", append([]byte("AB\x00"), append(cstr(lib, 0), 'Z')...),
			nil, append([]byte("AB\x00"), append(append([]byte(dest+"/lib"), make([]byte, len(lib)-len(dest+"/lib")+1)...), 'Z')...), 0},
		{"rpath list", cstr(lib+":"+oldP+"/lib64", 0), nil,
			append([]byte(dest+"/lib:"+dest+"/lib64"), make([]byte, 2*(len(oldP)-len(dest))+1)...), 0},
		{"too long without padding", cstr("/o/lib", 0), nil, cstr("/o/lib", 0), 1},
		{"grows into conda's padding", cstr("/o/lib", 40), func(n int) int { return 40 * n },
			append([]byte(dest+"/lib"), make([]byte, 6+40+1-len(dest+"/lib"))...), 0},
		{"padding that is not NUL is not used", append(cstr("/o/lib", 0), bytes.Repeat([]byte{'x'}, 40)...),
			func(n int) int { return 40 * n }, append(cstr("/o/lib", 0), bytes.Repeat([]byte{'x'}, 40)...), 1},
		{"unterminated", []byte("x\x00" + lib), nil, []byte("x\x00" + lib), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			olds := []string{oldP}
			if strings.Contains(tc.name, "padding") || strings.Contains(tc.name, "too long") {
				olds = []string{"/o"}
			}
			r := newReplacer(olds, dest)
			in := append([]byte(nil), tc.in...)
			p := r.run(in, modeBinary, nil, true, tc.grow, 0)
			if !bytes.Equal(p.out, tc.want) {
				t.Errorf("got  %q\nwant %q", p.out, tc.want)
			}
			if len(p.out) != len(tc.in) {
				t.Errorf("length %d, want %d: a binary rewrite must keep every offset", len(p.out), len(tc.in))
			}
			if len(p.bad) != tc.bad {
				t.Errorf("%d unfixable strings, want %d", len(p.bad), tc.bad)
			}
		})
	}
}

func TestCountOnly(t *testing.T) {
	r := newReplacer([]string{oldP}, "")
	in := []byte("a " + oldP + " b " + oldP + "/x " + oldP + "z")
	p := r.run(in, modeText, nil, true, nil, 0)
	if p.replaced != 2 || !bytes.Equal(p.out, in) {
		t.Fatalf("replaced %d, out %q: want 2 and the input unchanged", p.replaced, p.out)
	}
}

// streamRun feeds data through run in chunks the way streamChunks does, with carries.
func streamRun(r *replacer, data []byte, m mode, sizes func() int) []byte {
	var out, pending, prev []byte
	off := 0
	for {
		n := min(sizes(), len(data)-off)
		w := append(append([]byte(nil), pending...), data[off:off+n]...)
		off += n
		final := off == len(data)
		p := r.run(w, m, prev, final, nil, 0)
		out = append(out, p.out...)
		prev = lookBack(prev, w[:p.consumed])
		pending = append(pending[:0], w[p.consumed:]...)
		if final {
			return append(out, pending...)
		}
	}
}

// TestStreamingMatchesWhole: chunk boundaries anywhere (inside a prefix, inside a binary string,
// right before a boundary byte) give the same bytes as one pass over the whole file.
func TestStreamingMatchesWhole(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	pieces := []string{oldP, oldP + "/lib", "-L" + oldP, "/x" + oldP, oldP + "2", "\x00", "\x00\x00\x00", "abc", "/", ":"}
	for iter := range 300 {
		var b bytes.Buffer
		for b.Len() < 2000 {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		data := b.Bytes()
		for _, m := range []mode{modeText, modeBinary} {
			r := newReplacer([]string{oldP}, dest)
			whole := r.run(append([]byte(nil), data...), m, nil, true, nil, 0).out
			chunk := rng.Intn(60) + 1
			got := streamRun(r, append([]byte(nil), data...), m, func() int { return chunk })
			if !bytes.Equal(got, whole) {
				t.Fatalf("iteration %d mode %d chunk %d: streaming differs from one pass\nwhole %q\ngot   %q",
					iter, m, chunk, whole, got)
			}
		}
	}
}

func TestOriginRel(t *testing.T) {
	for _, tc := range []struct{ dir, target, want string }{
		{"bin", "lib", "$ORIGIN/../lib"},
		{"lib/python3.11/lib-dynload", "lib", "$ORIGIN/../.."},
		{"lib", "lib", "$ORIGIN"},
		{".", "lib", "$ORIGIN/lib"},
		{"bin", ".", "$ORIGIN/.."},
	} {
		if got := originRel(tc.dir, tc.target); got != tc.want {
			t.Errorf("originRel(%q, %q) = %q, want %q", tc.dir, tc.target, got, tc.want)
		}
	}
}
