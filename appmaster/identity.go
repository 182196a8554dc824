package appmaster

import (
	"fmt"
	"os"

	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// Identity is what YARN tells an AM container about itself.
type Identity struct {
	Container yarn.ContainerID
	Attempt   yarn.AttemptID
	Host      string // NM_HOST: where this AM runs, reachable by the containers and the client
	// Credentials as YARN delivered them (HADOOP_TOKEN_FILE_LOCATION): the AMRMToken, the
	// submitter's tokens and the application secret.
	Credentials *security.Credentials
	AMRMToken   security.Token
	Secret      security.Secret
	// LocalDirs are the NM's directories for this application (LOCAL_DIRS), for the output spool.
	LocalDirs string
}

// IdentityFromEnv reads the AM container's environment (getenv is os.Getenv outside tests).
func IdentityFromEnv(getenv func(string) string) (*Identity, error) {
	cid, err := yarn.ParseContainerID(getenv("CONTAINER_ID"))
	if err != nil {
		return nil, fmt.Errorf("appmaster: CONTAINER_ID: %w (is this running in a YARN container?)", err)
	}
	creds, err := security.ReadFile(getenv("HADOOP_TOKEN_FILE_LOCATION"))
	if err != nil {
		return nil, fmt.Errorf("appmaster: container credentials: %w", err)
	}
	amrm := creds.TokensOfKind("YARN_AM_RM_TOKEN")
	if len(amrm) != 1 {
		return nil, fmt.Errorf("appmaster: want one YARN_AM_RM_TOKEN in the credentials, have %d", len(amrm))
	}
	secret, ok := creds.Secret(appspec.SecretAlias)
	if !ok || secret.Len() < 16 {
		return nil, fmt.Errorf("appmaster: the application secret %q is missing from the credentials", appspec.SecretAlias)
	}
	host := getenv("NM_HOST")
	if host == "" {
		if host, err = os.Hostname(); err != nil {
			return nil, fmt.Errorf("appmaster: NM_HOST unset and no hostname: %w", err)
		}
	}
	return &Identity{
		Container: cid, Attempt: cid.Attempt, Host: host, Credentials: creds,
		AMRMToken: amrm[0], Secret: secret, LocalDirs: getenv("LOCAL_DIRS"),
	}, nil
}

// ContainerCredentials are what every launched container receives: the submitter's tokens and the
// application secret, never the AMRMToken (only the AM may talk to the scheduler).
func (id *Identity) ContainerCredentials() ([]byte, error) {
	return id.Credentials.WithoutKinds("YARN_AM_RM_TOKEN").Marshal(security.DefaultFormat)
}
