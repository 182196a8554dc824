package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/amapi"
	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/condapack"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/submitter"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// inContainer is what every role inside a worker container starts from: the spec, who this
// container is, and an authenticated client of the AM.
type inContainer struct {
	wd        string
	spec      *appspec.Spec
	creds     *security.Credentials
	secret    security.Secret
	rank      int
	role      string
	container string
	api       *amapi.Client
}

// loadContainer reads the container's spec, the application secret from its credentials and its
// rank, and connects (lazily) to the AM, following it to a new attempt through the RM.
func loadContainer(log *logrus.Entry) (*inContainer, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	spec, err := appspec.Load(filepath.Join(wd, appspec.FileName))
	if err != nil {
		return nil, err
	}
	if err := resolveEnv(wd, spec); err != nil {
		return nil, err
	}
	creds, err := security.ReadFile(containerTokensPath())
	if err != nil {
		return nil, err
	}
	secret, ok := creds.Secret(appspec.SecretAlias)
	if !ok {
		return nil, fmt.Errorf("the application secret is missing from the container credentials")
	}
	rank, err := strconv.Atoi(os.Getenv(appspec.EnvRank))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", appspec.EnvRank, err)
	}
	// amapi's default HTTP client ignores HTTP_PROXY: the AM is inside the cluster network.
	api := amapi.NewClient("http://"+os.Getenv(appspec.EnvAMAddress), secret, nil)
	api.Log = log
	if id, err := yarn.ParseApplicationID(spec.AppID); err == nil {
		api.Locate = locateAM(id, creds, log)
	}
	return &inContainer{
		wd: wd, spec: spec, creds: creds, secret: secret, rank: rank, role: os.Getenv(appspec.EnvRole),
		container: os.Getenv("CONTAINER_ID"), api: api,
	}, nil
}

// resolveEnv completes the spec of an env archive named by its hdfs:// path (submit --env
// hdfs://...): its destination and interpreter are in the .orca-pack.json YARN unpacked with it.
func resolveEnv(wd string, spec *appspec.Spec) error {
	e := spec.PyEnv
	if e == nil || (e.Link != "" && e.Python != "") {
		return nil
	}
	info, err := condapack.ReadPackInfo(filepath.Join(wd, e.Alias))
	if err != nil {
		return fmt.Errorf("the env archive is not one orca-yarn packed (%w): pack it with `orca-yarn pack --upload` and give the hdfs:// path it prints", err)
	}
	if info.Dest == "" || info.Interpreter == "" {
		return fmt.Errorf("the env archive was packed without a destination or interpreter: pack it with `orca-yarn pack --upload` and give the hdfs:// path it prints")
	}
	e.Link, e.Python = info.Dest, info.Interpreter
	return nil
}

// locateAM finds the application master after it restarted (a new attempt listens elsewhere) by
// asking the RM, with the NodeManager's Hadoop configuration and as the application's user.
func locateAM(id yarn.ApplicationID, creds *security.Credentials, log *logrus.Entry) func(context.Context) (string, error) {
	getenv := func(k string) string {
		if v := os.Getenv(k); v != "" || k != "HADOOP_USER_NAME" {
			return v
		}
		return os.Getenv("USER") // the NodeManager sets it to the application's user
	}
	return func(ctx context.Context) (string, error) {
		// On a Kerberized cluster the container has no ticket, only the RM delegation token.
		cl, err := submitter.Connect(ctx, getenv, log, submitter.Login{Tokens: creds})
		if err != nil {
			return "", err
		}
		defer cl.Close()
		return cl.AMBaseURL(ctx, id)
	}
}
