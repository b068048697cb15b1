package parser

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// host matches a bracketed IPv6 address, an IPv4 address, a dotted host name, or a
// single-word host such as "localhost". A single word must start with a letter, so that
// clock times and dates ("2026-11-20T18:04:05") are not taken for hosts.
const host = `(?:\[[0-9A-Fa-f:.]+\]|\b(?:(?:\d{1,3}\.){3}\d{1,3}|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|[A-Za-z][A-Za-z0-9-]*))`

// dottedHost is host without the single-word form, for patterns where a word would be
// too easily confused with ordinary text.
const dottedHost = `(?:\[[0-9A-Fa-f:.]+\]|\b(?:(?:\d{1,3}\.){3}\d{1,3}|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+))`

// secret is a user name or password inside proxy notation. It stops at characters that
// end a value in text, markdown or JSON, so redaction never eats what follows.
const secret = `[^\s:@/|"'<>,;()\[\]]+`

// lastSecret is the password that ends a host:port:user:pass entry. Nothing marks its end
// but the line (or a "|" separator or spoiler), so it may hold spaces, quotes, commas and
// anything else: taking too much is better than leaving half a password behind.
const lastSecret = `[^\r\n|]+`

// credentialPatterns are the proxy notations, each with what a line must contain for it
// to match: the regular expressions are slow per byte, the test is not.
var credentialPatterns = []struct {
	needs string
	re    *regexp.Regexp
	with  string
}{
	// scheme://user:pass@host:port
	{"@", regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)` + secret + `(?::` + secret + `)?@`), "$1"},
	// host:port:user:pass, the usual format of residential proxy lists
	{":", regexp.MustCompile(`(` + host + `):(\d{2,5}):` + secret + `:` + lastSecret), "$1:$2"},
	// user:pass@host:port without a scheme
	{"@", regexp.MustCompile(`(^|[\s|"'(>])` + secret + `:` + secret + `@(` + host + `:\d{2,5})`), "$1$2"},
	// email:password, as bots post the store account they checked out with
	// (a port after user@host is not a password: it has a character other than a digit).
	{"@", regexp.MustCompile(`(^|[\s|"'(>=])([^\s:@/|"'<>,;()\[\]]+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*\.[a-zA-Z]{2,}):[0-9]*[^\s:@/|"'<>,;()\[\]0-9](?:` + secret + `)?`), "$1$2"},
	// user:pass:host:port
	{":", regexp.MustCompile(`(^|[\s|"'(>])` + secret + `:` + secret + `:(` + dottedHost + `:\d{2,5})\b`), "$1$2"},
}

// secretLabels are labels whose value is a credential in itself, as bots post a proxy's
// user and password on lines of their own. Keys are lower case, without markup.
var secretLabels = map[string]bool{
	"password": true, "pass": true, "passwd": true, "pwd": true,
	"proxy password": true, "proxy pass": true, "proxy pwd": true,
	"username": true, "proxy user": true, "proxy username": true, "proxy login": true,
	"proxy auth": true, "proxy credentials": true, "credentials": true,
}

// redacted replaces a value that is a credential as a whole.
const redacted = "[redacted]"

// Redact removes proxy credentials from text, leaving host and port, and replaces the
// values of password and user name labels. Everything that is stored, logged or published
// goes through it first, so a password never reaches the disk. A JSON body is redacted
// string by string after decoding, and a form-encoded body value by value, so escapes
// cannot hide a password from the patterns.
func Redact(text string) string {
	if looksLikeJSON(text) {
		return redactJSON(text)
	}
	if looksLikeForm(text) {
		return redactForm(text)
	}
	return redactText(text)
}

// RedactField redacts the value of a named field: all of it when the name says it is a
// credential ("password", "proxy_user"), the proxy notation in it otherwise.
func RedactField(name, value string) string {
	if isSecretLabel(name) && strings.TrimSpace(value) != "" {
		return redacted
	}
	return Redact(value)
}

// redactText redacts plain text line by line. Text with nothing to redact is returned as
// it is, without a copy: that is nearly every message.
func redactText(text string) string {
	var b *strings.Builder // made at the first line that changes
	pos := 0
	valueIsSecret := false
	for line := range strings.Lines(text) {
		out := line
		switch {
		case valueIsSecret && strings.TrimSpace(line) != "":
			out = redacted + lineEnd(line)
			// A value that reads like a label may be a label whose own value was empty:
			// then the next line is a credential too. Taking both loses no secret.
			valueIsSecret = isSecretLabelLine(line)
		case !mentionsCredential(line) && !mayHoldProxy(line):
			// nothing to redact
		case isSecretLabelLine(line):
			valueIsSecret = true
		default:
			out = redactProxies(redactInlineSecret(line))
		}
		if b == nil && out != line {
			b = &strings.Builder{}
			b.Grow(len(text))
			b.WriteString(text[:pos])
		}
		if b != nil {
			b.WriteString(out)
		}
		pos += len(line)
	}
	if b == nil {
		return text
	}
	return b.String()
}

// redactProxies removes the credentials of every proxy notation in line.
func redactProxies(line string) string {
	if !mayHoldProxy(line) {
		return line
	}
	for _, p := range credentialPatterns {
		if strings.Contains(line, p.needs) {
			line = p.re.ReplaceAllString(line, p.with)
		}
	}
	return line
}

// redactInlineSecret replaces the value of a "Password: value" line.
func redactInlineSecret(line string) string {
	name, value, found := strings.Cut(line, ":")
	if !found || !isSecretLabel(name) {
		return line
	}
	markup := len(value) - len(strings.TrimLeft(value, valueMarkup))
	return name + ":" + value[:markup] + redacted + lineEnd(line)
}

// lineEnd is the line break that ends line, if any.
func lineEnd(line string) string { return line[len(strings.TrimRight(line, "\r\n")):] }

// valueMarkup is what may stand between a label's colon and its value.
const valueMarkup = "*_~`| \t"

// isSecretLabelLine reports whether line is a credential label with no value after it,
// so that the value is on the next line.
func isSecretLabelLine(line string) bool {
	name, value, _ := strings.Cut(line, ":")
	return isSecretLabel(name) && strings.Trim(value, valueMarkup+"\r\n") == ""
}

// isSecretLabel reports whether s, once markup, emoji and punctuation are trimmed, is a
// label whose value is a credential. Words may be joined by "_" or "-" as in form keys.
func isSecretLabel(s string) bool {
	if !mentionsCredential(s) {
		return false
	}
	s = strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if s == "" || len(s) > 24 {
		return false
	}
	words := strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '_' || r == '-' })
	return secretLabels[strings.ToLower(strings.Join(words, " "))]
}

