// Package cf is cfkeys' Cloud Foundry client: discovery, UAA login and token refresh, the Cloud Controller v3 reads
// that locate service keys, and the sweep that reads every key's certificate expiry across a foundation.
//
// It never imports the UI or any terminal package. Secrets (passwords, client secrets, tokens, credentials) are
// held in types that cannot be printed by accident; errors carry API error titles and details, never request
// bodies or credentials.
//
// The token lifecycle (session.go) is written by hand beside golang.org/x/oauth2 on purpose: it invalidates exactly
// the token a 401 rejected, falls back from a rejected refresh token to a remembered password or client secret,
// hands new tokens to the keyring in the order they were issued, renews resumed opaque tokens before first use and
// does not refresh short-lived tokens before every request. oauth2's ReuseTokenSource does none of that; do not
// "simplify" the Session into it. oauth2 still runs the grant requests (uaa.go).
//
// Every answer is treated as possibly hostile: the token goes to the API's own origin only (no redirect or link
// elsewhere is followed), token requests follow no redirect, bodies are capped and share one in-flight budget, every
// request has a time limit that covers its body, and a key that hangs or fails is one error of a sweep, not its end.
package cf
