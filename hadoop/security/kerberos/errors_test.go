package kerberos

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/krberror"
	"github.com/jcmturner/gokrb5/v8/messages"
)

// gokrb5 hands KDC refusals back either as a KRBError value or flattened
// into the text of a Krberror; both are classified by code.
func TestClassifyKDC(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want error
	}{
		{messages.KRBError{ErrorCode: errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN}, ErrBadCredentials},
		{krberror.Errorf(messages.KRBError{ErrorCode: errorcode.KDC_ERR_PREAUTH_FAILED}, krberror.KDCError, "AS Exchange Error"), ErrBadCredentials},
		{fmt.Errorf("login: %w", messages.KRBError{ErrorCode: errorcode.KRB_AP_ERR_SKEW}), ErrClockSkew},
		{krberror.Errorf(messages.KRBError{ErrorCode: errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN}, krberror.KDCError, "TGS Exchange Error"), ErrServerPrincipal},
		{messages.KRBError{ErrorCode: errorcode.KRB_AP_ERR_TKT_EXPIRED}, ErrTicketExpired},
		{messages.KRBError{ErrorCode: errorcode.KDC_ERR_ETYPE_NOSUPP}, ErrUnsupportedEnctype},
		{messages.KRBError{ErrorCode: errorcode.KDC_ERR_WRONG_REALM}, ErrUnknownRealm},
		{messages.KRBError{ErrorCode: errorcode.KDC_ERR_POLICY}, ErrKDCUnreachable},
		{errors.New("[Root cause: Networking_Error] Networking_Error: AS Exchange Error: failed sending AS_REQ to KDC: communication error with KDC via TCP: error sending to a KDC: dial refused"), ErrKDCUnreachable},
		{errors.New("[Root cause: Configuration_Error] no KDCs defined in configuration for realm X"), ErrUnknownRealm},
		{errors.New("[Root cause: Decrypting_Error] error decrypting AS_REP encrypted part"), ErrBadCredentials},
	} {
		e := classifyKDC("op", tc.err)
		if !errors.Is(e, tc.want) || e.Fix == "" || !errors.Is(e, tc.err) && !strings.Contains(e.Error(), tc.err.Error()) {
			t.Errorf("%v: classified %v, want %v", tc.err, e, tc.want)
		}
	}
}

// A Hadoop server's SASL rejection carries the JDK's Kerberos message.
func TestClassifyRemote(t *testing.T) {
	remote := errors.New(`ipc: call on rm:8032: javax.security.sasl.SaslException: GSS initiate failed [Caused by GSSException: ` +
		`Failure unspecified at GSS-API level (Mechanism level: Clock skew too great (37))]`)
	err := Classify(remote)
	if !errors.Is(err, ErrClockSkew) || !errors.Is(err, remote) || !strings.Contains(err.Error(), "to fix: synchronise") {
		t.Fatalf("Classify = %v", err)
	}
	kv := errors.New("GSSException: Failure unspecified at GSS-API level (Mechanism level: Specified version of key is not available (44))")
	if err := Classify(kv); !errors.Is(err, ErrServerPrincipal) {
		t.Fatalf("Classify = %v", err)
	}
	mismatch := fmt.Errorf("ipc: connect: %w", errors.New("access denied: server's Kerberos principal yarn/h is not the configured rm/h@R"))
	if err := Classify(mismatch); !errors.Is(err, ErrServerPrincipal) || !errors.Is(err, mismatch) {
		t.Fatalf("Classify = %v", err)
	}
	other := errors.New("connection refused")
	if Classify(other) != other || Classify(nil) != nil {
		t.Fatal("Classify changed an error that is not Kerberos'")
	}
	own := newError(ErrNoTicket, "op", "d", nil)
	if Classify(own) != error(own) {
		t.Fatal("Classify re-wrapped a classified error")
	}
}

// Every class has a fix, and the text has the parts in order.
func TestErrorText(t *testing.T) {
	for _, k := range []error{ErrNoTicket, ErrTicketExpired, ErrBadCredentials, ErrClockSkew, ErrUnknownRealm,
		ErrServerPrincipal, ErrKDCUnreachable, ErrConfig, ErrUnsupportedEnctype} {
		if defaultFix(k) == "" {
			t.Errorf("%v has no fix", k)
		}
	}
	e := newError(ErrTicketExpired, "log in from ticket cache /tmp/cc", "the TGT expired", errors.New("cause"))
	want := "kerberos: log in from ticket cache /tmp/cc: Kerberos ticket expired: the TGT expired (cause); to fix: run kinit again, or pass --principal and --keytab"
	if e.Error() != want {
		t.Fatalf("\n got %s\nwant %s", e, want)
	}
	if Fix(fmt.Errorf("submit: %w", e)) != defaultFix(ErrTicketExpired) || Fix(errors.New("x")) != "" {
		t.Fatal("Fix does not find the fix through wrapping")
	}
}
