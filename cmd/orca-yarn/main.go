// Command orca-yarn runs Python programs (Ray, Spark, or any command) on a YARN cluster.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}
