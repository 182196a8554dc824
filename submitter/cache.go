package submitter

import (
	"context"
	"path"

	"github.com/orca-yarn/orca-yarn/submitter/envcache"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
)

// CacheDir holds files published by content (`orca-yarn cache put`), e.g. the zip of Spark's
// jars a SparkSession names in spark.yarn.archive so they are not uploaded on every run.
func CacheDir(user string) string { return path.Join(stage.HomeDir(user), ".orca-yarn", "cache") }

// CachePut publishes a local file under CacheDir by its content and returns its hdfs:// URI and
// whether it was there already (then nothing was uploaded).
func (c *Cluster) CachePut(ctx context.Context, local string) (uri string, reused bool, err error) {
	nn, err := c.Conf.NameNodes()
	if err != nil {
		return "", false, classify(ErrBadInput, err)
	}
	fs, err := stage.NewHDFS(ctx, c.Conf, stageOptions(c))
	if err != nil {
		return "", false, err
	}
	defer fs.Close()
	r, err := stage.UploadContentAddressed(ctx, fs, local, CacheDir(c.User), stage.UploadOptions{Log: c.log})
	if err != nil {
		return "", false, err
	}
	return envcache.URI(r, nn), r.Reused, nil
}
