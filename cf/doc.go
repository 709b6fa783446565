// Package cf is cfkeys' Cloud Foundry client: discovery, UAA login and token refresh, the Cloud Controller v3 reads
// that locate service keys, and the sweep that reads every key's certificate expiry across a foundation.
//
// It never imports the UI or any terminal package. Secrets (passwords, client secrets, tokens, credentials) are
// held in types that cannot be printed by accident; errors carry API error titles and details, never request
// bodies or credentials.
package cf
