package kerberos

import (
	"context"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
)

// Client is a logged-in Kerberos principal. It is safe for concurrent use.
type Client struct {
	krb        *client.Client
	cfg        *config.Config
	cfgPath    string
	principal  string // name@REALM
	source     string // "ticket cache PATH" or "keytab PATH", for errors and logs
	fromCCache bool
	tgtEnd     time.Time // ticket cache logins: the TGT's end; zero for keytabs
	log        *logrus.Entry
}

// Principal is the logged-in principal, "name@REALM": the effectiveUser of
// a Kerberos connection's context.
func (c *Client) Principal() string { return c.principal }

// UserName is the principal without its realm ("alice", "svc/host").
func (c *Client) UserName() string {
	name, _, _ := strings.Cut(c.principal, "@")
	return name
}

// Realm is the principal's realm.
func (c *Client) Realm() string {
	_, realm, _ := strings.Cut(c.principal, "@")
	return realm
}

// KRB5 returns the gokrb5 client, for colinmarc/hdfs
// (hdfs.ClientOptions.KerberosClient, with KerberosServicePrincipleName =
// HDFSServicePrincipal(dfs.namenode.kerberos.principal)).
func (c *Client) KRB5() *client.Client { return c.krb }

// TGTEnd is when a ticket-cache login stops working (the TGT's end time);
// zero for a keytab login, which logs in again by itself.
func (c *Client) TGTEnd() time.Time { return c.tgtEnd }

// Close stops the TGT renewal of a keytab login and forgets all tickets.
func (c *Client) Close() { c.krb.Destroy() }

// GSSAPI returns the Kerberos GSS-API mechanism for SASL GSSAPI in
// hadoop/ipc (ipc.KerberosAuth(c.GSSAPI())).
func (c *Client) GSSAPI() sasl.GSSAPIMechanism { return mechanism{c: c} }

// serviceTicket gets a ticket for target ("service/host", realm from the
// target or, when empty, from krb5.conf's domain_realm or our own realm).
func (c *Client) serviceTicket(ctx context.Context, target sasl.GSSAPITarget) (messages.Ticket, types.EncryptionKey, error) {
	spn := target.Service + "/" + target.Host
	op := "get a service ticket for " + target.String()
	if target.Realm != "" {
		if err := checkRealm(c.cfg, c.cfgPath, op, target.Realm); err != nil {
			return messages.Ticket{}, types.EncryptionKey{}, err
		}
	}
	// The call writes tkt and key; after an abandoned call they must not be
	// read, so the error paths return zero values.
	var tkt messages.Ticket
	var key types.EncryptionKey
	err := bounded(ctx, op, func() error {
		var err error
		tkt, key, err = c.krb.GetServiceTicket(spn)
		return err
	}, nil)
	if err != nil {
		if c.fromCCache && strings.Contains(err.Error(), "no user credentials available") {
			return messages.Ticket{}, types.EncryptionKey{}, newError(ErrTicketExpired, op, "the TGT from the "+c.source+" has expired", err)
		}
		return messages.Ticket{}, types.EncryptionKey{}, classifyKDC(op, err)
	}
	if target.Realm != "" && tkt.Realm != target.Realm {
		return messages.Ticket{}, types.EncryptionKey{}, newError(ErrServerPrincipal, op, "krb5.conf maps host "+target.Host+" to realm "+tkt.Realm+
			", not "+target.Realm+" (add it to [domain_realm])", nil)
	}
	c.log.WithFields(logrus.Fields{"service": spn, "realm": tkt.Realm, "enctype": etypeName(key.KeyType)}).Debug("kerberos: service ticket")
	return tkt, key, nil
}
