package kerberos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/types"
	"github.com/sirupsen/logrus"
)

// DefaultKRB5Config is where krb5.conf is read from when KRB5_CONFIG is unset.
const DefaultKRB5Config = "/etc/krb5.conf"

// Options says how to log in. With Keytab set, Principal is required and
// the login is an AS exchange with the KDC; otherwise the TGT comes from a
// ticket cache and nothing is sent to the KDC until a service ticket is
// needed.
type Options struct {
	// Principal is the client principal ("alice@EXAMPLE.COM"; without a
	// realm, krb5.conf's default_realm). Without Keytab it is optional and,
	// when set, must be the ticket cache's principal.
	Principal string
	// Keytab is the path of a keytab holding Principal's key.
	Keytab string
	// CCache is the ticket cache ("/tmp/krb5cc_1000" or "FILE:/..."). Empty
	// means $KRB5CCNAME, else MIT's default /tmp/krb5cc_<uid>. Only FILE
	// caches can be read.
	CCache string
	// KRB5Config is the krb5.conf path. Empty means $KRB5_CONFIG (the first
	// existing file of a colon-separated list), else /etc/krb5.conf.
	KRB5Config string
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Logger receives login events (never keys or tickets); nil discards.
	Logger *logrus.Entry
}

// Login logs in and returns a client with a TGT. ctx bounds the KDC
// exchange of a keytab login (gokrb5's own network calls cannot be
// cancelled: one that outlives ctx is abandoned and ends on its own
// timeout of 5 s per KDC). Failures are *Error, classified.
func Login(ctx context.Context, o Options) (*Client, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Logger == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		o.Logger = logrus.NewEntry(l)
	}
	cfg, cfgPath, err := loadConfig(o)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, cfgPath: cfgPath, log: o.Logger}
	if o.Keytab != "" {
		err = c.loginKeytab(ctx, o)
	} else {
		err = c.loginCCache(o)
	}
	if err != nil {
		return nil, err
	}
	c.log = o.Logger.WithField("principal", c.principal)
	c.log.WithFields(logrus.Fields{"from": c.source, "krb5_config": cfgPath}).Debug("kerberos: logged in")
	return c, nil
}

// loadConfig reads krb5.conf. gokrb5 reports directives it does not know
// (v4 settings and the like) as an error next to a usable config; those
// are only logged.
func loadConfig(o Options) (*config.Config, string, error) {
	path := o.KRB5Config
	if path == "" {
		path = DefaultKRB5Config
		if env := o.Getenv("KRB5_CONFIG"); env != "" {
			path = firstExisting(strings.Split(env, ":"))
		}
	}
	op := "read krb5.conf " + path
	f, err := os.Open(path)
	if err != nil {
		return nil, path, newError(ErrConfig, op, "cannot open it", err)
	}
	defer f.Close()
	cfg, err := config.NewFromReader(f)
	var unsupported config.UnsupportedDirective
	switch {
	case errors.As(err, &unsupported) && cfg != nil:
		if o.Logger != nil {
			o.Logger.WithError(err).Debug("kerberos: krb5.conf has directives gokrb5 ignores")
		}
	case err != nil:
		return nil, path, newError(ErrConfig, op, "cannot parse it", err)
	}
	return cfg, path, nil
}

func firstExisting(paths []string) string {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return paths[0]
}

// checkRealm refuses a realm that krb5.conf cannot reach: with DNS lookup
// of KDCs off (the norm), the realm must be listed with a kdc.
func checkRealm(cfg *config.Config, cfgPath, op, realm string) error {
	if realm == "" {
		return newError(ErrUnknownRealm, op, "no realm: the principal has no @REALM and "+cfgPath+" sets no default_realm", nil)
	}
	if cfg.LibDefaults.DNSLookupKDC {
		return nil
	}
	for _, r := range cfg.Realms {
		if r.Realm == realm && len(r.KDC) > 0 {
			return nil
		}
	}
	return newError(ErrUnknownRealm, op, fmt.Sprintf("realm %s has no kdc in %s", realm, cfgPath), nil)
}

func (c *Client) loginKeytab(ctx context.Context, o Options) error {
	op := "log in from keytab " + o.Keytab
	if o.Principal == "" {
		return newError(ErrBadCredentials, op, "a keytab needs --principal", nil)
	}
	pn, realm, err := splitPrincipal(o.Principal)
	if err != nil {
		return newError(ErrBadCredentials, op, err.Error(), nil)
	}
	if realm == "" {
		realm = c.cfg.LibDefaults.DefaultRealm
	}
	c.principal = pn.PrincipalNameString() + "@" + realm
	op = "log in as " + c.principal + " from keytab " + o.Keytab
	if err := checkRealm(c.cfg, c.cfgPath, op, realm); err != nil {
		return err
	}
	kt, err := loadKeytab(o.Keytab)
	if err != nil {
		return newError(ErrBadCredentials, op, "cannot read the keytab", err)
	}
	if held := keytabPrincipals(kt); !slices.Contains(held, c.principal) {
		return newError(ErrBadCredentials, op, "the keytab holds no key for "+c.principal+
			" (it holds: "+strings.Join(held, ", ")+")", nil)
	}
	// PA-FX-FAST is off as in every gokrb5 user against MIT and AD KDCs:
	// gokrb5 does not implement FAST armoring.
	c.krb = client.NewWithKeytab(strings.Join(pn.NameString, "/"), realm, kt, c.cfg, client.DisablePAFXFAST(true))
	c.source = "keytab " + o.Keytab
	if err := bounded(ctx, op, c.krb.Login, c.krb.Destroy); err != nil {
		return classifyKDC(op, err)
	}
	return nil
}

