package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/launcher"
)

// commandTokenFile is the credentials file a container's command sees as
// HADOOP_TOKEN_FILE_LOCATION: the container's delegation tokens without the application secret
// (the user's program has no business with the AM's API key), replaced whenever the AM publishes
// newer tokens, so processes started later (a SparkSession, an HDFS client) get tokens that
// still work in a long-running application.
const commandTokenFile = ".orca-yarn-tokens"

// writeCommandTokens writes creds' tokens, and no secret, to path atomically (0600).
func writeCommandTokens(path string, creds *security.Credentials) error {
	only := security.NewCredentials()
	for alias, t := range creds.Tokens {
		only.Add(alias, t)
	}
	tmp := path + ".tmp"
	if err := only.WriteFile(tmp, security.DefaultFormat); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// envContainerTokens keeps the NodeManager's credentials file (with the application secret) for
// the binary's own role programs (ray-node), whose HADOOP_TOKEN_FILE_LOCATION is the command's.
const envContainerTokens = "ORCA_YARN_CONTAINER_TOKENS"

// commandTokensEnv writes the first version of the command's token file and returns env with
// HADOOP_TOKEN_FILE_LOCATION pointing at it and the original kept in envContainerTokens.
func commandTokensEnv(ic *inContainer, env []string) ([]string, error) {
	path := filepath.Join(ic.wd, commandTokenFile)
	if err := writeCommandTokens(path, ic.creds); err != nil {
		return nil, err
	}
	return launcher.MergeEnv(env, []string{envContainerTokens + "=" + containerTokensPath(), "HADOOP_TOKEN_FILE_LOCATION=" + path}, nil), nil
}

// containerTokensPath is the NodeManager's credentials file of this container.
func containerTokensPath() string {
	if p := os.Getenv(envContainerTokens); p != "" {
		return p
	}
	return os.Getenv("HADOOP_TOKEN_FILE_LOCATION")
}

// followCommandTokens replaces the command's token file with every newer version the AM
// publishes, until ctx ends.
func followCommandTokens(ctx context.Context, ic *inContainer, log *logrus.Entry) {
	path := filepath.Join(ic.wd, commandTokenFile)
	version := 1 // what the NodeManager delivered
	for {
		creds, err := ic.api.WaitCredentials(ctx, version)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
				log.WithError(err).Debug("no newer delegation tokens")
			}
			return
		}
		parsed, err := security.Unmarshal(creds.HDTS)
		if err == nil {
			err = writeCommandTokens(path, parsed)
		}
		if err != nil {
			log.WithError(err).Warn("new delegation tokens not written for the command")
			return
		}
		version = creds.Version
		log.WithField("version", version).Info("the command's delegation tokens were refreshed")
	}
}
