// Package amapi is the HTTP/1.1 API of the ApplicationMaster: the server the AM runs (NewServer
// over a Backend) and the client the launchers and the submitting client use (NewClient). It
// knows the barrier and the line format, not YARN.
//
//	launcher ──POST /v1/join (long poll)─────────▶ AM   Backend.Join     200 Plan · 202 again
//	launcher ──GET  /v1/watch?generation=N───────▶ AM   Backend.Watch    409 · 410 · 202 again
//	launcher ──POST /v1/lines?container=ID ──────▶ AM   Backend.AppendLines, answers {"last_seq"}
//	           (NDJSON logline.Line, chunked)
//	launcher ──GET  /v1/lines/ack?container=ID───▶ AM   Backend.LastSeq
//	client   ──GET  /v1/lines?from=C&follow=1────▶ AM   Backend.FollowLines, NDJSON
//	           {"cursor":C,"line":{..}}… then {"end":true} (or {"error":..})
//	client   ──POST /v1/stop {"reason":..}───────▶ AM   Backend.Stop
//	client   ──POST /v1/lease────────────────────▶ AM   Backend.RenewLease
//	anyone   ──GET  / (HTML) · /v1/status (JSON)─▶ AM   Backend.Status   (no auth)
//
// Contract:
//
//   - Authentication: every request but the status page carries
//     "Authorization: Orca-HMAC ts=<unix s>,nonce=<hex>,sig=<hex>" with sig =
//     HMAC-SHA256(app secret, METHOD \n REQUEST-URI \n ts \n nonce). The server refuses a ts more
//     than MaxClockSkew away, a nonce it has seen (bounded cache; see nonceCache), and a bad
//     signature, all with a bare 401 (the reason goes to the AM's log only). The secret is a
//     security.Secret and never appears in logs or errors.
//   - What that does not give (no TLS yet): bodies are not signed, so someone on the network
//     path can alter a request body or an answer in flight, and can read everything (plans,
//     log lines) in clear text; a signature only proves that the request line was made by a
//     holder of the secret within the skew window, once. Keep the secret off shared storage.
//   - The status page and /v1/status are public to whoever reaches the AM port or the RM web
//     proxy (which forwards no Authorization header): Status holds nothing secret. The proxy
//     (WebAppProxyServlet) requests the tracking URL joined with what followed
//     /proxy/<app id>/, forwards only GET (and PUT), re-encodes the query and passes only a few
//     headers; we also accept the /proxy/<app id> prefix itself and stray slashes, and the
//     page's links are relative so they resolve under the proxy.
//   - Long polls: join and watch wait at most the server's long-poll interval (20 s) and then
//     answer 202 {"waiting":true}; the client asks again at once, so callers see one blocking
//     call. The gang keeps a registration across polls (Backend.Join contract). Answers map to
//     the barrier sentinels: 409 ErrGenerationChanged, 410 ErrClosed, 400 bad_rank ErrBadRank.
//   - Lines are lossless and in order end to end: LineShipper numbers them, keeps each until
//     the AM acknowledged it, re-sends after any failure, and the Backend drops (container,
//     seq) duplicates. A full queue blocks Ship (backpressure), never drops. A line reaches the
//     AM as soon as it is shipped: each write is its own HTTP chunk and the server appends as
//     soon as nothing more is buffered.
//   - Every client call takes a ctx and its errors name the endpoint ("amapi: POST /v1/join: ...").
//   - Decoders of untrusted input (the auth header, NDJSON records) bound what they buffer and
//     never panic; both are fuzzed.
package amapi
