package condapack

import "sync"

// Buffers: a file is read in chunks of readSize into buffers of one size, bufCap, with room before
// the chunk for what the previous chunk carried over (a binary string or a prefix that straddles
// the boundary); a file of at most tinyCap bytes, most of an env, into a buffer of that size.
// Two sizes mean a freed buffer always fits a later need: no garbage, and the heap stays near the
// budget (buffers sized to each file made a pack of 1.5 GB allocate 700 MB and double its RSS).
const (
	readSize = 256 << 10
	carryMax = maxCString + 4096 // the longest binary string, plus the longest prefix
	bufCap   = carryMax + readSize
	tinyCap  = 32 << 10
)

// bufPool recycles buffers. A buffer is only made when a reservation of the budget allows it
// and no freed one of its size waits, so each size's count stays within the budget.
type bufPool struct {
	mu         sync.Mutex
	free, tiny []*[]byte
}

func (p *bufPool) get(tiny bool) *[]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, size := &p.free, bufCap
	if tiny {
		l, size = &p.tiny, tinyCap
	}
	if n := len(*l); n > 0 {
		b := (*l)[n-1]
		*l = (*l)[:n-1]
		return b
	}
	b := make([]byte, size)
	return &b
}

func (p *bufPool) put(b *[]byte) {
	if b == nil {
		return
	}
	p.mu.Lock()
	if cap(*b) == tinyCap {
		p.tiny = append(p.tiny, b)
	} else {
		p.free = append(p.free, b)
	}
	p.mu.Unlock()
}

// reserveFor is the budget a file read whole occupies.
func reserveFor(size int64) int64 {
	if size <= tinyCap {
		return tinyCap
	}
	return max(1, (size+readSize-1)/readSize) * bufCap
}
