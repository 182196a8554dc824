package submitter

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func rayOptions(t *testing.T) Options {
	t.Helper()
	script := filepath.Join(t.TempDir(), "train.py")
	if err := os.WriteFile(script, []byte("print(1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := Defaults()
	o.Script, o.NumNodes = script, 3
	return o
}

func TestResolveDefaultMemoryFollowsTheKindOfApplication(t *testing.T) {
	ray, err := Resolve(rayOptions(t), "alice")
	if err != nil {
		t.Fatalf("a Ray program with the defaults: %v", err)
	}
	if want, _ := ParseMiB(DefaultRayMemory); ray.Container.MemoryMB != want {
		t.Errorf("Ray container %d MiB, want %d", ray.Container.MemoryMB, want)
	}
	o := Defaults()
	o.Command = "hostname"
	cmd, err := Resolve(o, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := ParseMiB(DefaultMemory); cmd.Container.MemoryMB != want {
		t.Errorf("command container %d MiB, want %d", cmd.Container.MemoryMB, want)
	}
}

// A container that cannot hold a Ray node is refused before anything is submitted, with the fix.
func TestResolveRefusesRayNodesThatCannotFit(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Options)
		want string // "" accepted
	}{
		{"head of 1 CPU in 1 GiB", func(o *Options) { o.Memory = "1g" }, "give more --memory"},
		{"1.5 GiB: fits a head without its driver (client mode)", func(o *Options) {
			o.Memory, o.DeployMode, o.Detach, o.Script = "1536m", "client", true, ""
		}, ""},
		{"1.5 GiB: the driver's reserve does not fit beside the head", func(o *Options) { o.Memory = "1536m" }, "512 MiB reserved"},
		{"many CPUs take idle workers' memory", func(o *Options) { o.Memory, o.Cores = "2g", 8 }, "8 CPUs"},
		{"object store too large", func(o *Options) { o.Memory, o.ObjectStoreMemory = "4g", "3g" }, "or a smaller --object-store-memory"},
		{"object store below Ray's floor", func(o *Options) { o.ObjectStoreMemory = "16m" }, "below Ray's minimum"},
		{"command applications are not Ray nodes", func(o *Options) { o.Script, o.Command, o.Memory = "", "hostname", "256m" }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := rayOptions(t)
			c.edit(&o)
			_, err := Resolve(o, "alice")
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want ErrBadInput mentioning %q, got %v", c.want, err)
			}
			if strings.Contains(err.Error(), "raynode:") {
				t.Errorf("the package prefix leaked into a user's error: %v", err)
			}
		})
	}
}
