package ipc

import (
	"strings"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// Java exception classes with a generic meaning, all from Hadoop common
// (org.apache.hadoop.ipc and .security) or the JDK. Service-specific classes
// are recognised by the naming convention (…NotFoundException) only.
const (
	javaStandby          = "org.apache.hadoop.ipc.StandbyException"
	javaRetriable        = "org.apache.hadoop.ipc.RetriableException"
	javaObserverRetry    = "org.apache.hadoop.ipc.ObserverRetryOnActiveException" // a StandbyException
	javaAccessControl    = "org.apache.hadoop.security.AccessControlException"
	javaAuthorization    = "org.apache.hadoop.security.authorize.AuthorizationException"
	javaInvalidToken     = "org.apache.hadoop.security.token.SecretManager$InvalidToken"
	javaSasl             = "javax.security.sasl.SaslException"
	javaFileNotFound     = "java.io.FileNotFoundException"
	tooBusyMessagePrefix = "Server too busy" // CallQueueManager's overflow replies
)

// classify decides errors.Is(e, target) for the ipc sentinels.
//
//	ErrNotFound       class ends in "NotFoundException"
//	ErrStandby        StandbyException, ObserverRetryOnActiveException
//	ErrInvalidToken   SecretManager$InvalidToken, or "InvalidToken" named in the
//	                  message (a SaslException caused by it, as in
//	                  "DIGEST-MD5: IO error acquiring password [Caused by …InvalidToken…]")
//	ErrAccessDenied   AccessControlException, AuthorizationException,
//	                  SaslException, any FATAL_UNAUTHORIZED, any ErrInvalidToken
//	ErrServerTooBusy  RetriableException or StandbyException saying "Server too busy…"
//	ErrRetryable      RetriableException (and so the too-busy replies that keep
//	                  the connection)
func classify(e *RemoteError, target error) bool {
	switch target {
	case ErrNotFound:
		return strings.HasSuffix(e.Class, "NotFoundException") || e.Class == javaFileNotFound
	case ErrStandby:
		return e.Class == javaStandby || e.Class == javaObserverRetry
	case ErrInvalidToken:
		return isInvalidToken(e)
	case ErrAccessDenied:
		switch e.Class {
		case javaAccessControl, javaAuthorization, javaSasl:
			return true
		}
		return e.Code == commonpb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED || isInvalidToken(e)
	case ErrServerTooBusy:
		return (e.Class == javaRetriable || e.Class == javaStandby) && strings.HasPrefix(e.Message, tooBusyMessagePrefix)
	case ErrRetryable:
		return e.Class == javaRetriable
	}
	return false
}

func isInvalidToken(e *RemoteError) bool {
	return e.Class == javaInvalidToken || strings.Contains(e.Message, "InvalidToken")
}
