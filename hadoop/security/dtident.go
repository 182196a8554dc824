package security

// The identifier of a Writable delegation token
// (AbstractDelegationTokenIdentifier.write/readFields, Hadoop 3.4):
//
//	+---------+-------+---------+----------+-----------+---------+-----------+-------------+
//	| byte 0  | Text  | Text    | Text     | VLong     | VLong   | VInt      | VInt        |
//	| version | owner | renewer | realUser | issueDate | maxDate | sequence  | masterKeyId |
//	+---------+-------+---------+----------+-----------+---------+-----------+-------------+
//
// Dates are milliseconds since the epoch. Each Text must be shorter than
// Text.DEFAULT_MAX_LEN (1 MiB). HDFS (HDFS_DELEGATION_TOKEN), KMS (kms-dt),
// WebHDFS and MapReduce history tokens use this form. YARN's RM and timeline
// delegation tokens (RM_DELEGATION_TOKEN, TIMELINE_DELEGATION_TOKEN) do not:
// YARNDelegationTokenIdentifier.readFields parses a protobuf instead.

import (
	"bytes"
	"fmt"
	"time"
)

// dtTextMaxLen is Text.DEFAULT_MAX_LEN, the bound readFields applies.
const dtTextMaxLen = 1 << 20

// dtVersion is AbstractDelegationTokenIdentifier.VERSION, the only one there is.
const dtVersion = 0

// DelegationTokenIdentifier is the decoded identifier of a Writable
// delegation token. Useful for renewal timing (MaxDate) and for error
// messages ("token of bob renewable by yarn expired at ..."). The zero Time
// stands for a date of 0 ms (unset in Java).
type DelegationTokenIdentifier struct {
	Owner          string
	Renewer        string // short name (auth_to_local applied by the issuer)
	RealUser       string // set when Owner is a proxy user of RealUser
	IssueDate      time.Time
	MaxDate        time.Time // the token cannot be renewed past this instant
	SequenceNumber int32
	MasterKeyID    int32
}

// ParseDelegationTokenIdentifier decodes b. Bytes after masterKeyId are
// ignored, as Java's readFields ignores them.
func ParseDelegationTokenIdentifier(b []byte) (DelegationTokenIdentifier, error) {
	var id DelegationTokenIdentifier
	r := bytes.NewReader(b)
	v, err := r.ReadByte()
	if err != nil {
		return id, fmt.Errorf("%w: delegation token identifier is empty", ErrMalformed)
	}
	if v != dtVersion {
		return id, fmt.Errorf("%w: unknown delegation token identifier version %d", ErrMalformed, int8(v))
	}
	texts := []struct {
		dst  *string
		name string
	}{{&id.Owner, "owner"}, {&id.Renewer, "renewer"}, {&id.RealUser, "realUser"}}
	for _, f := range texts {
		if *f.dst, err = readTextMax(r, dtTextMaxLen); err != nil {
			return DelegationTokenIdentifier{}, fmt.Errorf("delegation token identifier %s: %w", f.name, err)
		}
	}
	dates := []struct {
		dst  *time.Time
		name string
	}{{&id.IssueDate, "issueDate"}, {&id.MaxDate, "maxDate"}}
	for _, f := range dates {
		ms, err := ReadVLong(r)
		if err != nil {
			return DelegationTokenIdentifier{}, fmt.Errorf("delegation token identifier %s: %w", f.name, short("vlong", err))
		}
		*f.dst = fromMillis(ms)
	}
	ints := []struct {
		dst  *int32
		name string
	}{{&id.SequenceNumber, "sequenceNumber"}, {&id.MasterKeyID, "masterKeyId"}}
	for _, f := range ints {
		if *f.dst, err = ReadVInt(r); err != nil {
			return DelegationTokenIdentifier{}, fmt.Errorf("delegation token identifier %s: %w", f.name, short("vint", err))
		}
	}
	return id, nil
}

// AppendWritable appends the Writable form of id
// (AbstractDelegationTokenIdentifier.write); tests and fake servers use it.
func (id DelegationTokenIdentifier) AppendWritable(b []byte) []byte {
	b = append(b, dtVersion)
	b = AppendText(b, id.Owner)
	b = AppendText(b, id.Renewer)
	b = AppendText(b, id.RealUser)
	b = AppendVLong(b, toMillis(id.IssueDate))
	b = AppendVLong(b, toMillis(id.MaxDate))
	b = AppendVInt(b, id.SequenceNumber)
	return AppendVInt(b, id.MasterKeyID)
}

// String mirrors Java's toStringStable, with dates in RFC 3339.
func (id DelegationTokenIdentifier) String() string {
	return fmt.Sprintf("owner=%s, renewer=%s, realUser=%s, issueDate=%s, maxDate=%s, sequenceNumber=%d, masterKeyId=%d",
		id.Owner, id.Renewer, id.RealUser, fmtTime(id.IssueDate), fmtTime(id.MaxDate), id.SequenceNumber, id.MasterKeyID)
}

// DelegationTokenIdentifier decodes t.Identifier as a Writable delegation
// token identifier; see the file comment for which kinds have one.
func (t Token) DelegationTokenIdentifier() (DelegationTokenIdentifier, error) {
	id, err := ParseDelegationTokenIdentifier(t.Identifier)
	if err != nil {
		return id, fmt.Errorf("token kind %q service %q: %w", t.Kind, t.Service, err)
	}
	return id, nil
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

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return t.Format(time.RFC3339Nano)
}
