//go:build !integration

package e2e

import (
	"testing"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// TestIntegrationSuite stands in for the suite in a plain `go test ./...`, saying how to run it.
func TestIntegrationSuite(t *testing.T) {
	t.Skip("integration tests are built with -tags integration against a real cluster: " + testenv.HowToRun)
}
