package condapack

import (
	"archive/tar"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"
)

// The writer side of Pack: one goroutine takes the slots in archive order and writes the tar.

func (p *packer) write(ctx context.Context, tw *tar.Writer, b *budget, order <-chan *slot) error {
	// Directories get one fixed time (the newest file's): their real mtimes move whenever a file
	// inside is created or removed and are not in the manifest hash.
	fixed := time.Unix(p.m.newest/1e9, 0)
	written := 0
	for s := range order {
		t := time.Now()
		select {
		case <-s.ready:
		case <-ctx.Done():
			return ctx.Err()
		}
		p.stats.Read += time.Since(t)
		if s.err != nil {
			return s.err
		}
		if err := p.writeEntry(ctx, tw, s, fixed); err != nil {
			return err
		}
		b.release(s.reserved)
		written++
	}
	if written != len(p.m.entries) {
		return errors.New("pack stopped before the last entry")
	}
	p.stats.Entries = written
	p.stats.BytesIn = p.bytesIn.Load()
	p.stats.Relocated = int(p.relocs.Load())
	info, err := json.MarshalIndent(p.info(), "", "  ")
	if err != nil {
		return err
	}
	info = append(info, '\n')
	t := time.Now()
	defer func() { p.stats.Compress += time.Since(t) }()
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: infoFile, Mode: 0o644, Size: int64(len(info)), ModTime: fixed}
	if err := tw.WriteHeader(hdr); err != nil {
		return outputErr(err)
	}
	if _, err := tw.Write(info); err != nil {
		return outputErr(err)
	}
	return outputErr(tw.Close())
}

func (p *packer) writeEntry(ctx context.Context, tw *tar.Writer, s *slot, fixed time.Time) error {
	e := s.e
	hdr := &tar.Header{Name: e.rel, Mode: int64(e.mode.Perm()), ModTime: time.Unix(e.mtime/1e9, 0)}
	switch {
	case e.isDir():
		hdr.Typeflag, hdr.Name, hdr.ModTime = tar.TypeDir, e.rel+"/", fixed
	case e.isLink():
		hdr.Typeflag, hdr.Linkname, hdr.Mode = tar.TypeSymlink, s.link, 0o777
	case e.hardOf != "":
		hdr.Typeflag, hdr.Linkname = tar.TypeLink, e.hardOf
	default:
		hdr.Typeflag, hdr.Size = tar.TypeReg, s.size
	}
	t := time.Now()
	defer func() { p.stats.Compress += time.Since(t) }()
	if err := tw.WriteHeader(hdr); err != nil {
		return outputErr(err)
	}
	if hdr.Typeflag != tar.TypeReg {
		return nil
	}
	if s.stream == nil {
		for i, c := range s.chunks {
			_, err := tw.Write(c.data)
			p.bufs.put(c.buf)
			s.chunks[i] = chunk{}
			if err != nil {
				return outputErr(err)
			}
		}
		return nil
	}
	for {
		// Waiting for the next chunk is reading time, not compressing time.
		w := time.Now()
		var c chunk
		var ok bool
		select {
		case c, ok = <-s.stream:
		case <-ctx.Done():
			return ctx.Err()
		}
		waited := time.Since(w)
		p.stats.Read += waited
		t = t.Add(waited)
		if !ok {
			return s.err // set before the stream closed
		}
		_, err := tw.Write(c.data)
		p.bufs.put(c.buf)
		if err != nil {
			return outputErr(err)
		}
	}
}

// outputErr classifies a failure to write the archive; a full disk says so.
func outputErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrChanged), errors.Is(err, ErrOutput), errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, syscall.ENOSPC):
		return classify(ErrOutput, fmt.Errorf("write archive: %w: free space or write the archive to another disk", err))
	}
	return classify(ErrOutput, fmt.Errorf("write archive: %w", err))
}

// bufWriter batches the tar's 512-byte headers for an uncompressed archive.
type bufWriter struct{ *bufio.Writer }

func newBufWriter(w io.Writer) *bufWriter { return &bufWriter{bufio.NewWriterSize(w, 1<<20)} }
