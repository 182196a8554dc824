package stage

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkHashFile20MB is the content-address cost of one orca-yarn binary (~20 MB).
func BenchmarkHashFile20MB(b *testing.B) {
	data := make([]byte, 20<<20)
	_, _ = rand.Read(data)
	p := filepath.Join(b.TempDir(), "orca-yarn")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := hashFile(context.Background(), p, "orca-yarn"); err != nil {
			b.Fatal(err)
		}
	}
}
