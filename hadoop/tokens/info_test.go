package tokens

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/orca-yarn/orca-yarn/hadoop/security"
)

// testdata/*.ident are identifiers the secure test cluster issued to alice (recorded with
// ORCA_RECORD_FIXTURES=1 by the integration test; identifiers only, never passwords).
func TestParseRealIdentifiers(t *testing.T) {
	rm, err := os.ReadFile("testdata/rm_dt.ident")
	if err != nil {
		t.Fatal(err)
	}
	id, err := ParseYARNIdentifier(rm)
	if err != nil {
		t.Fatal(err)
	}
	if id.Owner != "alice@ORCA.TEST" || id.Renewer != "yarn" || id.RealUser != "" || id.SequenceNumber <= 0 {
		t.Errorf("RM identifier: %v", id)
	}
	// The test cluster's default lifetime, yarn.resourcemanager.delegation.token.max-lifetime.
	if life := id.MaxDate.Sub(id.IssueDate); life != 7*24*time.Hour {
		t.Errorf("RM token lifetime %v (issued %v, max %v)", life, id.IssueDate, id.MaxDate)
	}
	if again := AppendYARNIdentifier(nil, id); !bytes.Equal(again, rm) {
		t.Errorf("re-encoded RM identifier differs from the RM's:\n got % x\nwant % x", again, rm)
	}

	hdfs, err := os.ReadFile("testdata/hdfs_dt.ident")
	if err != nil {
		t.Fatal(err)
	}
	creds := security.NewCredentials()
	creds.Add("127.0.1.20:8020", security.Token{Identifier: hdfs, Password: security.Secret("hdfs-secret"), Kind: KindHDFS, Service: "127.0.1.20:8020"})
	creds.Add("127.0.1.20:8032", security.Token{Identifier: rm, Password: security.Secret("rm-secret"), Kind: KindRM, Service: "127.0.1.20:8032"})
	info := Describe(creds)
	if len(info.Tokens) != 2 || !info.Tokens[0].Decoded || !info.Tokens[1].Decoded {
		t.Fatalf("Describe: %+v", info)
	}
	if h := info.Tokens[0]; h.Kind != KindHDFS || h.Owner != "alice@ORCA.TEST" || h.Renewer != "yarn" {
		t.Errorf("HDFS token: %+v", h)
	}
	if s := info.String(); strings.Contains(s, "secret") || !strings.Contains(s, "renewer=yarn") {
		t.Errorf("Info.String: %s", s)
	}
}

