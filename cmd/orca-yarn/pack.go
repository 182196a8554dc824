package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/orca-yarn/orca-yarn/condapack"
	"github.com/orca-yarn/orca-yarn/errclass"
	"github.com/orca-yarn/orca-yarn/hadoop/hdfsconn"
	"github.com/orca-yarn/orca-yarn/submitter"
	"github.com/orca-yarn/orca-yarn/submitter/envcache"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
)

// packCommand is `orca-yarn pack`: the env packing of submit on its own, to see what it costs
// and to fill the HDFS env cache ahead of time.
func packCommand() *cli.Command {
	return &cli.Command{
		Name:  "pack",
		Usage: "pack a Python env into a relocatable .tar.gz (prints hash, sizes and the time split)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "env", Value: "auto", Usage: "auto (the active conda env, else venv) or a `PATH`"},
			&cli.StringFlag{Name: "o", Usage: "write the archive to `FILE` (default ./orca-env-<hash>.tar.gz; with --upload, a temporary file)"},
			&cli.IntFlag{Name: "level", Value: condapack.DefaultLevel, Usage: "gzip level, 1 (fastest) to 9 (smallest)"},
			&cli.BoolFlag{Name: "verify", Usage: "read every file: content into the hash, conda's checksums compared"},
			&cli.BoolFlag{Name: "strict", Usage: "refuse what is otherwise a warning (RPATH or symlink leaving the env, an unrewritable prefix)"},
			&cli.BoolFlag{Name: "upload", Usage: "store the archive in the HDFS env cache (nothing is packed if it is there) and print its URI"},
			&cli.BoolFlag{Name: "public", Usage: "with --upload: PUBLIC visibility when the cache directory allows it"},
			&cli.BoolFlag{Name: "ignore-editable", Usage: "pack an env with editable installs (they will not import in containers)"},
			&cli.BoolFlag{Name: "ignore-missing", Usage: "pack a conda env whose managed files are partly missing"},
			&cli.BoolFlag{Name: "ignore-clobbered", Usage: "pack conda-managed files changed after install as they are"},
			outputFlag,
		},
		Action: func(c *cli.Context) error {
			if err := checkOutput(c); err != nil {
				return usageError(err)
			}
			if c.Args().Len() > 0 {
				return usageError(fmt.Errorf("pack takes no arguments (got %q); name the env with --env PATH", c.Args().First()))
			}
			if l := c.Int("level"); l < 1 || l > 9 {
				return usageError(fmt.Errorf("--level %d: want 1 (fastest) to 9 (smallest)", l))
			}
			if c.Bool("public") && !c.Bool("upload") {
				return usageError(errors.New("--public applies to --upload"))
			}
			// The packer's own buffers are bounded (condapack doc); a soft limit keeps the
			// collector from letting garbage double the heap: peak RSS stays under 200 MB.
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(packMemoryLimit)
			}
			ctx, interrupted := interruptContext(c.Context)
			res, err := runPack(ctx, c)
			if err != nil {
				if sig := interrupted(); sig != nil {
					err = packInterrupted(sig, err)
				}
				if c.String("output") == "json" {
					// Scripts read the last stdout line whatever happened, as with submit.
					_ = json.NewEncoder(c.App.Writer).Encode(map[string]any{"error": err.Error(), "exit_code": exitCodeFor(err)})
				}
				return err
			}
			if c.String("output") == "json" {
				return res.printJSON(c.App.Writer)
			}
			return res.printText(c.App.Writer)
		},
	}
}

// packMemoryLimit is the Go runtime's soft memory limit while packing.
const packMemoryLimit = 150 << 20

// packResult is what pack prints.
type packResult struct {
	env      *condapack.Env
	manifest *condapack.Manifest
	key      string
	dest     string
	path     string // local file, or the hdfs:// URI with --upload
	size     int64
	reused   bool
	vis      string
	stats    *condapack.Stats // nil when reused
}

func runPack(ctx context.Context, c *cli.Context) (*packResult, error) {
	log := logger(c)
	spec := c.String("env")
	if spec == "none" {
		return nil, usageError(errors.New("--env none: there is nothing to pack"))
	}
	env, err := condapack.Find(spec, os.Getenv, log)
	if err != nil {
		return nil, packErr(ctx, err)
	}
	scan := condapack.ScanOptions{
		Verify: c.Bool("verify"), IgnoreEditable: c.Bool("ignore-editable"),
		IgnoreMissing: c.Bool("ignore-missing"), IgnoreClobbered: c.Bool("ignore-clobbered"), Log: log,
	}
	opts := condapack.PackOptions{Level: c.Int("level"), Strict: c.Bool("strict"), Log: log}
	if c.Bool("upload") {
		return packUpload(ctx, c, env, scan, opts, log)
	}
	who, err := packUser(os.Getenv)
	if err != nil {
		return nil, usageError(err)
	}
	vis := yarnpb.LocalResourceVisibilityProto_PRIVATE
	for attempt := 1; ; attempt++ {
		m, err := condapack.Scan(ctx, env, scan)
		if err != nil {
			return nil, packErr(ctx, err)
		}
		r := &packResult{env: env, manifest: m, vis: vis.String()}
		// The destination submit would use, so this archive is the one submit would upload.
		opts.Dest = envcache.Dest(who, m.Hash, vis)
		r.dest, r.key = opts.Dest, m.Key(opts.Dest)
		r.path = c.String("o")
		if r.path == "" {
			r.path = "orca-env-" + r.key[:16] + ".tar.gz"
		}
		r.stats, err = m.PackFile(ctx, r.path, opts)
		if errors.Is(err, condapack.ErrChanged) && attempt < 3 && ctx.Err() == nil {
			log.WithError(err).Warn("the env changed while it was packed; scanning it again")
			continue
		}
		if err != nil {
			return nil, packErr(ctx, err)
		}
		r.size = r.stats.BytesOut
		return r, nil
	}
}

