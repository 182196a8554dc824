package appmaster

import (
	"context"
	"path/filepath"
	"time"

	"github.com/orca-yarn/orca-yarn/amapi"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/hadoop/security/kerberos"
	"github.com/orca-yarn/orca-yarn/hadoop/tokens"
)

// containerCreds is the versioned credentials the AM gives containers (launch contexts, and
// launchers asking for newer ones). Guarded by am.mu.
type containerCreds struct {
	version int
	creds   *security.Credentials
	hdts    []byte
	changed chan struct{} // closed and replaced on every new version
}

func (a *am) currentTokens() []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.creds.hdts
}

func (a *am) currentCredentials() *security.Credentials {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.creds.creds
}

// setTokens publishes new container credentials: later launches carry them and waiting
// launchers get them.
func (a *am) setTokens(creds *security.Credentials, hdts []byte) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.creds.version++
	a.creds.creds, a.creds.hdts = creds, hdts
	close(a.creds.changed)
	a.creds.changed = make(chan struct{})
	return a.creds.version
}

// Credentials waits for a version above after (amapi.Backend).
func (b backend) Credentials(ctx context.Context, after int) (amapi.Credentials, error) {
	for {
		b.a.mu.Lock()
		c := b.a.creds
		b.a.mu.Unlock()
		if c.version > after {
			return amapi.Credentials{Version: c.version, HDTS: c.hdts}, nil
		}
		select {
		case <-c.changed:
		case <-ctx.Done():
			return amapi.Credentials{}, ctx.Err()
		}
	}
}

// refreshTokens keeps the application's delegation tokens alive past their max lifetime when
// the submitter shipped a keytab (Spark's model): the AM logs in itself, fetches new tokens before
// the current ones stop working, and publishes them for the containers. The RM renews only the
// submission's own tokens; the ones fetched here live one renew interval, so the loop goes on.
func (a *am) refreshTokens(ctx context.Context, workDir string) {
	k := a.spec.Kerberos
	log := a.log.WithField("principal", k.Principal)
	interval, err := tokens.RenewInterval(a.cfg)
	if err != nil {
		log.WithError(err).Warn("token refresh off: no renew interval")
		return
	}
	at := tokens.Describe(a.id.Credentials).RefreshAt(interval)
	for !at.IsZero() {
		log.WithField("at", at.Format(time.RFC3339)).Info("next delegation token refresh")
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(at)):
		}
		next, hdts, err := a.fetchTokens(ctx, filepath.Join(workDir, k.Keytab))
		if err != nil {
			log.WithError(err).Warn("delegation token refresh failed; retrying in a minute")
			at = time.Now().Add(time.Minute)
			continue
		}
		v := a.setTokens(next, hdts)
		tokens.Describe(next).Log(log, "delegation tokens refreshed")
		log.WithField("version", v).Info("containers get the new delegation tokens")
		at = tokens.Describe(next).RefreshAt(interval)
	}
	log.Warn("token refresh off: no token with dates")
}

// fetchTokens logs in with the shipped keytab and returns the container credentials with the
// newly fetched tokens in place of the old ones (same aliases: their services).
func (a *am) fetchTokens(ctx context.Context, keytab string) (*security.Credentials, []byte, error) {
	k := a.spec.Kerberos
	login, err := kerberos.Login(ctx, kerberos.Options{Principal: k.Principal, Keytab: keytab, Logger: a.log})
	if err != nil {
		return nil, nil, err
	}
	defer login.Close()
	fresh, _, err := tokens.Fetch(ctx, tokens.Options{Conf: a.cfg, Login: login, ProxyUser: k.ProxyUser, Log: a.log})
	if err != nil {
		return nil, nil, err
	}
	out := a.id.Credentials.WithoutKinds("YARN_AM_RM_TOKEN")
	for alias, t := range fresh.Tokens {
		out.Add(alias, t)
	}
	hdts, err := out.Marshal(security.DefaultFormat)
	return out, hdts, err
}
