package condapack

import (
	"bytes"
	"context"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
)

func TestZZProf(t *testing.T) {
	p := os.Getenv("SMOKE_ENV")
	if p == "" {
		t.Skip()
	}
	env, _ := Open(p)
	m, err := Scan(context.Background(), env, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var best []byte
	var bestInuse uint64
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(300 * time.Millisecond):
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > bestInuse {
				runtime.GC()
				var b bytes.Buffer
				pprof.WriteHeapProfile(&b)
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > bestInuse {
					bestInuse = ms.HeapAlloc
					best = b.Bytes()
				}
			}
		}
	}()
	_, err = m.Pack(context.Background(), io.Discard, PackOptions{Dest: "/tmp/oy-0123456789abcdef"})
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("/tmp/heap.prof", best, 0o644)
	t.Logf("max live after GC %d MB", bestInuse>>20)
}
