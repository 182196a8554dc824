package main

import (
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"
)

// cacheCommand publishes files on HDFS by content, once: what a driver wants to name by URI on
// every run without uploading it again (Spark's jars for spark.yarn.archive).
func cacheCommand() *cli.Command {
	return &cli.Command{
		Name:  "cache",
		Usage: "keep files on HDFS by content, uploaded once",
		Subcommands: []*cli.Command{{
			Name:      "put",
			Usage:     "publish FILE under ~/.orca-yarn/cache/<hash>/ on HDFS and print its hdfs:// URI",
			ArgsUsage: "FILE",
			Flags:     []cli.Flag{&cli.StringFlag{Name: "output", Value: "text", Usage: "text or json"}},
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return usageError(fmt.Errorf("cache put: give exactly one FILE"))
				}
				cl, err := connect(c)
				if err != nil {
					return err
				}
				defer cl.Close()
				uri, reused, err := cl.CachePut(c.Context, c.Args().First())
				if err != nil {
					return err
				}
				if c.String("output") == "json" {
					return json.NewEncoder(c.App.Writer).Encode(map[string]any{"path": uri, "reused": reused})
				}
				_, err = fmt.Fprintln(c.App.Writer, uri)
				return err
			},
		}},
	}
}
