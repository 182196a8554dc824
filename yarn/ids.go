package yarn

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/proto"
)

// ErrBadID is returned when a string is not a well-formed YARN id; it is the caller's mistake.
var ErrBadID = errors.New("malformed YARN id")

// ApplicationID is the RM's name for one application: application_<clusterTimestamp>_<seq>.
type ApplicationID struct {
	ClusterTimestamp int64
	ID               int32
}

// String prints Hadoop's form; the sequence has at least 4 digits and is never truncated.
func (a ApplicationID) String() string {
	return fmt.Sprintf("application_%d_%04d", a.ClusterTimestamp, a.ID)
}

// IsZero reports whether a is the zero value (no application).
func (a ApplicationID) IsZero() bool { return a == ApplicationID{} }

// Proto converts to the wire record.
func (a ApplicationID) Proto() *yarnpb.ApplicationIdProto {
	return &yarnpb.ApplicationIdProto{Id: proto.Int32(a.ID), ClusterTimestamp: proto.Int64(a.ClusterTimestamp)}
}

// ApplicationIDFromProto converts from the wire record.
func ApplicationIDFromProto(p *yarnpb.ApplicationIdProto) ApplicationID {
	return ApplicationID{ClusterTimestamp: p.GetClusterTimestamp(), ID: p.GetId()}
}

// ParseApplicationID parses application_<ts>_<seq>.
func ParseApplicationID(s string) (ApplicationID, error) {
	parts := strings.Split(s, "_")
	if len(parts) != 3 || parts[0] != "application" {
		return ApplicationID{}, fmt.Errorf("%w: %q: want application_<clusterTimestamp>_<sequence>", ErrBadID, s)
	}
	ts, id, err := parseTimestampAndSeq(s, parts[1], parts[2])
	if err != nil {
		return ApplicationID{}, err
	}
	return ApplicationID{ClusterTimestamp: ts, ID: id}, nil
}

// AttemptID names one attempt of an application: appattempt_<ts>_<seq>_<attempt>.
type AttemptID struct {
	App     ApplicationID
	Attempt int32
}

func (a AttemptID) String() string {
	return fmt.Sprintf("appattempt_%d_%04d_%06d", a.App.ClusterTimestamp, a.App.ID, a.Attempt)
}

// Proto converts to the wire record.
func (a AttemptID) Proto() *yarnpb.ApplicationAttemptIdProto {
	return &yarnpb.ApplicationAttemptIdProto{ApplicationId: a.App.Proto(), AttemptId: proto.Int32(a.Attempt)}
}

// AttemptIDFromProto converts from the wire record.
func AttemptIDFromProto(p *yarnpb.ApplicationAttemptIdProto) AttemptID {
	return AttemptID{App: ApplicationIDFromProto(p.GetApplicationId()), Attempt: p.GetAttemptId()}
}

// ParseAttemptID parses appattempt_<ts>_<seq>_<attempt>.
func ParseAttemptID(s string) (AttemptID, error) {
	parts := strings.Split(s, "_")
	if len(parts) != 4 || parts[0] != "appattempt" {
		return AttemptID{}, fmt.Errorf("%w: %q: want appattempt_<clusterTimestamp>_<sequence>_<attempt>", ErrBadID, s)
	}
	ts, id, err := parseTimestampAndSeq(s, parts[1], parts[2])
	if err != nil {
		return AttemptID{}, err
	}
	attempt, err := strconv.ParseInt(parts[3], 10, 32)
	if err != nil || attempt < 0 {
		return AttemptID{}, fmt.Errorf("%w: %q: attempt %q is not a number", ErrBadID, s, parts[3])
	}
	return AttemptID{App: ApplicationID{ClusterTimestamp: ts, ID: id}, Attempt: int32(attempt)}, nil
}

// ContainerID names a container. On the wire the epoch (RM restarts) and the sequence share one
// int64: epoch<<40 | sequence.
type ContainerID struct {
	Attempt  AttemptID
	Epoch    int64
	Sequence int64
}

const containerSeqBits = 40

// String prints container_[e<epoch>_]<ts>_<app>_<attempt>_<seq>; the epoch part only when non-zero.
func (c ContainerID) String() string {
	var b strings.Builder
	b.WriteString("container_")
	if c.Epoch > 0 {
		fmt.Fprintf(&b, "e%02d_", c.Epoch)
	}
	fmt.Fprintf(&b, "%d_%04d_%02d_%06d", c.Attempt.App.ClusterTimestamp, c.Attempt.App.ID, c.Attempt.Attempt, c.Sequence)
	return b.String()
}

// Proto converts to the wire record. Like Java, only the attempt and the packed id are set.
func (c ContainerID) Proto() *yarnpb.ContainerIdProto {
	return &yarnpb.ContainerIdProto{
		AppId:        c.Attempt.App.Proto(),
		AppAttemptId: c.Attempt.Proto(),
		Id:           proto.Int64(c.Epoch<<containerSeqBits | c.Sequence),
	}
}

// ContainerIDFromProto converts from the wire record.
func ContainerIDFromProto(p *yarnpb.ContainerIdProto) ContainerID {
	attempt := AttemptIDFromProto(p.GetAppAttemptId())
	if attempt.App.IsZero() {
		attempt.App = ApplicationIDFromProto(p.GetAppId())
	}
	id := p.GetId()
	return ContainerID{Attempt: attempt, Epoch: id >> containerSeqBits, Sequence: id & (1<<containerSeqBits - 1)}
}

// ParseContainerID parses both container_<ts>_… and container_e<epoch>_<ts>_….
func ParseContainerID(s string) (ContainerID, error) {
	parts := strings.Split(s, "_")
	bad := fmt.Errorf("%w: %q: want container_[e<epoch>_]<clusterTimestamp>_<app>_<attempt>_<sequence>", ErrBadID, s)
	if len(parts) < 5 || parts[0] != "container" {
		return ContainerID{}, bad
	}
	parts = parts[1:]
	var epoch int64
	if strings.HasPrefix(parts[0], "e") {
		e, err := strconv.ParseInt(parts[0][1:], 10, 64)
		if err != nil || e < 0 {
			return ContainerID{}, bad
		}
		epoch, parts = e, parts[1:]
	}
	if len(parts) != 4 {
		return ContainerID{}, bad
	}
	ts, app, err := parseTimestampAndSeq(s, parts[0], parts[1])
	if err != nil {
		return ContainerID{}, err
	}
	attempt, err1 := strconv.ParseInt(parts[2], 10, 32)
	seq, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil || attempt < 0 || seq < 0 || seq >= 1<<containerSeqBits {
		return ContainerID{}, bad
	}
	return ContainerID{
		Attempt:  AttemptID{App: ApplicationID{ClusterTimestamp: ts, ID: app}, Attempt: int32(attempt)},
		Epoch:    epoch,
		Sequence: seq,
	}, nil
}

func parseTimestampAndSeq(whole, ts, seq string) (int64, int32, error) {
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || t < 0 {
		return 0, 0, fmt.Errorf("%w: %q: cluster timestamp %q is not a number", ErrBadID, whole, ts)
	}
	n, err := strconv.ParseInt(seq, 10, 32)
	if err != nil || n < 0 {
		return 0, 0, fmt.Errorf("%w: %q: sequence %q is not a number", ErrBadID, whole, seq)
	}
	return t, int32(n), nil
}
