package appspec

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/proto"
)

func validSpec(t *testing.T) *Spec {
	s := &Spec{
		Version: CurrentVersion, AppID: "application_1700000000000_0007", User: "alice", Mode: "command",
		Command: "hostname", NumNodes: 3, Container: yarn.Resource{MemoryMB: 1024, VCores: 1},
		AllocationTimeout: time.Minute, MaxAttempts: 2, StagingDir: "/user/alice/.orca-yarn/staging/application_1700000000000_0007",
	}
	for _, link := range []string{BinaryName, FileName} {
		err := s.SetResource(link, &yarnpb.LocalResourceProto{
			Resource: &yarnpb.URLProto{Scheme: proto.String("hdfs"), Host: proto.String("nn"), Port: proto.Int32(8020), File: proto.String("/x/" + link)},
			Size:     proto.Int64(42), Timestamp: proto.Int64(1700000000123),
			Type: yarnpb.LocalResourceTypeProto_FILE.Enum(), Visibility: yarnpb.LocalResourceVisibilityProto_APPLICATION.Enum(),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestSpecRoundTripKeepsResourcesExact(t *testing.T) {
	s := validSpec(t)
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := got.LocalResources()
	if err != nil || len(res) != 2 {
		t.Fatalf("resources %v, %v", res, err)
	}
	for _, r := range res {
		if r.GetValue().GetTimestamp() != 1700000000123 || r.GetValue().GetResource().GetPort() != 8020 {
			t.Errorf("resource %s changed in the round trip: %v", r.GetKey(), r.GetValue())
		}
	}
}

func TestSpecValidateRefusesWhatTheAMCannotRun(t *testing.T) {
	cases := map[string]func(*Spec){
		"version":   func(s *Spec) { s.Version = 99 },
		"no nodes":  func(s *Spec) { s.NumNodes = 0 },
		"min>num":   func(s *Spec) { s.MinNodes = 4 },
		"app id":    func(s *Spec) { s.AppID = "app_1" },
		"no binary": func(s *Spec) { delete(s.Resources, BinaryName) },
		"garbage":   func(s *Spec) { s.Resources["x"] = []byte{0xff, 0xff} },
		"timeout":   func(s *Spec) { s.AllocationTimeout = 0 },
	}
	for name, edit := range cases {
		s := validSpec(t)
		edit(s)
		if err := s.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func TestRayTokenIsDerivedAndStable(t *testing.T) {
	a := security.Secret("0123456789abcdef0123456789abcdef")
	b := security.Secret("0123456789abcdef0123456789abcdeX")
	ta, tb := RayToken(a), RayToken(b)
	if len(ta) != 64 || ta != RayToken(a) || ta == tb {
		t.Fatalf("tokens %q %q: want 64 hex digits, stable per secret, different across secrets", ta, tb)
	}
	if strings.Contains(ta, hex.EncodeToString(a.Reveal())) {
		t.Fatal("the token contains the secret")
	}
}
