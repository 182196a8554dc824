package tokens

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/orca-yarn/orca-yarn/hadoop/security"
)

// Token kinds this package fetches or describes.
const (
	KindHDFS = "HDFS_DELEGATION_TOKEN" // DelegationTokenIdentifier.HDFS_DELEGATION_KIND
	KindRM   = "RM_DELEGATION_TOKEN"   // RMDelegationTokenIdentifier.KIND_NAME
	// KindTimeline is decoded like KindRM (YARNDelegationTokenIdentifier).
	KindTimeline = "TIMELINE_DELEGATION_TOKEN"
)

// TokenInfo describes one token for logs and for deciding when to fetch new
// ones. It never holds the password. Identity and dates are filled only
// when the kind's identifier is a delegation token identifier (Decoded).
type TokenInfo struct {
	Alias, Kind, Service string

	Decoded bool
	// Owner is who the token acts as; RealUser is set when Owner was
	// impersonated by RealUser. Renewer is the short name that may renew it.
	Owner, Renewer, RealUser string
	IssueDate                time.Time
	// MaxDate: no renewal extends the token past this instant.
	MaxDate        time.Time
	SequenceNumber int32
}

// Info describes a set of credentials, by alias.
type Info struct {
	Tokens []TokenInfo
}

// Describe decodes the identifiers of every token in c that has a
// delegation token identifier (HDFS, RM, timeline, and any other kind whose
// identifier parses as AbstractDelegationTokenIdentifier). Nothing in c is
// trusted: an identifier that does not decode is listed undecoded.
func Describe(c *security.Credentials) Info {
	var info Info
	if c == nil {
		return info
	}
	for _, alias := range slices.Sorted(maps.Keys(c.Tokens)) {
		t := c.Tokens[alias]
		ti := TokenInfo{Alias: alias, Kind: t.Kind, Service: t.Service}
		if id, ok := decodeIdentifier(t); ok {
			ti.Decoded = true
			ti.Owner, ti.Renewer, ti.RealUser = id.Owner, id.Renewer, id.RealUser
			ti.IssueDate, ti.MaxDate, ti.SequenceNumber = id.IssueDate, id.MaxDate, id.SequenceNumber
		}
		info.Tokens = append(info.Tokens, ti)
	}
	return info
}

// decodeIdentifier picks the identifier format by kind: YARN's delegation
// tokens carry a protobuf, everything else Hadoop issues the Writable form.
func decodeIdentifier(t security.Token) (security.DelegationTokenIdentifier, bool) {
	switch t.Kind {
	case KindRM, KindTimeline:
		id, err := ParseYARNIdentifier(t.Identifier)
		return id, err == nil
	}
	id, err := security.ParseDelegationTokenIdentifier(t.Identifier)
	return id, err == nil
}

// MaxDate is the earliest max date of the decoded tokens: an application
// running past it needs new tokens. Zero when no token has one.
func (i Info) MaxDate() time.Time {
	var earliest time.Time
	for _, t := range i.Tokens {
		if t.Decoded && !t.MaxDate.IsZero() && (earliest.IsZero() || t.MaxDate.Before(earliest)) {
			earliest = t.MaxDate
		}
	}
	return earliest
}

// String is one line per token, for humans.
func (i Info) String() string {
	var b strings.Builder
	for n, t := range i.Tokens {
		if n > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(t.String())
	}
	return b.String()
}

// String describes one token without its password.
func (t TokenInfo) String() string {
	s := fmt.Sprintf("%s service=%q", t.Kind, t.Service)
	if !t.Decoded {
		return s
	}
	s += fmt.Sprintf(" owner=%s renewer=%s", t.Owner, t.Renewer)
	if t.RealUser != "" {
		s += " realUser=" + t.RealUser
	}
	return s + fmt.Sprintf(" issued=%s max=%s seq=%d", fmtDate(t.IssueDate), fmtDate(t.MaxDate), t.SequenceNumber)
}

// Log writes one line per token at Info level.
func (i Info) Log(log *logrus.Entry, msg string) {
	for _, t := range i.Tokens {
		f := logrus.Fields{"kind": t.Kind, "service": t.Service}
		if t.Decoded {
			f["owner"], f["renewer"] = t.Owner, t.Renewer
			f["issued"], f["max_date"] = fmtDate(t.IssueDate), fmtDate(t.MaxDate)
			if t.RealUser != "" {
				f["real_user"] = t.RealUser
			}
		}
		log.WithFields(f).Info(msg)
	}
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// The identifier of YARN's delegation tokens (YARNDelegationTokenIdentifier:
// RM_DELEGATION_TOKEN, TIMELINE_DELEGATION_TOKEN) is a bare protobuf,
// yarn_security_token.proto:
//
//	message YARNDelegationTokenIdentifierProto {
//	  optional string owner = 1;       optional string renewer = 2;
//	  optional string realUser = 3;    optional int64 issueDate = 4;
//	  optional int64 maxDate = 5;      optional int32 sequenceNumber = 6;
//	  optional int32 masterKeyId = 7;
//	}
//
// Dates are milliseconds since the epoch. It is decoded by hand: orca-yarn
// links no hadoop.yarn protobuf names (colinmarc/hdfs owns hadoop.common's).

// ParseYARNIdentifier decodes the identifier of an RM or timeline delegation
// token. Unknown fields are skipped, as protobuf readers do; a malformed
// field is an error wrapping security.ErrMalformed.
func ParseYARNIdentifier(b []byte) (security.DelegationTokenIdentifier, error) {
	var id security.DelegationTokenIdentifier
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return security.DelegationTokenIdentifier{}, malformed("tag", protowire.ParseError(n))
		}
		b = b[n:]
		var str *string
		switch num {
		case 1:
			str = &id.Owner
		case 2:
			str = &id.Renewer
		case 3:
			str = &id.RealUser
		}
		switch {
		case str != nil && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return security.DelegationTokenIdentifier{}, malformed(fmt.Sprintf("field %d", num), protowire.ParseError(n))
			}
			*str = string(v)
			b = b[n:]
		case num >= 4 && num <= 7 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return security.DelegationTokenIdentifier{}, malformed(fmt.Sprintf("field %d", num), protowire.ParseError(n))
			}
			switch num {
			case 4:
				id.IssueDate = fromMillis(int64(v))
			case 5:
				id.MaxDate = fromMillis(int64(v))
			case 6:
				id.SequenceNumber = int32(v)
			case 7:
				id.MasterKeyID = int32(v)
			}
			b = b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return security.DelegationTokenIdentifier{}, malformed(fmt.Sprintf("field %d", num), protowire.ParseError(n))
			}
			b = b[n:]
		}
	}
	return id, nil
}

// AppendYARNIdentifier encodes id as YARNDelegationTokenIdentifierProto the
// way the RM does: fields in number order, empty names left out (the RM
// sets realUser only for impersonated owners); tests and fake servers use it.
func AppendYARNIdentifier(b []byte, id security.DelegationTokenIdentifier) []byte {
	for i, s := range []string{id.Owner, id.Renewer, id.RealUser} {
		if s == "" {
			continue
		}
		b = protowire.AppendTag(b, protowire.Number(i+1), protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	for i, v := range []int64{toMillis(id.IssueDate), toMillis(id.MaxDate), int64(id.SequenceNumber), int64(id.MasterKeyID)} {
		b = protowire.AppendTag(b, protowire.Number(i+4), protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(v))
	}
	return b
}

func malformed(what string, err error) error {
	return fmt.Errorf("%w: YARN delegation token identifier %s: %v", security.ErrMalformed, what, err)
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