// credentialWords start every label in secretLabels. Lower case.
var credentialWords = []string{"pass", "pwd", "user", "login", "credentials", "proxy auth"}

// mentionsCredential reports whether s holds one of credentialWords in any case, in one
// pass over its bytes.
func mentionsCredential(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] | 0x20 { // ASCII letters in lower case
		case 'p', 'u', 'l', 'c':
			for _, w := range credentialWords {
				if w[0] == s[i]|0x20 && len(s)-i >= len(w) && strings.EqualFold(s[i:i+len(w)], w) {
					return true
				}
			}
		}
	}
	return false
}

// mayHoldProxy spares the regular expressions, which are slow per byte, on lines that
// cannot match: every pattern needs a colon and an '@', or three colons. No pattern
// crosses a line.
func mayHoldProxy(s string) bool {
	colons := strings.Count(s, ":")
	return colons >= 3 || (colons >= 1 && strings.Contains(s, "@"))
}

// looksLikeJSON is true for a valid JSON object or array.
func looksLikeJSON(text string) bool {
	t := strings.TrimLeft(text, " \t\r\n")
	return t != "" && (t[0] == '{' || t[0] == '[') && json.Valid([]byte(text))
}

// redactJSON redacts every string value of a valid JSON document, decoded, leaving the
// rest of the document byte for byte. A string that is a credential label ("name":
// "Password") makes the next string value a credential.
func redactJSON(text string) string {
	var b strings.Builder
	last, valueIsSecret := 0, false
	for i := 0; i < len(text); i++ {
		if text[i] != '"' {
			continue
		}
		start, end := i, jsonStringEnd(text, i)
		i = end - 1
		if isJSONKey(text, end) {
			// A credential key ("proxy_password": ...) makes its value one. Discord's
			// "username" names the webhook's poster, not a proxy account.
			key := text[start+1 : end-1]
			if key == "username" || !isSecretLabel(key) {
				continue
			}
			valueIsSecret = true
			if from, to := jsonNumberAfterKey(text, end); to > from {
				// "password": 123456 holds its secret as a number.
				b.WriteString(text[last:from])
				b.WriteString(`"` + redacted + `"`)
				last, i, valueIsSecret = to, to-1, false
			}
			continue
		}
		s := text[start+1 : end-1]
		if strings.Contains(s, `\`) {
			if err := json.Unmarshal([]byte(text[start:end]), &s); err != nil {
				continue // cannot happen in a valid document
			}
		}
		out := redactText(s)
		switch {
		case valueIsSecret:
			out, valueIsSecret = redacted, isSecretLabelLine(s)
		case isSecretLabelLine(s):
			valueIsSecret = true
		}
		if out != s {
			b.WriteString(text[last:start])
			b.WriteString(quoteJSON(out))
			last = end
		}
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// jsonNumberAfterKey finds the number that is the value of the key ending at end, if
// the value is a number: its start and end, or two equal indexes.
func jsonNumberAfterKey(text string, end int) (from, to int) {
	from = end + strings.IndexByte(text[end:], ':') + 1
	for from < len(text) && strings.IndexByte(" \t\r\n", text[from]) >= 0 {
		from++
	}
	to = from
	for to < len(text) && strings.IndexByte("+-.0123456789eE", text[to]) >= 0 {
		to++
	}
	return from, to
}

// jsonStringEnd returns the index just past the string literal that opens at start.
func jsonStringEnd(text string, start int) int {
	for i := start + 1; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(text)
}

// isJSONKey reports whether the literal that ends at end is an object key.
func isJSONKey(text string, end int) bool {
	rest := strings.TrimLeft(text[end:], " \t\r\n")
	return rest != "" && rest[0] == ':'
}

// quoteJSON encodes s as a JSON string without escaping HTML characters, so that what
// was not redacted reads as it was sent.
func quoteJSON(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(buf.String(), "\n")
}

// looksLikeForm is true for what may be an application/x-www-form-urlencoded body.
func looksLikeForm(text string) bool {
	return !strings.ContainsAny(text, " \t\r\n") && strings.Contains(text, "=")
}

// redactForm redacts each value of a form-encoded body after decoding it, keeping the
// order and encoding of everything else.
func redactForm(text string) string {
	parts := strings.Split(text, "&")
	for i, part := range parts {
		key, value, _ := strings.Cut(part, "=")
		decoded, err := url.QueryUnescape(value)
		if err != nil {
			parts[i] = redactText(part)
			continue
		}
		out := redactText(decoded)
		if name, _ := url.QueryUnescape(key); isSecretLabel(name) && decoded != "" {
			out = redacted
		}
		if out != decoded {
			parts[i] = key + "=" + url.QueryEscape(out)
		}
	}
	return strings.Join(parts, "&")
}
