package condapack

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// ELF search paths. An RPATH/RUNPATH entry that names a directory inside the env by its absolute
// path is rewritten to $ORIGIN-relative form, which the dynamic loader resolves from wherever the
// file is (conda-build and auditwheel do the same at build time): that needs no destination and
// fits in place, since "$ORIGIN/../lib" is shorter than any real prefix. An entry pointing outside
// the env is reported: the library it finds on this host may be missing, or different, on a
// NodeManager.

var elfMagic = []byte("\x7fELF")

func isELF(head []byte) bool { return bytes.HasPrefix(head, elfMagic) }

// elfNeeds returns an ELF file's DT_NEEDED names and its search path entries; nil names for a
// file that is not ELF.
func elfNeeds(p string) ([]string, []string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var head [4]byte
	if _, err := io.ReadFull(f, head[:]); err != nil || !isELF(head[:]) {
		return nil, nil, nil
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return nil, nil, err
	}
	strtab, err := dynstrOffset(ef)
	if err != nil {
		return nil, nil, nil // static: needs nothing
	}
	needed, err := dynStrings(ef, f, strtab, elf.DT_NEEDED)
	if err != nil {
		return nil, nil, err
	}
	var dirs []string
	for _, tag := range []elf.DynTag{elf.DT_RUNPATH, elf.DT_RPATH} {
		ss, _ := dynStrings(ef, f, strtab, tag)
		for _, s := range ss {
			dirs = append(dirs, strings.Split(s, ":")...)
		}
	}
	return needed, dirs, nil
}

