package parser

import (
	"regexp"
	"strings"
)

// host matches an IPv4 address or a dotted host name.
const host = `(?:(?:\d{1,3}\.){3}\d{1,3}|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)`

// secret is a user name or password inside proxy notation. It stops at characters that
// end a value in text, markdown or JSON, so redaction never eats what follows.
const secret = `[^\s:@/|"'<>,;()\[\]]+`

// lastSecret is a password that ends a host:port:user:pass entry, where '@', '/' and ':'
// can only belong to the password.
const lastSecret = `[^\s|"'<>,;()\[\]]+`

var credentialPatterns = []struct {
	re   *regexp.Regexp
	with string
}{
	// scheme://user:pass@host:port
	{regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)` + secret + `(?::` + secret + `)?@`), "$1"},
	// host:port:user:pass, the usual format of residential proxy lists
	{regexp.MustCompile(`\b(` + host + `):(\d{1,5}):` + secret + `:` + lastSecret), "$1:$2"},
	// user:pass@host:port without a scheme
	{regexp.MustCompile(`(^|[\s|"'(>])` + secret + `:` + secret + `@(` + host + `:\d{1,5})`), "$1$2"},
	// user:pass:ip:port
	{regexp.MustCompile(`(^|[\s|"'(>])` + secret + `:` + secret + `:((?:\d{1,3}\.){3}\d{1,3}:\d{1,5})\b`), "$1$2"},
}

// Redact removes proxy credentials from text, leaving host and port. Everything that is
// stored or logged goes through it first, so a password never reaches the disk.
func Redact(text string) string {
	if !mayHoldCredentials(text) {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	for line := range strings.Lines(text) {
		if mayHoldCredentials(line) {
			for _, p := range credentialPatterns {
				line = p.re.ReplaceAllString(line, p.with)
			}
		}
		b.WriteString(line)
	}
	return b.String()
}

// mayHoldCredentials is a cheap test that spares the regular expressions, which are slow
// per byte, on lines that cannot match: every pattern needs a colon and an '@', or three
// colons. No pattern crosses a line.
func mayHoldCredentials(s string) bool {
	colons := strings.Count(s, ":")
	return colons >= 3 || (colons >= 1 && strings.Contains(s, "@"))
}