func packUpload(ctx context.Context, c *cli.Context, env *condapack.Env, scan condapack.ScanOptions,
	opts condapack.PackOptions, log *logrus.Entry) (*packResult, error) {
	cl, err := connect(c)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	nn, err := cl.Conf.NameNodes()
	if err != nil {
		return nil, errclass.Wrap(errclass.BadInput, err)
	}
	fs, err := stage.NewHDFS(ctx, cl.Conf, hdfsconn.Options{User: cl.User})
	if err != nil {
		return nil, err
	}
	defer fs.Close()
	out := c.String("o")
	if out != "" {
		if out, err = filepath.Abs(out); err != nil {
			return nil, usageError(err)
		}
	}
	res, err := envcache.New(fs, cl.User, log).Ensure(ctx, envcache.Request{
		Env: env, Scan: scan, Pack: opts, Public: c.Bool("public"), Output: out, Repack: out != "",
	})
	if err != nil {
		return nil, err
	}
	return &packResult{
		env: env, manifest: res.Manifest, key: res.Key, dest: res.Dest, path: envcache.URI(res.Resource, nn),
		size: res.Resource.Size, reused: res.Resource.Reused, vis: res.Resource.Visibility.String(), stats: res.Stats,
	}, nil
}

// packUser is who the archive is packed for, by the rule every Hadoop client and the submitter
// follow: HADOOP_USER_NAME, else the OS user. It is part of the destination.
func packUser(getenv func(string) string) (string, error) {
	if u := getenv("HADOOP_USER_NAME"); u != "" {
		return u, nil
	}
	u, err := user.Current()
	if err != nil {
		return "", fmt.Errorf("who am I: %w; set HADOOP_USER_NAME", err)
	}
	return u.Username, nil
}

// packErr classifies a condapack failure: all of them are the user's to fix (exit 2).
func packErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	return errclass.Wrap(errclass.BadInput, err)
}

func packInterrupted(sig os.Signal, err error) error {
	if sig == syscall.SIGTERM {
		return fmt.Errorf("%w: SIGTERM: pack stopped, nothing published: %w", submitter.ErrInterruptedTerm, err)
	}
	return fmt.Errorf("%w: SIGINT: pack stopped, nothing published: %w", submitter.ErrInterrupted, err)
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

func (r *packResult) printJSON(w io.Writer) error {
	out := struct {
		Hash       string `json:"hash"`
		Path       string `json:"path"`
		Size       int64  `json:"size"`
		Reused     bool   `json:"reused"`
		WalkMS     int64  `json:"walk_ms"`
		ReadMS     int64  `json:"read_ms"`
		CompressMS int64  `json:"compress_ms"`
		WriteMS    int64  `json:"write_ms"`
	}{Hash: r.key, Path: r.path, Size: r.size, Reused: r.reused, WalkMS: ms(r.manifest.Walk)}
	if s := r.stats; s != nil {
		out.ReadMS, out.CompressMS, out.WriteMS = ms(s.Read), ms(s.Compress), ms(s.Write)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func (r *packResult) printText(w io.Writer) error {
	m := r.manifest
	p := func(k, format string, args ...any) { fmt.Fprintf(w, "%-9s %s\n", k, fmt.Sprintf(format, args...)) }
	p("env", "%s", r.env)
	p("contents", "%d files, %s (%d directories, %d symlinks, %d hard links)", m.Files, human(m.Bytes), m.Dirs, m.Symlinks, m.Hardlinks)
	p("hash", "%s (archive key; env manifest %s)", r.key, m.Hash)
	p("dest", "%s (the launcher links it to the unpacked env)", r.dest)
	if r.stats == nil {
		p("archive", "%s, %s (%s): already in the env cache, nothing packed", r.path, human(r.size), r.vis)
		p("time", "%.2f s scanning the env", m.Walk.Seconds())
		return nil
	}
	s := r.stats
	p("archive", "%s, %s (%.1f%% of %s), %d files relocated", r.path, human(r.size),
		100*float64(s.BytesOut)/float64(max(s.BytesIn, 1)), human(s.BytesIn), s.Relocated)
	if r.vis != "" && len(r.path) > 5 && r.path[:5] == "hdfs:" {
		p("uploaded", "%s", r.vis)
	}
	p("time", "%.2f s, %.0f MB/s: walk %.2f s, read %.2f s, compress %.2f s; write %.2f s (overlaps compress)",
		s.Total.Seconds(), float64(s.BytesIn)/1e6/max(s.Total.Seconds(), 1e-9),
		m.Walk.Seconds(), s.Read.Seconds(), s.Compress.Seconds(), s.Write.Seconds())
	if n := len(s.Warnings) + len(m.Warnings); n > 0 {
		p("warnings", "%d (logged above)", n)
	}
	return nil
}

func human(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
