// Package security holds Hadoop's security data formats: tokens, token
// storage ("HDTS" Credentials files) and the Writable primitives they are
// built from, plus Secret, a byte type that redacts itself.
//
// Contract:
//
//   - Encoders produce exactly the bytes Hadoop 3.4's Java code produces for
//     the same values (WritableUtils, Text, Token.write, encodeToUrlString,
//     AbstractDelegationTokenIdentifier.write, Credentials in both formats);
//     testdata/ holds fixtures written by Hadoop 3.4.3 itself
//     (testdata/javagen) and the tests compare byte for byte. The one chosen
//     difference: Java writes Credentials in HashMap order, we sort aliases,
//     so equal credentials always give equal bytes.
//   - Decoders accept whatever Hadoop's readers accept (both HDTS formats,
//     non-canonical VLongs, trailing bytes after a body), never panic, and
//     never allocate more than the input holds: a corrupt length is an error.
//     Errors caused by the input wrap ErrMalformed (and io.ErrUnexpectedEOF
//     when the input ends early) and name the entry and field that was bad;
//     I/O errors are wrapped as they are.
//   - Writers default to HDTS format 0 (WRITABLE), what Hadoop 3.x clients,
//     the RM and the NM write and what 2.x readers understand.
//   - Token passwords and secret keys are Secret values: fmt, encoding/json,
//     encoding.TextMarshaler users and log/slog print "[redacted N bytes]".
//     Reveal is the only way to the bytes. EncodeToURLString returns a
//     SecretString for the same reason (the string contains the password).
//   - Decoded values never alias the input buffer.
//
// Not here: Kerberos login, SASL and token selection for a connection (the
// ipc package does SASL; callers pick tokens by kind and service), YARN's
// protobuf token identifiers (RM_DELEGATION_TOKEN, AMRMToken, NMToken),
// which are opaque bytes to this package.
package security
