package ipc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// Kinds of failure, for errors.Is. A *RemoteError matches them through the
// Java exception class (see classify.go); connection failures match
// ErrRetryable.
var (
	// ErrNotFound: the server says the thing asked for does not exist
	// (any *NotFoundException, e.g. ApplicationNotFoundException).
	ErrNotFound = errors.New("ipc: not found")
	// ErrStandby: the server is a standby in an HA pair; try the other one.
	ErrStandby = errors.New("ipc: server is in standby")
	// ErrAccessDenied: authentication or authorization failed (includes
	// every ErrInvalidToken and any FATAL_UNAUTHORIZED reply).
	ErrAccessDenied = errors.New("ipc: access denied")
	// ErrInvalidToken: the server rejected the token (expired, unknown,
	// rolled key); get a fresh token rather than retrying.
	ErrInvalidToken = errors.New("ipc: invalid token")
	// ErrRetryable: trying again later, on a new connection if need be, may
	// succeed. For a lost connection the call may or may not have run on
	// the server: retry only idempotent calls blindly.
	ErrRetryable = errors.New("ipc: retryable")
	// ErrServerTooBusy: the server's call queue is full (also ErrRetryable,
	// or ErrStandby when the server asks the client to fail over).
	ErrServerTooBusy = errors.New("ipc: server too busy")
	// ErrClosed: the Client was closed.
	ErrClosed = errors.New("ipc: client closed")
)

// RemoteError is an exception the server reported in a response header.
type RemoteError struct {
	// Class is the Java exception class, e.g.
	// "org.apache.hadoop.security.AccessControlException".
	Class string
	// Message is the server's text: the exception message, and for most
	// exceptions the server-side stack trace on the following lines.
	Message string
	// Code is the RPC-level error detail (ERROR_APPLICATION for exceptions
	// thrown by the called method).
	Code commonpb.RpcResponseHeaderProto_RpcErrorCodeProto
	// Fatal is set for FATAL replies, after which the server closes the
	// connection (bad header, failed authentication, version mismatch).
	Fatal bool
	// Method is the called method, or "" for a connection-level reply.
	Method string
}

// Error returns the class and the first line of the message, the form
// Java prints for a RemoteException; the stack trace stays in Message.
func (e *RemoteError) Error() string {
	msg, _, _ := strings.Cut(e.Message, "\n")
	msg = strings.TrimSpace(msg)
	class := e.Class
	if class == "" {
		class = "remote error " + e.Code.String()
	}
	if msg == "" {
		return class
	}
	return class + ": " + msg
}

// RemoteClass returns the Java exception class of the remote error in err's chain, or "" when
// the failure did not come from the server (connection, context, decoding).
func RemoteClass(err error) string {
	var remote *RemoteError
	if errors.As(err, &remote) {
		return remote.Class
	}
	return ""
}

// Is implements the classification of errors.Is against the sentinels.
func (e *RemoteError) Is(target error) bool { return classify(e, target) }

// remoteError builds a RemoteError from a non-SUCCESS response header.
func remoteError(h *commonpb.RpcResponseHeaderProto, method string) *RemoteError {
	return &RemoteError{
		Class:   h.GetExceptionClassName(),
		Message: h.GetErrorMsg(),
		Code:    h.GetErrorDetail(),
		Fatal:   h.GetStatus() == commonpb.RpcResponseHeaderProto_FATAL,
		Method:  method,
	}
}

// netError is a failure of the connection itself (dial, read, write, the
// server hanging up). It is retryable: a new connection may work.
type netError struct {
	op  string
	err error
}

func (e *netError) Error() string        { return e.op + ": " + e.err.Error() }
func (e *netError) Unwrap() error        { return e.err }
func (e *netError) Is(target error) bool { return target == ErrRetryable }

// errProtocol marks bytes from the server that break the wire format; the
// connection cannot continue.
var errProtocol = errors.New("ipc: protocol violation")

func protocolErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errProtocol, fmt.Sprintf(format, args...))
}
