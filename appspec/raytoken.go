package appspec

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"

	"github.com/orca-yarn/orca-yarn/hadoop/security"
)

// RayToken is the Ray auth token of an application, derived from its secret: the containers
// (which hold the secret in their credentials) and the client (which reads it from the staging
// directory) compute the same token, and it never travels on its own. A derivation rather than
// the secret itself, so a token that leaks through Ray (its processes' environments, its logs)
// gives no access to the AM's API.
func RayToken(secret security.Secret) string {
	mac := hmac.New(sha256.New, secret.Reveal())
	mac.Write([]byte("orca-yarn ray auth token v1"))
	return hex.EncodeToString(mac.Sum(nil))
}

// SparkSecret is the spark.authenticate secret of an application's co-located Spark, derived
// from its secret as RayToken is and for the same reasons, under a label of its own so that
// neither engine's secret gives the other's.
func SparkSecret(secret security.Secret) string {
	mac := hmac.New(sha256.New, secret.Reveal())
	mac.Write([]byte("orca-yarn spark auth secret v1"))
	return hex.EncodeToString(mac.Sum(nil))
}
