package submitter

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/proto"
)

// EnvSpecResource carries spec.json's own LocalResource to the AM (base64 of the proto): the spec
// cannot describe the file it is stored in, and the AM passes it on to every container.
const EnvSpecResource = "ORCA_YARN_SPEC_RESOURCE"

// secretFile is where the application secret is kept for later `attach` and `logs -f` from
// another process: a 0600 file in the 0700 staging directory, readable by the user only.
const secretFile = "app.secret"

// Submission is an application that was submitted: enough to follow it and to clean up after it.
type Submission struct {
	ID      yarn.ApplicationID
	Secret  security.Secret
	Staging *stage.AppStaging
	// Env is the packed env the containers use (nil with --env none).
	Env *PackedEnv
}

// clientLease is how long the AM keeps a blocking submit's application without hearing from the
// client; --detach submissions have none.
const clientLease = 30 * time.Second

// Submit stages everything and submits the application. When it fails after creating something,
// it removes what it created: no orphan application, no half-filled staging directory.
func (c *Cluster) Submit(ctx context.Context, p Plan, id yarn.ApplicationID, binary string) (*Submission, error) {
	fs, err := stage.NewHDFS(ctx, c.Conf, stageOptions(c))
	if err != nil {
		return nil, err
	}
	defer fs.Close()
	nn, err := c.Conf.NameNodes()
	if err != nil {
		return nil, classify(ErrBadInput, err)
	}
	bin, err := stage.UploadContentAddressed(ctx, fs, binary, stage.BinDir(c.User), stage.UploadOptions{Log: c.log})
	if err != nil {
		return nil, err
	}
	st, err := stage.NewAppStaging(ctx, fs, nn, c.User, id)
	if err != nil {
		return nil, err
	}
	sub := &Submission{ID: id, Staging: st}
	fail := func(err error) (*Submission, error) {
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = st.Cleanup(cleanup)
		return nil, err
	}
	files := p.Files
	if p.Script != "" && p.DeployMode == appspec.DeployCluster {
		files = append(append([]string(nil), files...), p.Script)
	}
	staged, err := st.Add(ctx, stage.Inputs{Files: files, Archives: p.Archives, PyFiles: p.PyFiles})
	if err != nil {
		return fail(err)
	}
	if p.Env != "none" {
		if sub.Env, err = c.EnsureEnv(ctx, fs, p.Env, p.PublicEnv); err != nil {
			return fail(err)
		}
	}
	if sub.Secret, err = newSecret(); err != nil {
		return fail(classify(ErrCluster, err))
	}
	creds, err := c.Tokens(ctx) // nil on simple-auth clusters
	if err != nil {
		return fail(err)
	}
	amOnly, amEnv, krb, err := c.amLogin(ctx, st)
	if err != nil {
		return fail(err)
	}
	if err := writeSecret(ctx, fs, st.Dir(), sub.Secret); err != nil {
		return fail(classify(ErrCluster, err))
	}
	spec := specFor(p, id, st.Dir(), staged.PythonPath)
	spec.Kerberos = krb
	if err := spec.SetResource(appspec.BinaryName, bin.LocalResource(nn)); err != nil {
		return fail(classify(ErrCluster, err))
	}
	if sub.Env != nil {
		if err := addEnv(spec, sub.Env, sub.Env.Resource.LocalResource(nn)); err != nil {
			return fail(classify(ErrCluster, err))
		}
	}
	for link, r := range staged.Resources {
		if err := spec.SetResource(link, r); err != nil {
			return fail(classify(ErrCluster, err))
		}
	}
	specRes, err := uploadSpec(ctx, st, spec)
	if err != nil {
		return fail(err)
	}
	asc, err := submissionContext(p, id, spec, bin.LocalResource(nn), specRes, sub.Secret, creds)
	if err == nil {
		addToAM(asc.GetAmContainerSpec(), amOnly, amEnv)
	}
	if err != nil {
		return fail(classify(ErrCluster, err))
	}
	if err := c.RM.Submit(ctx, asc); err != nil {
		// The RM may have accepted it before the error reached us: make sure nothing runs.
		killCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
		defer cancel()
		_ = c.RM.Kill(killCtx, id, "submission failed on the client")
		return fail(classify(ErrCluster, fmt.Errorf("submit %s: %w", id, err)))
	}
	return sub, nil
}

func specFor(p Plan, id yarn.ApplicationID, stagingDir string, pythonPath []string) *appspec.Spec {
	lease := clientLease
	if p.Detach {
		lease = 0
	}
	env := map[string]string{}
	for k, v := range p.EnvVars {
		env[k] = v
	}
	if len(pythonPath) > 0 {
		env["PYTHONPATH"] = strings.Join(pythonPath, ":")
	}
	spec := &appspec.Spec{
		Version: appspec.CurrentVersion, AppID: id.String(), User: p.User, Mode: p.Mode, Command: p.Command,
		NumNodes: p.NumNodes, MinNodes: p.MinNodes, Container: p.Container, NodeLabel: p.NodeLabel,
		Priority: p.Priority, AllocationTimeout: p.AllocTimeout, MaxRestarts: p.MaxRestarts,
		MaxAttempts: p.MaxAttempts, LeaseTimeout: lease, StagingDir: stagingDir, Env: env,
	}
	if p.Mode == appspec.ModeRay {
		// Every container runs the binary's Ray role under its launcher; the launcher's tree stop
		// is what ends Ray (never `ray stop`).
		spec.Command = "exec ./" + appspec.BinaryName + " ray-node"
		spec.Ray = &appspec.RaySpec{
			DeployMode: p.DeployMode, Args: p.Args, ObjectStoreMiB: p.ObjectStoreMiB, Dashboard: p.Dashboard,
			Engines: p.Engines,
		}
		if p.SparkExecutorMiB > 0 {
			spec.Ray.Spark = &appspec.SparkSpec{ExecutorMiB: p.SparkExecutorMiB, DriverMiB: p.SparkDriverMiB}
		}
		if p.Script != "" && p.DeployMode == appspec.DeployCluster {
			spec.Ray.Script = path.Base(p.Script)
		}
	}
	return spec
}

