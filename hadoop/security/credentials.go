package security

// Hadoop token storage ("HDTS") as written by Credentials.writeTokenStorageToStream:
// HADOOP_TOKEN_FILE_LOCATION files, the NodeManager's container_tokens and the
// bytes of ContainerLaunchContextProto.tokens.
//
//	+--------+--------+--------------------------------------------------+
//	| "HDTS" | format | body                                             |
//	| 4 B    | 1 B    |                                                  |
//	+--------+--------+--------------------------------------------------+
//	format 0 WRITABLE (Credentials.write):
//	  VInt nTokens  { Text alias, Token (Writable form, token.go) } x nTokens
//	  VInt nSecrets { Text alias, VInt len, len bytes }             x nSecrets
//	format 1 PROTOBUF (Credentials.writeProto, writeDelimitedTo):
//	  varint len, CredentialsProto { repeated CredentialsKVProto tokens = 1;
//	                                 repeated CredentialsKVProto secrets = 2 }
//
// Hadoop 3.3/3.4 read both and write format 0 by default "for compatibility"
// (writeTokenStorageToStream(os) and writeTokenStorageFile); the YARN client,
// RM and NM all use that default, and 2.x readers only know format 0. So our
// default is format 0 too. Java iterates HashMaps when writing; we sort
// aliases so that equal credentials give equal bytes.

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// Format is the serialization after the HDTS magic (Credentials.SerializedFormat).
type Format byte

const (
	// FormatWritable is SerializedFormat.WRITABLE (0), Hadoop's default.
	FormatWritable Format = 0
	// FormatProtobuf is SerializedFormat.PROTOBUF (1), readable by Hadoop >= 3.1.
	FormatProtobuf Format = 1
	// DefaultFormat is what Hadoop 3.x clients, RM and NM write.
	DefaultFormat = FormatWritable
)

// MaxFileSize bounds what Read accepts. Real token files are a few KiB; the
// bound keeps a wrong path (a log, a device) from being read into memory.
const MaxFileSize = 64 << 20

// hdtsMagic starts every token storage file (Credentials.TOKEN_STORAGE_MAGIC).
const hdtsMagic = "HDTS"

func (f Format) String() string {
	switch f {
	case FormatWritable:
		return "WRITABLE"
	case FormatProtobuf:
		return "PROTOBUF"
	}
	return fmt.Sprintf("Format(%d)", byte(f))
}

// Credentials is a bag of tokens and secret keys, each under an alias
// (org.apache.hadoop.security.Credentials). Java uses a token's service as
// its alias; aliases are unique, adding under an existing alias replaces.
// The zero value is empty and ready to use.
type Credentials struct {
	Tokens  map[string]Token
	Secrets map[string]Secret
}

// NewCredentials returns empty credentials.
func NewCredentials() *Credentials {
	return &Credentials{Tokens: map[string]Token{}, Secrets: map[string]Secret{}}
}

// Add stores t under alias, replacing any token already there.
func (c *Credentials) Add(alias string, t Token) {
	if c.Tokens == nil {
		c.Tokens = map[string]Token{}
	}
	c.Tokens[alias] = t
}

// AddSecret stores the secret key s under alias, replacing any there.
func (c *Credentials) AddSecret(alias string, s Secret) {
	if c.Secrets == nil {
		c.Secrets = map[string]Secret{}
	}
	c.Secrets[alias] = s
}

// Token returns the token stored under alias.
func (c *Credentials) Token(alias string) (Token, bool) {
	if c == nil {
		return Token{}, false
	}
	t, ok := c.Tokens[alias]
	return t, ok
}

// Secret returns the secret key stored under alias.
func (c *Credentials) Secret(alias string) (Secret, bool) {
	if c == nil {
		return nil, false
	}
	s, ok := c.Secrets[alias]
	return s, ok
}

// TokensOfKind returns the tokens of the given kind in alias order.
func (c *Credentials) TokensOfKind(kind string) []Token {
	var out []Token
	if c == nil {
		return out
	}
	for _, alias := range slices.Sorted(maps.Keys(c.Tokens)) {
		if t := c.Tokens[alias]; t.Kind == kind {
			out = append(out, t)
		}
	}
	return out
}

