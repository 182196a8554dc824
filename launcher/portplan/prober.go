package portplan

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"strconv"
)

// The default range: below Linux's ephemeral range (32768-60999), where outgoing connections
// could take a planned port between the plan and the daemon's bind; above Ray Client's
// per-connection servers (23000-23999, not configurable) and clear of Ray's, Spark's and Hadoop's
// defaults.
const (
	DefaultLow  = 24000
	DefaultHigh = 32767
)

// ErrNoPorts: the range has no room left for the plan on this host.
var ErrNoPorts = errors.New("portplan: no free ports")

// Prober walks the range cyclically from a seeded start, holding every port it took until
// Release.
type Prober struct {
	low, span, next int
	held            map[int]net.Listener
}

// NewProber probes low..high (inclusive; both 0: the default range) starting at a place chosen
// by seed (give the application id, the rank and the daemon's kind).
func NewProber(low, high int, seed string) (*Prober, error) {
	if low == 0 && high == 0 {
		low, high = DefaultLow, DefaultHigh
	}
	if low < 1024 || high > 65535 || low > high {
		return nil, fmt.Errorf("%w: bad range %d-%d", ErrNoPorts, low, high)
	}
	p := &Prober{low: low, span: high - low + 1, held: map[int]net.Listener{}}
	h := fnv.New64a()
	h.Write([]byte(seed))
	p.next = int(h.Sum64() % uint64(p.span))
	return p, nil
}

// Span is the number of ports in the range.
func (p *Prober) Span() int { return p.span }

func (p *Prober) port(i int) int { return p.low + (p.next+i)%p.span }

// Single takes one free port.
func (p *Prober) Single() (int, error) {
	for i := range p.span {
		port := p.port(i)
		if p.take(port) {
			p.next = (p.next + i + 1) % p.span
			return port, nil
		}
	}
	return 0, fmt.Errorf("%w: every port of %d-%d is taken", ErrNoPorts, p.low, p.low+p.span-1)
}

// Singles takes n free ports.
func (p *Prober) Singles(n int) ([]int, error) {
	out := make([]int, n)
	for i := range out {
		var err error
		if out[i], err = p.Single(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Block takes n consecutive free ports that do not wrap around the range's end and returns the
// first.
func (p *Prober) Block(n int) (int, error) {
	for i := 0; i < p.span; {
		start := p.port(i)
		if start+n-1 > p.low+p.span-1 {
			i += p.low + p.span - start // skip to the range's start
			continue
		}
		ok := 0
		for ok < n && p.take(start+ok) {
			ok++
		}
		if ok == n {
			p.next = (start + n - p.low) % p.span
			return start, nil
		}
		p.drop(start, ok)
		i += ok + 1 // the block cannot contain the busy port
	}
	return 0, fmt.Errorf("%w: no %d consecutive free ports in %d-%d", ErrNoPorts, n, p.low, p.low+p.span-1)
}

func (p *Prober) take(port int) bool {
	if _, dup := p.held[port]; dup {
		return false
	}
	// ":port" binds the IPv6 wildcard in dual-stack mode, which fails if anything listens on
	// that port on any IPv4 or IPv6 address: the strictest test, matching daemons that bind both
	// wildcards and specific addresses.
	l, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	p.held[port] = l
	return true
}

func (p *Prober) drop(start, n int) {
	for port := start; port < start+n; port++ {
		p.held[port].Close()
		delete(p.held, port)
	}
}

// Release frees every port taken: the daemons may bind them now.
func (p *Prober) Release() {
	for port, l := range p.held {
		l.Close()
		delete(p.held, port)
	}
}
