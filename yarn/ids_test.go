package yarn

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"
)

func TestIDStringsMatchHadoop(t *testing.T) {
	app := ApplicationID{ClusterTimestamp: 1410901177871, ID: 1}
	attempt := AttemptID{App: app, Attempt: 1}
	cases := []struct {
		got, want string
	}{
		{app.String(), "application_1410901177871_0001"},
		{ApplicationID{ClusterTimestamp: 5, ID: 123456}.String(), "application_5_123456"},
		{attempt.String(), "appattempt_1410901177871_0001_000001"},
		{ContainerID{Attempt: attempt, Sequence: 5}.String(), "container_1410901177871_0001_01_000005"},
		{ContainerID{Attempt: attempt, Epoch: 17, Sequence: 5}.String(), "container_e17_1410901177871_0001_01_000005"},
		{ContainerID{Attempt: AttemptID{App: app, Attempt: 123}, Sequence: 1234567}.String(), "container_1410901177871_0001_123_1234567"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}

func TestParseIDsRoundTrip(t *testing.T) {
	for _, s := range []string{"container_1410901177871_0001_01_000005", "container_e17_1410901177871_0001_01_000005"} {
		c, err := ParseContainerID(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if c.String() != s {
			t.Errorf("round trip %s -> %s", s, c)
		}
		back := ContainerIDFromProto(c.Proto())
		if back != c {
			t.Errorf("proto round trip %+v -> %+v", c, back)
		}
	}
	c, _ := ParseContainerID("container_e17_1410901177871_0001_01_000005")
	if got, want := c.Proto().GetId(), int64(17)<<40|5; got != want {
		t.Errorf("packed id %d, want %d", got, want)
	}
	a, err := ParseAttemptID("appattempt_1410901177871_0002_000003")
	if err != nil || a.App.ID != 2 || a.Attempt != 3 || a.App.ClusterTimestamp != 1410901177871 {
		t.Errorf("ParseAttemptID = %+v, %v", a, err)
	}
	app, err := ParseApplicationID("application_1410901177871_0002")
	if err != nil || app != a.App {
		t.Errorf("ParseApplicationID = %+v, %v", app, err)
	}
	if !proto.Equal(app.Proto(), a.Proto().GetApplicationId()) {
		t.Error("application proto differs between the two forms")
	}
}

func TestParseIDsRejectsMalformed(t *testing.T) {
	for _, s := range []string{"", "application_", "application_x_0001", "application_1_2_3", "app_1_0001", "application_-1_0001"} {
		if _, err := ParseApplicationID(s); !errors.Is(err, ErrBadID) {
			t.Errorf("ParseApplicationID(%q) = %v, want ErrBadID", s, err)
		}
	}
	for _, s := range []string{"container_1_0001_01", "container_ex_1_0001_01_000001", "container_1_0001_01_x", "container_e1_1_0001_01_000001_7"} {
		if _, err := ParseContainerID(s); !errors.Is(err, ErrBadID) {
			t.Errorf("ParseContainerID(%q) = %v, want ErrBadID", s, err)
		}
	}
	if _, err := ParseAttemptID("appattempt_1_0001"); !errors.Is(err, ErrBadID) {
		t.Errorf("short attempt id accepted: %v", err)
	}
}

func FuzzParseContainerID(f *testing.F) {
	f.Add("container_e17_1410901177871_0001_01_000005")
	f.Add("container_1410901177871_0001_01_000005")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseContainerID(s)
		if err != nil {
			return
		}
		again, err := ParseContainerID(c.String())
		if err != nil || again != c {
			t.Fatalf("%q parsed to %+v, whose string %q does not parse back (%v)", s, c, c.String(), err)
		}
	})
}
