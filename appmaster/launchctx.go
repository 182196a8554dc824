package appmaster

import (
	"sort"
	"strconv"

	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/proto"
)

// launchContext is the container launch context of one rank: every container gets the same
// resources and credentials; rank, role and the AM's address come through the environment.
// The launcher's own log goes to LOG_DIR/launcher.log; the user's output it tees to LOG_DIR/stdout
// and LOG_DIR/stderr, which YARN aggregates to HDFS when the application ends.
func launchContext(spec *appspec.Spec, tokens []byte, amAddress string, rank int, role string) (*yarnpb.ContainerLaunchContextProto, error) {
	resources, err := spec.LocalResources()
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		"ORCA_YARN_APP_ID":   spec.AppID,
		appspec.EnvAMAddress: amAddress,
		appspec.EnvRank:      strconv.Itoa(rank),
		appspec.EnvRole:      role,
		// Insecure clusters run containers as the NM's user: Hadoop clients inside act as the
		// submitter only with this.
		"HADOOP_USER_NAME": spec.User,
	}
	for k, v := range spec.Env {
		env[k] = v
	}
	clc := &yarnpb.ContainerLaunchContextProto{
		LocalResources: resources,
		Environment:    sortedEnv(env),
		Command:        []string{"./" + appspec.BinaryName, "launch", "1><LOG_DIR>/launcher.out", "2><LOG_DIR>/launcher.log"},
	}
	// An empty-but-present tokens field makes the NM's credential reader throw.
	if len(tokens) > 0 {
		clc.Tokens = tokens
	}
	return clc, nil
}

func sortedEnv(env map[string]string) []*yarnpb.StringStringMapProto {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*yarnpb.StringStringMapProto, 0, len(keys))
	for _, k := range keys {
		out = append(out, &yarnpb.StringStringMapProto{Key: proto.String(k), Value: proto.String(env[k])})
	}
	return out
}