// WithoutKinds returns a copy of c (maps copied, tokens shared) without the
// tokens of the given kinds; an AM passes its credentials on to the
// containers it launches minus its YARN_AM_RM_TOKEN.
func (c *Credentials) WithoutKinds(kinds ...string) *Credentials {
	out := NewCredentials()
	if c == nil {
		return out
	}
	for alias, t := range c.Tokens {
		if !slices.Contains(kinds, t.Kind) {
			out.Tokens[alias] = t
		}
	}
	maps.Copy(out.Secrets, c.Secrets)
	return out
}

// ReadFile reads a token storage file such as $HADOOP_TOKEN_FILE_LOCATION.
func ReadFile(path string) (*Credentials, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	defer f.Close()
	c, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("read credentials file %s: %w", path, err)
	}
	return c, nil
}

// Read reads token storage (either format) until EOF; at most MaxFileSize bytes.
func Read(r io.Reader) (*Credentials, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: credentials larger than %d bytes", ErrMalformed, MaxFileSize)
	}
	return Unmarshal(data)
}

// Unmarshal decodes token storage bytes (either format), e.g. the tokens
// field of a ContainerLaunchContext. Bytes after the body are ignored, as
// Java's readTokenStorageStream ignores them. A repeated alias keeps the
// last entry, as Java's HashMap.put does. Errors wrap ErrMalformed and say
// which entry and field was bad.
func Unmarshal(b []byte) (*Credentials, error) {
	if len(b) < len(hdtsMagic) {
		return nil, fmt.Errorf("%w: %d bytes are too short for the HDTS magic: %w", ErrMalformed, len(b), io.ErrUnexpectedEOF)
	}
	if string(b[:len(hdtsMagic)]) != hdtsMagic {
		return nil, fmt.Errorf("%w: bad magic %q, want %q (not a Hadoop token storage file)", ErrMalformed, b[:len(hdtsMagic)], hdtsMagic)
	}
	if len(b) == len(hdtsMagic) {
		return nil, fmt.Errorf("%w: format byte missing after HDTS magic: %w", ErrMalformed, io.ErrUnexpectedEOF)
	}
	body := b[len(hdtsMagic)+1:]
	var c *Credentials
	var err error
	switch f := Format(b[len(hdtsMagic)]); f {
	case FormatWritable:
		c, err = unmarshalWritable(bytes.NewReader(body))
	case FormatProtobuf:
		c, err = unmarshalProto(body)
	default:
		return nil, fmt.Errorf("%w: unknown credentials format %d", ErrMalformed, byte(f))
	}
	if err != nil {
		return nil, fmt.Errorf("credentials (format %v): %w", Format(b[len(hdtsMagic)]), err)
	}
	return c, nil
}

func unmarshalWritable(r *bytes.Reader) (*Credentials, error) {
	c := NewCredentials()
	n, err := readCount(r, "token")
	if err != nil {
		return nil, err
	}
	for i := range n {
		alias, err := ReadText(r)
		if err != nil {
			return nil, fmt.Errorf("token %d alias: %w", i, err)
		}
		t, err := ReadTokenWritable(r)
		if err != nil {
			return nil, fmt.Errorf("token %d (alias %q): %w", i, alias, err)
		}
		c.Tokens[alias] = t
	}
	if n, err = readCount(r, "secret"); err != nil {
		return nil, err
	}
	for i := range n {
		alias, err := ReadText(r)
		if err != nil {
			return nil, fmt.Errorf("secret %d alias: %w", i, err)
		}
		s, err := ReadVIntBytes(r)
		if err != nil {
			return nil, fmt.Errorf("secret %d (alias %q): %w", i, alias, err)
		}
		c.Secrets[alias] = s
	}
	return c, nil
}

// readCount reads an entry count. Maps are not sized from it: each entry
// takes input bytes, so a corrupt count ends at the end of the input.
func readCount(r io.Reader, what string) (int, error) {
	n, err := ReadVInt(r)
	if err != nil {
		return 0, fmt.Errorf("%s count: %w", what, short("vint", err))
	}
	if n < 0 {
		return 0, fmt.Errorf("%w: %s count %d is negative", ErrMalformed, what, n)
	}
	return int(n), nil
}