// dynStrings reads the strings of a dynamic tag one by one. debug/elf's DynString would read the
// whole .dynstr, tens of MB for a large C++ library, once per reader goroutine.
func dynStrings(ef *elf.File, r io.ReaderAt, strtab int64, tag elf.DynTag) ([]string, error) {
	offs, err := ef.DynValue(tag)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(offs))
	for _, off := range offs {
		s, err := readCString(r, strtab+int64(off))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// patch overwrites len(data) bytes at off.
type patch struct {
	off  int64
	data []byte
}

// applyPatches writes the patches that overlap buf, whose first byte is at file offset base.
func applyPatches(buf []byte, base int64, patches []patch) {
	for _, p := range patches {
		lo, hi := max(p.off, base), min(p.off+int64(len(p.data)), base+int64(len(buf)))
		if lo < hi {
			copy(buf[lo-base:hi-base], p.data[lo-p.off:hi-p.off])
		}
	}
}

// rpathPlan is what inspecting one ELF file found.
type rpathPlan struct {
	patches []patch
	// outside lists search path entries that leave the env (absolute elsewhere, or $ORIGIN/..
	// climbing out of it).
	outside []string
}

// systemLibDirs are searched by the loader anyway; an RPATH naming them changes nothing.
var systemLibDirs = map[string]bool{
	"/lib": true, "/lib64": true, "/usr/lib": true, "/usr/lib64": true,
	"/lib/x86_64-linux-gnu": true, "/usr/lib/x86_64-linux-gnu": true,
	"/lib/aarch64-linux-gnu": true, "/usr/lib/aarch64-linux-gnu": true,
}

// planRPath inspects the ELF file r (archive path rel) and plans the rewrite of its search paths.
// olds are the env's prefixes on this host, all of which map to the archive root.
func planRPath(r io.ReaderAt, rel string, olds []string) (*rpathPlan, error) {
	ef, err := elf.NewFile(r)
	if err != nil {
		return nil, err
	}
	defer ef.Close()
	plan := &rpathPlan{}
	strtab, err := dynstrOffset(ef)
	if err != nil {
		return plan, nil // no dynamic section: a static binary or an object file
	}
	dir := path.Dir(rel)
	for _, tag := range []elf.DynTag{elf.DT_RUNPATH, elf.DT_RPATH} {
		offs, _ := ef.DynValue(tag)
		for _, off := range offs {
			old, err := readCString(r, strtab+int64(off))
			if err != nil {
				return nil, fmt.Errorf("read %s string: %w", tag, err)
			}
			entries := strings.Split(old, ":")
			changed := false
			for k, e := range entries {
				switch target, inside := envTarget(e, dir, olds); {
				case strings.HasPrefix(e, "$ORIGIN") || strings.HasPrefix(e, "${ORIGIN}"):
					if !inside {
						plan.outside = append(plan.outside, e)
					}
				case inside:
					entries[k] = originRel(dir, target)
					changed = true
				case path.IsAbs(e) && !systemLibDirs[path.Clean(e)]:
					plan.outside = append(plan.outside, e)
				}
			}
			nw := strings.Join(entries, ":")
			if !changed || len(nw) > len(old) || sharesTail(dynstrRefs(ef), off, uint64(len(old))) {
				continue // left to the prefix rule, which rewrites it to the destination
			}
			data := make([]byte, len(old))
			copy(data, nw)
			plan.patches = append(plan.patches, patch{off: strtab + int64(off), data: data})
		}
	}
	return plan, nil
}

// envTarget resolves a search path entry to an archive path: $ORIGIN relative to dir, or an
// absolute path under one of olds. inside reports that it stays in the archive.
func envTarget(e, dir string, olds []string) (string, bool) {
	for _, o := range []string{"${ORIGIN}", "$ORIGIN"} {
		if rest, ok := strings.CutPrefix(e, o); ok {
			t := path.Join(dir, rest)
			return t, t != ".." && !strings.HasPrefix(t, "../")
		}
	}
	for _, o := range olds {
		if e == o {
			return ".", true
		}
		if rest, ok := strings.CutPrefix(e, o+"/"); ok {
			return path.Clean(rest), true
		}
	}
	return "", false
}

// originRel is target (an archive path) as seen from dir, in $ORIGIN form.
func originRel(dir, target string) string {
	from := strings.Split(dir, "/")
	to := strings.Split(target, "/")
	if dir == "." {
		from = nil
	}
	if target == "." {
		to = nil
	}
	n := 0
	for n < len(from) && n < len(to) && from[n] == to[n] {
		n++
	}
	parts := []string{"$ORIGIN"}
	for range from[n:] {
		parts = append(parts, "..")
	}
	parts = append(parts, to[n:]...)
	return strings.Join(parts, "/")
}

// dynstrOffset is the file offset of the dynamic string table.
func dynstrOffset(ef *elf.File) (int64, error) {
	if s := ef.Section(".dynstr"); s != nil && s.Type != elf.SHT_NOBITS {
		return int64(s.Offset), nil
	}
	addrs, err := ef.DynValue(elf.DT_STRTAB)
	if err != nil || len(addrs) == 0 {
		return 0, fmt.Errorf("no dynamic string table")
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_LOAD && addrs[0] >= p.Vaddr && addrs[0] < p.Vaddr+p.Filesz {
			return int64(p.Off + addrs[0] - p.Vaddr), nil
		}
	}
	return 0, fmt.Errorf("dynamic string table outside the loaded segments")
}

// dynstrRefs lists the .dynstr offsets that other entries use: linkers may share one string's
// tail between two names, and rewriting our string must not change another's. Only called when
// a rewrite is planned (rare: conda-build and auditwheel leave $ORIGIN paths), and .dynsym is
// read in small pieces since it can be large.
func dynstrRefs(ef *elf.File) []uint64 {
	var refs []uint64
	for _, tag := range []elf.DynTag{elf.DT_NEEDED, elf.DT_SONAME} {
		v, _ := ef.DynValue(tag)
		refs = append(refs, v...)
	}
	s := ef.Section(".dynsym")
	if s == nil || s.Type == elf.SHT_NOBITS {
		return refs
	}
	size := 24
	if ef.Class == elf.ELFCLASS32 {
		size = 16
	}
	r := bufio.NewReaderSize(s.Open(), 64<<10)
	sym := make([]byte, size)
	for {
		if _, err := io.ReadFull(r, sym); err != nil {
			return refs
		}
		refs = append(refs, uint64(ef.ByteOrder.Uint32(sym)))
	}
}

func sharesTail(refs []uint64, off, n uint64) bool {
	for _, r := range refs {
		if r > off && r < off+n {
			return true
		}
	}
	return false
}

func readCString(r io.ReaderAt, off int64) (string, error) {
	var b strings.Builder
	buf := make([]byte, 256)
	for b.Len() < maxCString {
		n, err := r.ReadAt(buf, off)
		if i := bytes.IndexByte(buf[:n], 0); i >= 0 {
			b.Write(buf[:i])
			return b.String(), nil
		}
		b.Write(buf[:n])
		off += int64(n)
		if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("string at %d is not terminated", off)
}
