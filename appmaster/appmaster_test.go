package appmaster

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/proto"
)

func testSpec(t *testing.T) *appspec.Spec {
	s := &appspec.Spec{Version: appspec.CurrentVersion, AppID: "application_1700000000000_0007", User: "alice",
		Mode: "command", Command: "hostname", Env: map[string]string{"PYTHONPATH": "{{PWD}}/__pyfiles__"}}
	err := s.SetResource(appspec.BinaryName, &yarnpb.LocalResourceProto{
		Resource: &yarnpb.URLProto{Scheme: proto.String("hdfs"), File: proto.String("/bin/orca-yarn")},
		Size:     proto.Int64(1), Timestamp: proto.Int64(2),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLaunchContextCarriesRankRoleAndAMAddress(t *testing.T) {
	clc, err := launchContext(testSpec(t), []byte("HDTS..."), "nm1:4242", 2, "command")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, kv := range clc.GetEnvironment() {
		env[kv.GetKey()] = kv.GetValue()
	}
	want := map[string]string{
		"ORCA_YARN_APP_ID": "application_1700000000000_0007", appspec.EnvAMAddress: "nm1:4242",
		appspec.EnvRank: "2", appspec.EnvRole: "command", "HADOOP_USER_NAME": "alice", "PYTHONPATH": "{{PWD}}/__pyfiles__",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("env %s = %q, want %q", k, env[k], v)
		}
	}
	if cmd := strings.Join(clc.GetCommand(), " "); !strings.HasPrefix(cmd, "./orca-yarn launch ") || !strings.Contains(cmd, "<LOG_DIR>/launcher.log") {
		t.Errorf("command %q", cmd)
	}
	if len(clc.GetLocalResources()) != 1 || clc.GetLocalResources()[0].GetKey() != appspec.BinaryName {
		t.Errorf("resources %v", clc.GetLocalResources())
	}
	// The NodeManager's credential reader throws on an empty-but-present tokens field.
	empty, err := launchContext(testSpec(t), nil, "nm1:4242", 0, "command")
	if err != nil || empty.Tokens != nil {
		t.Errorf("empty tokens must leave the field unset: %v, %v", empty.Tokens, err)
	}
}

func TestIdentityKeepsTheAMRMTokenFromContainers(t *testing.T) {
	creds := security.NewCredentials()
	creds.Add("", security.Token{Identifier: []byte("attempt"), Password: security.Secret("pw"), Kind: "YARN_AM_RM_TOKEN"})
	creds.Add("hdfs", security.Token{Identifier: []byte("id"), Password: security.Secret("pw"), Kind: "HDFS_DELEGATION_TOKEN", Service: "nn:8020"})
	creds.AddSecret(appspec.SecretAlias, security.Secret("0123456789abcdef0123456789abcdef"))
	file := filepath.Join(t.TempDir(), "container_tokens")
	if err := creds.WriteFile(file, security.DefaultFormat); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"CONTAINER_ID": "container_1700000000000_0007_02_000001", "HADOOP_TOKEN_FILE_LOCATION": file, "NM_HOST": "nm2",
	}
	id, err := IdentityFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if id.Attempt.Attempt != 2 || id.Host != "nm2" || string(id.AMRMToken.Identifier) != "attempt" {
		t.Fatalf("identity %+v", id)
	}
	b, err := id.ContainerCredentials()
	if err != nil {
		t.Fatal(err)
	}
	passed, err := security.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(passed.TokensOfKind("YARN_AM_RM_TOKEN")) != 0 || len(passed.TokensOfKind("HDFS_DELEGATION_TOKEN")) != 1 {
		t.Fatalf("containers must get every token but the AMRMToken: %v", passed.Tokens)
	}
	if _, ok := passed.Secret(appspec.SecretAlias); !ok {
		t.Fatal("containers must get the application secret")
	}
	delete(env, "HADOOP_TOKEN_FILE_LOCATION")
	if _, err := IdentityFromEnv(func(k string) string { return env[k] }); err == nil {
		t.Fatal("no credentials file accepted")
	}
}