func unmarshalProto(b []byte) (*Credentials, error) {
	l, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return nil, fmt.Errorf("%w: CredentialsProto length: %w", ErrMalformed, protowire.ParseError(n))
	}
	if l > uint64(len(b)-n) {
		return nil, fmt.Errorf("%w: CredentialsProto of %d bytes, only %d left: %w", ErrMalformed, l, len(b)-n, io.ErrUnexpectedEOF)
	}
	var m commonpb.CredentialsProto
	if err := proto.Unmarshal(b[n:n+int(l)], &m); err != nil {
		return nil, fmt.Errorf("%w: CredentialsProto: %w", ErrMalformed, err)
	}
	c := NewCredentials()
	for _, kv := range m.GetTokens() {
		c.Tokens[kv.GetAlias()] = TokenFromProto(kv.GetToken())
	}
	for _, kv := range m.GetSecrets() {
		c.Secrets[kv.GetAlias()] = nonNil(kv.GetSecret())
	}
	return c, nil
}

// Marshal encodes c as token storage in format f, aliases sorted.
func (c *Credentials) Marshal(f Format) ([]byte, error) {
	if c == nil {
		c = &Credentials{}
	}
	if err := c.checkSizes(); err != nil {
		return nil, err
	}
	b := append([]byte(hdtsMagic), byte(f))
	tokens := slices.Sorted(maps.Keys(c.Tokens))
	secrets := slices.Sorted(maps.Keys(c.Secrets))
	switch f {
	case FormatWritable:
		b = AppendVInt(b, int32(len(tokens)))
		for _, a := range tokens {
			b = AppendText(b, a)
			b = c.Tokens[a].AppendWritable(b)
		}
		b = AppendVInt(b, int32(len(secrets)))
		for _, a := range secrets {
			b = AppendText(b, a)
			b = AppendVIntBytes(b, c.Secrets[a])
		}
		return b, nil
	case FormatProtobuf:
		m := &commonpb.CredentialsProto{}
		for _, a := range tokens {
			m.Tokens = append(m.Tokens, &commonpb.CredentialsKVProto{Alias: proto.String(a), Token: c.Tokens[a].Proto()})
		}
		for _, a := range secrets {
			// Java sets the secret field even when empty: keep it present.
			m.Secrets = append(m.Secrets, &commonpb.CredentialsKVProto{Alias: proto.String(a), Secret: nonNil(c.Secrets[a])})
		}
		body, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("encode CredentialsProto: %w", err)
		}
		b = protowire.AppendVarint(b, uint64(len(body)))
		return append(b, body...), nil
	}
	return nil, fmt.Errorf("encode credentials: unknown format %d", byte(f))
}

// checkSizes refuses what the int32 lengths of the Writable form cannot
// express, instead of writing a silently truncated length.
func (c *Credentials) checkSizes() error {
	tooBig := func(n int) bool { return n > math.MaxInt32 }
	for a, t := range c.Tokens {
		if tooBig(len(a)) || tooBig(len(t.Identifier)) || tooBig(len(t.Password)) || tooBig(len(t.Kind)) || tooBig(len(t.Service)) {
			return fmt.Errorf("encode credentials: token %q has a field over 2 GiB", a)
		}
	}
	for a, s := range c.Secrets {
		if tooBig(len(a)) || tooBig(len(s)) {
			return fmt.Errorf("encode credentials: secret %q is over 2 GiB", a)
		}
	}
	return nil
}

// WriteTo writes c in DefaultFormat (io.WriterTo).
func (c *Credentials) WriteTo(w io.Writer) (int64, error) {
	return c.WriteFormat(w, DefaultFormat)
}

// WriteFormat writes c in format f.
func (c *Credentials) WriteFormat(w io.Writer, f Format) (int64, error) {
	b, err := c.Marshal(f)
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	if err != nil {
		return int64(n), fmt.Errorf("write credentials: %w", err)
	}
	return int64(n), nil
}

// WriteFile writes c to path in format f, readable by the owner only
// (it holds passwords). It writes a temporary file in the same directory
// and renames it, so a reader never sees half a file.
func (c *Credentials) WriteFile(path string, f Format) (err error) {
	b, err := c.Marshal(f)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write credentials file: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(b); err != nil {
		return fmt.Errorf("write credentials file %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write credentials file %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write credentials file %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write credentials file %s: %w", path, err)
	}
	return nil
}
