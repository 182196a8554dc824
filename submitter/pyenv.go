package submitter

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/condapack"
	"github.com/orca-yarn/orca-yarn/submitter/envcache"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

// EnvAlias is the packed env's link name in every container's working directory (Spark's
// spark.archives convention, so a SparkSession on the same archive finds the same layout).
const EnvAlias = "environment"

// PackedEnv is the env of an application: where it is on HDFS and how containers use it.
type PackedEnv struct {
	Resource stage.Resource
	Spec     appspec.PyEnv
	Result   *envcache.Result
	// Local is the env on this machine (the client-mode driver runs its python).
	Local *condapack.Env
}

// EnsureEnv finds the env the plan names, and packs and uploads it unless the cache on HDFS has
// it already; an hdfs:// URI names an archive packed before (see archiveOnHDFS). nil without an
// env (--env none).
func (c *Cluster) EnsureEnv(ctx context.Context, fs stage.FS, spec string, public bool) (*PackedEnv, error) {
	if isHDFSEnv(spec) {
		return c.archiveOnHDFS(ctx, fs, spec, public)
	}
	env, err := condapack.Find(spec, c.getenv, c.log)
	if err != nil {
		return nil, classify(ErrBadInput, fmt.Errorf("--env %s: %w", spec, err))
	}
	if env == nil {
		return nil, nil
	}
	res, err := envcache.New(fs, c.User, c.log).Ensure(ctx, envcache.Request{
		Env: env, Scan: condapack.ScanOptions{Log: c.log}, Pack: condapack.PackOptions{Log: c.log}, Public: public,
	})
	if err != nil {
		return nil, classifyEnvErr(err)
	}
	return &PackedEnv{
		Resource: res.Resource, Result: res, Local: env,
		Spec: appspec.PyEnv{Alias: EnvAlias, Link: res.Dest, Python: env.Interpreter},
	}, nil
}

// classifyEnvErr keeps envcache's classes: its errors already match ErrBadInput or ErrCluster.
func classifyEnvErr(err error) error {
	if errors.Is(err, ErrBadInput) || errors.Is(err, ErrCluster) {
		return err
	}
	return classify(ErrCluster, err)
}

// addEnv puts the env archive into every container (an ARCHIVE, unpacked under EnvAlias). The
// launcher puts its bin directory first on PATH: a PATH in the launch context would also be the
// NodeManager's own session script's, which runs setsid from it.
func addEnv(spec *appspec.Spec, env *PackedEnv, r *yarnpb.LocalResourceProto) error {
	if err := spec.SetResource(EnvAlias, r); err != nil {
		return err
	}
	pe := env.Spec
	spec.PyEnv = &pe
	return nil
}

// PythonInArchive is the interpreter relative to the container's working directory, through the
// archive's link (Spark's spark.pyspark.python). An archive named by its hdfs:// path says which
// interpreter it has only inside the container; every packed env has bin/python.
func (e *PackedEnv) PythonInArchive() string {
	if e.Spec.Python == "" {
		return EnvAlias + "/bin/python"
	}
	return EnvAlias + "/" + e.Spec.Python
}

// LocalPython is the interpreter a client-mode driver runs with: the packed env's, on this
// machine, or python3.
func (e *PackedEnv) LocalPython() string {
	if e == nil || e.Local == nil {
		return "python3"
	}
	if p := e.Local.Prefix + "/" + e.Local.Interpreter; fileExists(p) {
		return p
	}
	return "python3"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
