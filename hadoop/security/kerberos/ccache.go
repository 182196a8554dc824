package kerberos

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"github.com/jcmturner/gokrb5/v8/credentials"
)

// MIT's FILE ticket cache, versions 3 and 4 (what kinit writes; all
// integers big-endian):
//
//	05 0v | [v4: uint16 header length, header fields] | default principal | credential...
//	principal  = uint32 name type, uint32 #components, data realm, data component...
//	credential = principal client, principal server, uint16 enctype, data key,
//	             uint32 authtime, starttime, endtime, renew-till, uint8 is-skey,
//	             uint32 flags, uint32 #addresses {uint16 type, data},
//	             uint32 #authdata {uint16 type, data}, data ticket, data second ticket
//	data       = uint32 length, bytes
//
// gokrb5's parser trusts every length and count (a corrupt file panics it
// or makes it allocate gigabytes), so checkCCache walks the file with
// bounds first.

// loadCCache reads and parses a ticket cache.
func loadCCache(path string) (*credentials.CCache, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseCCache(b)
}

// parseCCache parses an untrusted ticket cache; it never panics.
func parseCCache(b []byte) (cc *credentials.CCache, err error) {
	if err := checkCCache(b); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			cc, err = nil, fmt.Errorf("corrupt ticket cache: %v", r)
		}
	}()
	cc = new(credentials.CCache)
	if err := cc.Unmarshal(b); err != nil {
		return nil, err
	}
	return cc, nil
}

// ccReader reads the big-endian fields of a ticket cache with bounds.
type ccReader struct {
	b   []byte
	err error
}

func (r *ccReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = fmt.Errorf("corrupt ticket cache: field of %d bytes with %d left", n, len(r.b))
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *ccReader) u16() int {
	if v := r.take(2); v != nil {
		return int(binary.BigEndian.Uint16(v))
	}
	return 0
}

func (r *ccReader) u32() int {
	if v := r.take(4); v != nil {
		return int(binary.BigEndian.Uint32(v))
	}
	return 0
}

func (r *ccReader) data() { r.take(r.u32()) }

func (r *ccReader) principal() {
	r.u32() // name type
	n := r.u32()
	r.data() // realm
	for i := 0; i < n && r.err == nil; i++ {
		r.data()
	}
}

// count reads an element count that cannot exceed what the rest holds.
func (r *ccReader) count(minSize int) int {
	n := r.u32()
	if r.err == nil && n > len(r.b)/minSize {
		r.err = fmt.Errorf("corrupt ticket cache: %d entries in %d bytes", n, len(r.b))
		return 0
	}
	return n
}

// checkCCache validates the structure of a version 3 or 4 cache. Versions
// 1 and 2 (native byte order, 1990s) are refused.
func checkCCache(b []byte) error {
	if len(b) < 2 || b[0] != 5 {
		return errors.New("not a ticket cache (first byte is not 5)")
	}
	if b[1] != 3 && b[1] != 4 {
		return fmt.Errorf("ticket cache version %d is not supported (want 3 or 4)", b[1])
	}
	r := &ccReader{b: b[2:]}
	if b[1] == 4 {
		// The header's fields, walked the way gokrb5 walks them (while the
		// absolute offset is within the header length), so that both see
		// the same bytes as the counts checked below.
		hlen := r.u16()
		for r.err == nil && len(b)-len(r.b) <= hlen {
			r.u16()
			r.take(r.u16())
		}
	}
	r.principal()
	for r.err == nil && len(r.b) > 0 {
		r.principal()
		r.principal()
		r.u16()
		if b[1] == 3 {
			r.u16()
		}
		r.data()
		r.take(4*4 + 1 + 4)
		for n := r.count(6); n > 0 && r.err == nil; n-- {
			r.u16()
			r.data()
		}
		for n := r.count(6); n > 0 && r.err == nil; n-- {
			r.u16()
			r.data()
		}
		r.data()
		r.data()
	}
	return r.err
}