func TestDescribe(t *testing.T) {
	day := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	hdfsID := security.DelegationTokenIdentifier{Owner: "alice", Renewer: "yarn", RealUser: "proxy@EX.COM",
		IssueDate: day, MaxDate: day.Add(7 * 24 * time.Hour), SequenceNumber: 7, MasterKeyID: 3}
	rmID := security.DelegationTokenIdentifier{Owner: "alice", Renewer: "yarn",
		IssueDate: day, MaxDate: day.Add(3 * 24 * time.Hour), SequenceNumber: -2, MasterKeyID: -1}
	// An AMRMTokenIdentifierProto: {1: appAttemptId{...}, 2: keyId}; not a delegation token.
	amrm := protowire.AppendTag(nil, 1, protowire.BytesType)
	amrm = protowire.AppendBytes(amrm, []byte{0x08, 0x01})
	creds := security.NewCredentials()
	creds.Add("ha-hdfs:ns1", security.Token{Identifier: hdfsID.AppendWritable(nil), Kind: KindHDFS, Service: "ha-hdfs:ns1"})
	creds.Add("10.0.0.1:8032,10.0.0.2:8032", security.Token{Identifier: AppendYARNIdentifier(nil, rmID), Kind: KindRM,
		Service: "10.0.0.1:8032,10.0.0.2:8032"})
	creds.Add("amrm", security.Token{Identifier: amrm, Kind: "YARN_AM_RM_TOKEN"})
	creds.Add("garbage", security.Token{Identifier: []byte{0x00, 0xff}, Kind: KindHDFS})

	info := Describe(creds)
	var got []string
	for _, ti := range info.Tokens {
		got = append(got, fmt.Sprintf("%s %v %s/%s/%s", ti.Alias, ti.Decoded, ti.Owner, ti.Renewer, ti.RealUser))
	}
	want := []string{
		"10.0.0.1:8032,10.0.0.2:8032 true alice/yarn/",
		"amrm false //",
		"garbage false //",
		"ha-hdfs:ns1 true alice/yarn/proxy@EX.COM",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Describe:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rm := info.Tokens[0]; rm.SequenceNumber != -2 || !rm.IssueDate.Equal(day) {
		t.Errorf("RM token fields: %+v", rm)
	}
	if m := info.MaxDate(); !m.Equal(rmID.MaxDate) {
		t.Errorf("MaxDate = %v, want the RM token's %v", m, rmID.MaxDate)
	}
	if m := (Info{}).MaxDate(); !m.IsZero() {
		t.Errorf("empty MaxDate = %v", m)
	}
	if len(Describe(nil).Tokens) != 0 {
		t.Error("Describe(nil) lists tokens")
	}
}

func TestParseYARNIdentifierRejectsMalformed(t *testing.T) {
	good := AppendYARNIdentifier(nil, security.DelegationTokenIdentifier{Owner: "alice", Renewer: "yarn", SequenceNumber: 1})
	cases := map[string][]byte{
		"truncated string": good[:3],
		"bad tag":          {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		"truncated varint": {0x20, 0x80},
		"group never ends": {0x0b},
	}
	for name, b := range cases {
		if _, err := ParseYARNIdentifier(b); !errors.Is(err, security.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	// Unknown fields and wrong wire types of known numbers are skipped, as protobuf readers do.
	extra := protowire.AppendTag(append([]byte(nil), good...), 9, protowire.BytesType)
	extra = protowire.AppendString(extra, "future")
	extra = protowire.AppendTag(extra, 4, protowire.Fixed64Type)
	extra = protowire.AppendFixed64(extra, 1)
	id, err := ParseYARNIdentifier(extra)
	if err != nil || id.Owner != "alice" || !id.IssueDate.IsZero() {
		t.Errorf("with unknown fields: %v, %v", id, err)
	}
}

func TestRefreshAt(t *testing.T) {
	issued := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	info := Info{Tokens: []TokenInfo{
		// the issue's long-running test: renew interval 1 min, max lifetime 4 min
		{Decoded: true, IssueDate: issued, MaxDate: issued.Add(4 * time.Minute)},
		{Decoded: false},
	}}
	if got, want := info.RefreshAt(time.Minute), issued.Add(45*time.Second); !got.Equal(want) {
		t.Errorf("1 min renew interval: %v, want %v", got, want)
	}
	// A max date before the renew interval ends bounds the refresh.
	if got, want := info.RefreshAt(time.Hour), issued.Add(3*time.Minute); !got.Equal(want) {
		t.Errorf("max date first: %v, want %v", got, want)
	}
	// The earliest token decides.
	info.Tokens = append(info.Tokens, TokenInfo{Decoded: true, IssueDate: issued.Add(-time.Minute), MaxDate: issued.Add(time.Hour)})
	if got, want := info.RefreshAt(time.Minute), issued.Add(-15*time.Second); !got.Equal(want) {
		t.Errorf("earliest: %v, want %v", got, want)
	}
	if got := (Info{}).RefreshAt(time.Minute); !got.IsZero() {
		t.Errorf("no tokens: %v", got)
	}
}

func TestRenewInterval(t *testing.T) {
	cfg := loadConf(t, map[string]string{
		"hdfs-site.xml": props("dfs.namenode.delegation.token.renew-interval", "60000"),
		"yarn-site.xml": props("yarn.resourcemanager.delegation.token.renew-interval", "120000"),
	})
	if d, err := RenewInterval(cfg); err != nil || d != time.Minute {
		t.Errorf("RenewInterval = %v, %v; want the shorter, 1m", d, err)
	}
	if d, err := RenewInterval(loadConf(t, map[string]string{"core-site.xml": ""})); err != nil || d != 24*time.Hour {
		t.Errorf("defaults: %v, %v", d, err)
	}
	bad := loadConf(t, map[string]string{"hdfs-site.xml": props("dfs.namenode.delegation.token.renew-interval", "soon")})
	if _, err := RenewInterval(bad); err == nil {
		t.Error("a bad interval was accepted")
	}
}