// loadKeytab parses a keytab; gokrb5's parser indexes without checking
// lengths, so a corrupt file is turned from a panic into an error.
func loadKeytab(path string) (kt *keytab.Keytab, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			kt, err = nil, fmt.Errorf("corrupt keytab: %v", r)
		}
	}()
	kt = keytab.New()
	if err := kt.Unmarshal(b); err != nil {
		return nil, err
	}
	return kt, nil
}

func keytabPrincipals(kt *keytab.Keytab) []string {
	var out []string
	for _, e := range kt.Entries {
		p := strings.Join(e.Principal.Components, "/") + "@" + e.Principal.Realm
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// ccachePath resolves the ticket cache as MIT does for FILE caches.
func ccachePath(o Options) (string, error) {
	p := o.CCache
	if p == "" {
		p = o.Getenv("KRB5CCNAME")
	}
	if p == "" {
		return "/tmp/krb5cc_" + strconv.Itoa(os.Getuid()), nil
	}
	if typ, rest, ok := strings.Cut(p, ":"); ok && !strings.HasPrefix(p, "/") {
		if typ != "FILE" {
			return "", fmt.Errorf("ticket cache %q is of type %s; only FILE caches can be read (export KRB5CCNAME=FILE:/tmp/krb5cc_$(id -u) before kinit)", p, typ)
		}
		p = rest
	}
	return p, nil
}

func (c *Client) loginCCache(o Options) error {
	path, err := ccachePath(o)
	if err != nil {
		return newError(ErrNoTicket, "find the ticket cache", err.Error(), nil)
	}
	op := "log in from ticket cache " + path
	cc, err := loadCCache(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return newError(ErrNoTicket, op, "there is no ticket cache", nil)
	case err != nil:
		return newError(ErrNoTicket, op, "cannot read the ticket cache", err)
	}
	realm := cc.DefaultPrincipal.Realm
	c.principal = cc.DefaultPrincipal.PrincipalName.PrincipalNameString() + "@" + realm
	if o.Principal != "" {
		pn, r, err := splitPrincipal(o.Principal)
		if err != nil {
			return newError(ErrBadCredentials, op, err.Error(), nil)
		}
		if r == "" {
			r = c.cfg.LibDefaults.DefaultRealm
		}
		if want := pn.PrincipalNameString() + "@" + r; want != c.principal {
			return &Error{Kind: ErrBadCredentials, Op: op, Detail: "the cache holds tickets of " + c.principal + ", not " + want,
				Fix: "run kinit " + want + ", or pass --keytab with --principal"}
		}
	}
	tgt, ok := cc.GetEntry(types.PrincipalName{NameType: nametype.KRB_NT_SRV_INST, NameString: []string{"krbtgt", realm}})
	if !ok {
		return newError(ErrNoTicket, op, "the cache of "+c.principal+" holds no TGT for "+realm, nil)
	}
	if now := time.Now(); !now.Before(tgt.EndTime) {
		e := newError(ErrTicketExpired, op, fmt.Sprintf("the TGT of %s expired at %s",
			c.principal, tgt.EndTime.UTC().Format(time.RFC3339)), nil)
		if now.Before(tgt.RenewTill) {
			// MIT libraries do not renew an expired ticket for an application either.
			e.Fix = "run kinit -R (the TGT is renewable until " + tgt.RenewTill.UTC().Format(time.RFC3339) + "), or kinit again"
		}
		return e
	}
	if err := checkRealm(c.cfg, c.cfgPath, op, realm); err != nil {
		return err
	}
	krb, err := client.NewFromCCache(cc, c.cfg, client.DisablePAFXFAST(true))
	if err != nil {
		return newError(ErrNoTicket, op, "the ticket cache is unusable", err)
	}
	c.krb = krb
	c.fromCCache = true
	c.source = "ticket cache " + path
	c.tgtEnd = tgt.EndTime
	return nil
}

// bounded runs a gokrb5 call that takes no context, returning when ctx
// ends. The abandoned call runs on to its own timeout; then, if given,
// cleanup runs (never while the call may still use what it frees).
func bounded(ctx context.Context, op string, f func() error, cleanup func()) error {
	if err := ctx.Err(); err != nil {
		return newError(ErrKDCUnreachable, op, "gave up before asking the KDC", err)
	}
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		if err != nil && cleanup != nil {
			cleanup()
		}
		return err
	case <-ctx.Done():
		if cleanup != nil {
			go func() {
				<-done
				cleanup()
			}()
		}
		return newError(ErrKDCUnreachable, op, "no answer from the KDC in time", ctx.Err())
	}
}
