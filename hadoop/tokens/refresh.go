package tokens

import (
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
)

// refreshRatio is how far into a token's life a new one is fetched: Spark's
// spark.security.credentials.renewalRatio default, leaving a quarter of the life for the
// fetch, its retries and the hand-over to the containers.
const refreshRatio = 0.75

// defaultRenewInterval is the default of both servers' renew intervals (one day).
const defaultRenewInterval = 24 * time.Hour

// RenewInterval is how long a token lives unless someone renews it: the shorter of the
// NameNode's and the RM's renew intervals (dfs.namenode.delegation.token.renew-interval,
// yarn.resourcemanager.delegation.token.renew-interval; milliseconds, default one day), read
// from the client configuration, which usually carries the servers' values.
func RenewInterval(cfg *conf.Config) (time.Duration, error) {
	shortest := time.Duration(0)
	for _, key := range []string{"dfs.namenode.delegation.token.renew-interval", "yarn.resourcemanager.delegation.token.renew-interval"} {
		d, err := cfg.Duration(key, defaultRenewInterval, time.Millisecond)
		if err != nil {
			return 0, err
		}
		if d > 0 && (shortest == 0 || d < shortest) {
			shortest = d
		}
	}
	return shortest, nil
}

// RefreshAt is when an AM holding a keytab should fetch new tokens (the zero time when no
// token has dates). The RM renews the tokens of the submission until their max date, but
// tokens an AM fetches itself are unknown to the RM and nobody renews them: they live one
// renew interval. So for every decoded token the refresh comes at refreshRatio of the way to
// the earlier of issue + renewInterval and its max date, and RefreshAt is the earliest. For
// the submission's tokens that is earlier than needed, which costs one fetch, not a failure.
func (i Info) RefreshAt(renewInterval time.Duration) time.Time {
	var at time.Time
	for _, t := range i.Tokens {
		if !t.Decoded || t.IssueDate.IsZero() {
			continue
		}
		end := t.IssueDate.Add(renewInterval)
		if !t.MaxDate.IsZero() && t.MaxDate.Before(end) {
			end = t.MaxDate
		}
		next := t.IssueDate.Add(time.Duration(refreshRatio * float64(end.Sub(t.IssueDate))))
		if at.IsZero() || next.Before(at) {
			at = next
		}
	}
	return at
}
