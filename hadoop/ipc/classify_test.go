package ipc

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

func TestClassify(t *testing.T) {
	const (
		unauth = commonpb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED
		app    = commonpb.RpcResponseHeaderProto_ERROR_APPLICATION
	)
	all := []error{ErrNotFound, ErrStandby, ErrAccessDenied, ErrInvalidToken, ErrRetryable, ErrServerTooBusy}
	for _, tc := range []struct {
		class, msg string
		code       commonpb.RpcResponseHeaderProto_RpcErrorCodeProto
		want       []error
	}{
		{class: "org.apache.hadoop.yarn.exceptions.ApplicationNotFoundException", want: []error{ErrNotFound}},
		{class: "org.apache.hadoop.yarn.exceptions.ApplicationAttemptNotFoundException", want: []error{ErrNotFound}},
		{class: "org.apache.hadoop.yarn.exceptions.ContainerNotFoundException", want: []error{ErrNotFound}},
		{class: "java.io.FileNotFoundException", want: []error{ErrNotFound}},
		{class: "org.apache.hadoop.ipc.StandbyException", msg: "Operation category READ is not supported in state standby", want: []error{ErrStandby}},
		{class: "org.apache.hadoop.ipc.ObserverRetryOnActiveException", want: []error{ErrStandby}},
		{class: "org.apache.hadoop.security.AccessControlException", msg: "SIMPLE authentication is not enabled.  Available:[TOKEN]", code: unauth, want: []error{ErrAccessDenied}},
		{class: "org.apache.hadoop.security.authorize.AuthorizationException", msg: "User bob is not authorized", want: []error{ErrAccessDenied}},
		{class: "org.apache.hadoop.yarn.exceptions.YarnException", msg: "Unauthorized request", code: unauth, want: []error{ErrAccessDenied}},
		{class: "org.apache.hadoop.security.token.SecretManager$InvalidToken", msg: "token expired", want: []error{ErrInvalidToken, ErrAccessDenied}},
		{class: "javax.security.sasl.SaslException", msg: "DIGEST-MD5: IO error acquiring password [Caused by org.apache.hadoop.security.token.SecretManager$InvalidToken: x]", code: unauth, want: []error{ErrInvalidToken, ErrAccessDenied}},
		{class: "org.apache.hadoop.ipc.RetriableException", msg: "safe mode", want: []error{ErrRetryable}},
		{class: "org.apache.hadoop.ipc.RetriableException", msg: "Server too busy", want: []error{ErrRetryable, ErrServerTooBusy}},
		{class: "org.apache.hadoop.ipc.StandbyException", msg: "Server too busy - disconnect and failover", want: []error{ErrStandby, ErrServerTooBusy}},
		{class: "org.apache.hadoop.yarn.exceptions.InvalidResourceRequestException", msg: "Invalid resource request", code: app},
		{class: "org.apache.hadoop.ipc.RpcNoSuchMethodException", msg: "Unknown method", code: commonpb.RpcResponseHeaderProto_ERROR_NO_SUCH_METHOD},
	} {
		err := fmt.Errorf("ipc: call m on s: %w", &RemoteError{Class: tc.class, Message: tc.msg, Code: tc.code})
		for _, kind := range all {
			want := false
			for _, w := range tc.want {
				want = want || w == kind
			}
			if got := errors.Is(err, kind); got != want {
				t.Errorf("%s %q: errors.Is(%v) = %v", tc.class, tc.msg, kind, got)
			}
		}
	}
}

func TestNetErrorIsRetryable(t *testing.T) {
	err := fmt.Errorf("ipc: call m on s: %w", &netError{op: "read", err: io.EOF})
	if !errors.Is(err, ErrRetryable) || !errors.Is(err, io.EOF) || errors.Is(err, ErrAccessDenied) {
		t.Fatalf("classification of %v wrong", err)
	}
}

func TestRemoteErrorText(t *testing.T) {
	for _, tc := range []struct {
		e    RemoteError
		want string
	}{
		{RemoteError{Class: "a.B", Message: "first\n\tat x.y(Z.java:1)"}, "a.B: first"},
		{RemoteError{Class: "a.B"}, "a.B"},
		{RemoteError{Code: commonpb.RpcResponseHeaderProto_FATAL_VERSION_MISMATCH, Message: "bad"}, "remote error FATAL_VERSION_MISMATCH: bad"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}