func newSecret() (security.Secret, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("application secret: %w", err)
	}
	return security.Secret(b), nil
}

func writeSecret(ctx context.Context, fs stage.FS, dir string, secret security.Secret) error {
	name := path.Join(dir, secretFile)
	w, err := fs.Create(name)
	if err != nil {
		return fmt.Errorf("store the application secret in %s: %w", dir, err)
	}
	if err := fs.Chmod(name, 0o600); err != nil {
		_ = w.Close()
		return fmt.Errorf("restrict %s: %w", name, err)
	}
	if _, err := w.Write(secret.Reveal()); err != nil {
		_ = w.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	return stage.CloseReplicated(ctx, w)
}

// uploadSpec writes spec.json to the staging directory and returns its LocalResource.
func uploadSpec(ctx context.Context, st *stage.AppStaging, spec *appspec.Spec) (*yarnpb.LocalResourceProto, error) {
	b, err := spec.Marshal()
	if err != nil {
		return nil, classify(ErrCluster, err)
	}
	tmp, err := os.CreateTemp("", "orca-spec-*.json")
	if err != nil {
		return nil, classify(ErrCluster, fmt.Errorf("spec: %w", err))
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return nil, classify(ErrCluster, fmt.Errorf("spec: %w", err))
	}
	if err := tmp.Close(); err != nil {
		return nil, classify(ErrCluster, fmt.Errorf("spec: %w", err))
	}
	res, err := st.AddSpec(ctx, tmp.Name())
	if err != nil {
		return nil, err
	}
	return res, nil
}

// submissionContext builds the AM's submission. Its credentials are the delegation tokens of a
// Kerberized cluster (the RM renews them; the AM hands them on to every container) and the
// application secret.
func submissionContext(p Plan, id yarn.ApplicationID, spec *appspec.Spec, bin, specRes *yarnpb.LocalResourceProto,
	secret security.Secret, delegation *security.Credentials) (*yarnpb.ApplicationSubmissionContextProto, error) {
	creds := security.NewCredentials()
	if delegation != nil {
		for alias, t := range delegation.Tokens {
			creds.Add(alias, t)
		}
	}
	creds.AddSecret(appspec.SecretAlias, secret)
	tokens, err := creds.Marshal(security.DefaultFormat)
	if err != nil {
		return nil, err
	}
	specBytes, err := proto.Marshal(specRes)
	if err != nil {
		return nil, err
	}
	am := &yarnpb.ContainerLaunchContextProto{
		LocalResources: []*yarnpb.StringLocalResourceMapProto{
			{Key: proto.String(appspec.BinaryName), Value: bin},
			{Key: proto.String(appspec.FileName), Value: specRes},
		},
		Environment: []*yarnpb.StringStringMapProto{
			{Key: proto.String("HADOOP_USER_NAME"), Value: proto.String(p.User)},
			{Key: proto.String(EnvSpecResource), Value: proto.String(base64.StdEncoding.EncodeToString(specBytes))},
		},
		Command: []string{"./" + appspec.BinaryName, "am", "1><LOG_DIR>/am.out", "2><LOG_DIR>/am.log"},
		Tokens:  tokens,
	}
	return &yarnpb.ApplicationSubmissionContextProto{
		ApplicationId:   id.Proto(),
		ApplicationName: proto.String(p.Name),
		ApplicationType: proto.String(ApplicationType),
		ApplicationTags: p.Tags,
		Queue:           proto.String(p.Queue),
		Priority:        &yarnpb.PriorityProto{Priority: proto.Int32(p.Priority)},
		AmContainerSpec: am,
		Resource:        p.AM.Proto(),
		MaxAppAttempts:  proto.Int32(int32(p.MaxAttempts)),
		// A second AM attempt adopts the running containers instead of restarting the gang.
		KeepContainersAcrossApplicationAttempts: proto.Bool(true),
	}, nil
}

// addToAM gives the AM container resources and environment the workers do not get.
func addToAM(clc *yarnpb.ContainerLaunchContextProto, res map[string]*yarnpb.LocalResourceProto, env map[string]string) {
	for _, link := range slices.Sorted(maps.Keys(res)) {
		clc.LocalResources = append(clc.LocalResources, &yarnpb.StringLocalResourceMapProto{Key: proto.String(link), Value: res[link]})
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		clc.Environment = append(clc.Environment, &yarnpb.StringStringMapProto{Key: proto.String(k), Value: proto.String(env[k])})
	}
}
