package config

import (
	"net/url"
	"regexp"
	"strings"
)

// Masked replaces secret values in /status/properties.
const Masked = "<masked>"

// secretWords mark a key whose value is secret: Druid's
// druid.server.hiddenProperties defaults, less the over-broad "key".
var secretWords = []string{"password", "secret", "token", "pwd", "accesskey", "credentials"}

// dsnPassword finds password=... in a key/value connection string.
var dsnPassword = regexp.MustCompile(`(?i)(password=)([^&;\s]*)`)

// Mask returns value, or Masked when key names a secret (its lower-cased
// name contains password, secret, token, pwd, accesskey or credentials).
// For a connection URI (a key containing "connecturi") only the password
// inside it is masked: the user-info password of a URL and any
// "password=..." parameter.
func Mask(key, value string) string {
	k := strings.ToLower(key)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			if value == "" {
				return ""
			}
			return Masked
		}
	}
	if strings.Contains(k, "connecturi") {
		return maskURI(value)
	}
	return value
}

func maskURI(v string) string {
	v = dsnPassword.ReplaceAllString(v, "${1}"+Masked)
	rest, prefix := v, ""
	if strings.HasPrefix(rest, "jdbc:") {
		prefix, rest = "jdbc:", rest[len("jdbc:"):]
	}
	u, err := url.Parse(rest)
	if err != nil || u.User == nil {
		return v
	}
	if _, ok := u.User.Password(); !ok {
		return v
	}
	i := strings.Index(rest, "://")
	at := strings.LastIndex(rest, "@")
	if i < 0 || at < i {
		return v
	}
	userinfo := rest[i+3 : at]
	user, _, _ := strings.Cut(userinfo, ":")
	return prefix + rest[:i+3] + user + ":" + Masked + rest[at:]
}
