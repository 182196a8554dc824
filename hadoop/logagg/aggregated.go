package logagg

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// AggregatedLogFormat (org.apache.hadoop.yarn.logaggregation.AggregatedLogFormat) is a TFile
// whose keys are writeUTF strings. Three keys are reserved; every other key is a container id:
//
//	"VERSION"            value: int32 1
//	"APPLICATION_ACL"    value: (writeUTF accessType, writeUTF acl)*   (often empty)
//	"APPLICATION_OWNER"  value: writeUTF user
//	"container_..."      value: (writeUTF fileName, writeUTF decimal length, length bytes)*
//
// One node file holds the containers that ran on one NodeManager, each with every file of its
// LOG_DIR (stdout, stderr, prelaunch.out, launch_container.sh, directory.info, ...).

// ContainerLog is one file of one container's LOG_DIR, as a NodeManager aggregated it.
type ContainerLog struct {
	// Node is the NodeManager's NodeId, "host:port", as recovered from the node file's name.
	Node string
	// NodeFile is the node file's name in the application's log directory.
	NodeFile string
	// Container is the container id, e.g. container_1700000000000_0001_01_000002.
	Container string
	// File is the file's name in the container's LOG_DIR: "stdout", "stderr", ...
	File string
	// Size is the file's length when the NodeManager uploaded it.
	Size int64
	// Data streams the file's Size bytes. It is valid only until the callback returns; what
	// the callback leaves unread is skipped.
	Data io.Reader
}

// NodeFile is what a node file says besides the logs.
type NodeFile struct {
	Name string // the file's name, e.g. nm1.example.com_8041
	Node string // the NodeManager's NodeId, host:port
	// Owner is the application's user (APPLICATION_OWNER).
	Owner string
	// ACLs maps an access type (VIEW_APP, MODIFY_APP) to its ACL (APPLICATION_ACL).
	ACLs map[string]string
	// Version is the format version the writer stamped (1 since Hadoop 0.23).
	Version int32
	// Containers is how many containers the file holds logs of.
	Containers int
}

// ReadNodeFile decodes one aggregated node file (TFile format) of size bytes from r, calling fn
// for every container log file in the order the NodeManager wrote them. name is the node
// file's name, from which Node is derived. An error from fn stops the walk and is returned
// as is; a malformed file gives an error wrapping ErrCorrupt (or ErrUnsupported).
func ReadNodeFile(ctx context.Context, r io.ReaderAt, size int64, name string, fn func(ContainerLog) error) (NodeFile, error) {
	nf, err := readNodeFile(ctx, r, size, name, fn)
	var cb callbackError
	if errors.As(err, &cb) {
		return nf, cb.err
	}
	return nf, err
}

// readNodeFile is ReadNodeFile with fn's errors wrapped in callbackError, and the file's own
// problems wrapped with its name.
func readNodeFile(ctx context.Context, r io.ReaderAt, size int64, name string, fn func(ContainerLog) error) (NodeFile, error) {
	nf := NodeFile{Name: name, Node: nodeFromFileName(name)}
	tf, err := openTFile(ctx, r, size)
	if err != nil {
		return nf, fmt.Errorf("node file %s: %w", name, err)
	}
	err = tf.scan(ctx, func(key []byte, value io.Reader) error {
		k, err := decodeKey(key)
		if err != nil {
			return err
		}
		switch k {
		case "VERSION":
			var v [4]byte
			if _, err := io.ReadFull(value, v[:]); err != nil {
				return eofCorrupt(err, "VERSION value")
			}
			nf.Version = int32(binary.BigEndian.Uint32(v[:]))
			return nil
		case "APPLICATION_OWNER":
			if nf.Owner, err = readUTF(value, false); err != nil {
				return eofCorrupt(err, "APPLICATION_OWNER value")
			}
			return nil
		case "APPLICATION_ACL":
			return readACLs(value, &nf)
		}
		nf.Containers++
		return readContainer(value, ContainerLog{Node: nf.Node, NodeFile: name, Container: k}, fn)
	})
	var cb callbackError
	if err != nil && !errors.As(err, &cb) {
		err = fmt.Errorf("node file %s: %w", name, err)
	}
	return nf, err
}

// decodeKey unwraps a record key: LogKey.write puts the key string through writeUTF.
func decodeKey(key []byte) (string, error) {
	if len(key) < 2 || int(binary.BigEndian.Uint16(key)) != len(key)-2 {
		return "", corruptf("record key of %d bytes is not a writeUTF string", len(key))
	}
	return decodeModifiedUTF8(key[2:])
}

func readACLs(value io.Reader, nf *NodeFile) error {
	for {
		typ, err := readUTF(value, true)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return eofCorrupt(err, "APPLICATION_ACL access type")
		}
		acl, err := readUTF(value, false)
		if err != nil {
			return eofCorrupt(err, "APPLICATION_ACL acl")
		}
		if nf.ACLs == nil {
			nf.ACLs = map[string]string{}
		}
		nf.ACLs[typ] = acl
	}
}

// callbackError marks an error that came from the caller's fn, so that it is returned as is
// and never mistaken for a problem with the file.
type callbackError struct{ err error }

func (e callbackError) Error() string { return e.err.Error() }
func (e callbackError) Unwrap() error { return e.err }

func readContainer(value io.Reader, cl ContainerLog, fn func(ContainerLog) error) error {
	for {
		file, err := readUTF(value, true)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return eofCorrupt(err, cl.Container+": file name")
		}
		sizeStr, err := readUTF(value, false)
		if err != nil {
			return eofCorrupt(err, cl.Container+"/"+file+": length")
		}
		size, err := strconv.ParseInt(sizeStr, 10, 64)
		if err != nil || size < 0 {
			return corruptf("%s/%s: length %q is not a file size", cl.Container, file, sizeStr)
		}
		cl.File, cl.Size = file, size
		data := &exactReader{r: io.LimitReader(value, size), left: size}
		cl.Data = data
		if err := fn(cl); err != nil {
			if data.err != nil && errors.Is(err, data.err) {
				// fn only passed on the file's own failure: report it as the file's.
				return fmt.Errorf("%s/%s: %w", cl.Container, file, data.err)
			}
			return callbackError{err}
		}
		if _, err := io.Copy(io.Discard, data); err != nil {
			return fmt.Errorf("%s/%s: %w", cl.Container, file, err)
		}
	}
}

// exactReader reads the announced length of a log file and says so when the value ends first.
// It remembers the error it gave, to tell it from the callback's own.
type exactReader struct {
	r    io.Reader
	left int64
	err  error
}

func (e *exactReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.left -= int64(n)
	switch {
	case errors.Is(err, io.EOF) && e.left > 0:
		e.err = corruptf("log file ends %d bytes short of its announced length", e.left)
		return n, e.err
	case err != nil && !errors.Is(err, io.EOF):
		e.err = err
	}
	return n, err
}

// nodeFromFileName turns a node file's name back into the NodeId it was made from:
// LogAggregationUtils.getNodeString replaces the ':' of host:port with '_', and rolling
// aggregation appends "_<upload time in ms>".
func nodeFromFileName(name string) string {
	parts := strings.Split(name, "_")
	if n := len(parts); n >= 3 && isDigits(parts[n-1]) && len(parts[n-1]) > 5 && isDigits(parts[n-2]) {
		parts = parts[:n-1] // a port has at most 5 digits; a millisecond timestamp has 13
	}
	if n := len(parts); n >= 2 && isDigits(parts[n-1]) {
		return strings.Join(parts[:n-1], "_") + ":" + parts[n-1]
	}
	return name
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
