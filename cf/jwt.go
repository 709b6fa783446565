package cf

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// TokenClaims are the access-token claims cfkeys reads. The signature is not checked: the token is only used to
// learn its own expiry and whom it belongs to, as the cf CLI does.
type TokenClaims struct {
	Expiry    time.Time
	IssuedAt  time.Time
	UserName  string
	UserID    string
	ClientID  string
	Origin    string
	GrantType string
	Scopes    []string
}

// ParseTokenClaims decodes the payload of a JWT access token. ok is false for opaque or malformed tokens.
func ParseTokenClaims(token string) (TokenClaims, bool) {
	token = strings.TrimSpace(token)
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		token = token[7:]
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return TokenClaims{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return TokenClaims{}, false
	}
	var raw struct {
		Exp       json.Number `json:"exp"`
		Iat       json.Number `json:"iat"`
		UserName  string      `json:"user_name"`
		UserID    string      `json:"user_id"`
		ClientID  string      `json:"client_id"`
		Origin    string      `json:"origin"`
		GrantType string      `json:"grant_type"`
		Scope     []string    `json:"scope"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return TokenClaims{}, false
	}
	c := TokenClaims{UserName: raw.UserName, UserID: raw.UserID, ClientID: raw.ClientID, Origin: raw.Origin, GrantType: raw.GrantType, Scopes: raw.Scope}
	if raw.Exp != "" {
		if f, err := raw.Exp.Float64(); err == nil && f > 0 {
			c.Expiry = time.Unix(int64(f), 0).UTC()
		}
	}
	if raw.Iat != "" {
		if f, err := raw.Iat.Float64(); err == nil && f > 0 {
			c.IssuedAt = time.Unix(int64(f), 0).UTC()
		}
	}
	return c, true
}
