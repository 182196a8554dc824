package raynode

import (
	"errors"
	"testing"
)

func TestSplitMemory(t *testing.T) {
	const gib = 1024 * mib
	for _, c := range []struct {
		name string
		o    MemoryOptions
		want Memory // Container filled in from o
		err  error
	}{
		{
			name: "head 8g 4 cores",
			o:    MemoryOptions{Container: 8 * gib, Head: true, CPUs: 4},
			// overhead 1 GiB + 4*128 MiB = 1536 MiB; 30% of the 6656 MiB left.
			want: Memory{Overhead: 1536 * mib, ObjectStore: 1996 * mib, Heap: 6656*mib - 1996*mib},
		},
		{
			name: "worker 4g 2 cores",
			o:    MemoryOptions{Container: 4 * gib, CPUs: 2},
			want: Memory{Overhead: 768 * mib, ObjectStore: 998 * mib, Heap: 3328*mib - 998*mib},
		},
		{
			name: "zero cpus still pays one worker",
			o:    MemoryOptions{Container: 2 * gib, Head: true},
			want: Memory{Overhead: 1152 * mib, ObjectStore: 268 * mib, Heap: 896*mib - 268*mib},
		},
		{
			name: "small shm caps the object store",
			o:    MemoryOptions{Container: 8 * gib, CPUs: 1, ShmAvailable: 500 * mib},
			want: Memory{Overhead: 640 * mib, ObjectStore: 500 * mib, Heap: 7552*mib - 500*mib},
		},
		{
			name: "tiny shm: Ray's minimum, Ray then uses the temp dir",
			o:    MemoryOptions{Container: 8 * gib, CPUs: 1, ShmAvailable: 10 * mib},
			want: Memory{Overhead: 640 * mib, ObjectStore: MinObjectStore, Heap: 7552*mib - MinObjectStore},
		},
		{
			name: "explicit object store is kept, shm or not",
			o:    MemoryOptions{Container: 8 * gib, CPUs: 1, ObjectStore: 3 * gib, ShmAvailable: 1 * gib},
			want: Memory{Overhead: 640 * mib, ObjectStore: 3 * gib, Heap: 7552*mib - 3*gib},
		},
		{
			name: "reserved for the driver",
			o:    MemoryOptions{Container: 4 * gib, Head: true, CPUs: 1, Reserved: 512 * mib},
			want: Memory{Reserved: 512 * mib, Overhead: 1152 * mib, ObjectStore: 729 * mib, Heap: 2432*mib - 729*mib},
		},
		{name: "reserved leaves too little", o: MemoryOptions{Container: 2 * gib, Head: true, CPUs: 1, Reserved: 1 * gib}, err: ErrMemoryTooSmall},
		{name: "head in 1g", o: MemoryOptions{Container: 1 * gib, Head: true, CPUs: 1}, err: ErrMemoryTooSmall},
		{name: "object store too big", o: MemoryOptions{Container: 4 * gib, CPUs: 1, ObjectStore: 3500 * mib}, err: ErrMemoryTooSmall},
		{name: "object store below Ray's minimum", o: MemoryOptions{Container: 4 * gib, CPUs: 1, ObjectStore: 10 * mib}, err: ErrMemoryTooSmall},
		{name: "negative", o: MemoryOptions{Container: -1}, err: ErrMemoryTooSmall},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := SplitMemory(c.o)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.want.Container = c.o.Container
			if got != c.want {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
			if got.Reserved+got.Overhead+got.ObjectStore+got.Heap != got.Container {
				t.Fatalf("%+v does not add up", got)
			}
		})
	}
}

func TestShmAvailable(t *testing.T) {
	n, err := ShmAvailable()
	if err != nil {
		t.Skipf("no /dev/shm here: %v", err)
	}
	if n <= 0 {
		t.Fatalf("/dev/shm has %d bytes free", n)
	}
}
