package parser

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
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
	// may, when set, is a closer quick test than needs.
	may func(string) bool
}{
	// scheme://user:pass@host:port
	{"@", regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)` + secret + `(?::` + secret + `)?@`), "$1", nil},
	// host:port:user:pass, the usual format of residential proxy lists
	{":", regexp.MustCompile(`(` + host + `):(\d{2,5}):` + secret + `:` + lastSecret), "$1:$2", nil},
	// host:port@user:pass, the credentials after the host (before the pattern below,
	// which would read the host as a user name)
	{"@", regexp.MustCompile(`(` + host + `:\d{2,5})@` + secret + `(?::` + lastSecret + `)?`), "$1", portBeforeAt},
	// user:pass@host:port without a scheme
	{"@", regexp.MustCompile(`(^|[\s|"'(>])` + secret + `:` + secret + `@(` + host + `:\d{2,5})`), "$1$2", nil},
	// email:password, as bots post the store account they checked out with
	// (a port after user@host is not a password: it has a character other than a digit).
	{"@", regexp.MustCompile(`(^|[\s|"'(>=])([^\s:@/|"'<>,;()\[\]]+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*\.[a-zA-Z]{2,}):[0-9]*[^\s:@/|"'<>,;()\[\]0-9](?:` + secret + `)?`), "$1$2", nil},
	// user:pass:host:port
	{":", regexp.MustCompile(`(^|[\s|"'(>])` + secret + `:` + secret + `:(` + dottedHost + `:\d{2,5})\b`), "$1$2", nil},
	// an IPv4 proxy written with spaces: 203.0.113.9 8080 user pass
	{" ", regexp.MustCompile(`\b((?:\d{1,3}\.){3}\d{1,3})[ \t]+(\d{2,5})[ \t]+` + secret + `[ \t]+` + lastSecret), "$1 $2", mayHoldSpacedProxy},
}

// noPortProxy is user:pass@host without a port; mailto: links have the same shape and
// are left alone.
var noPortProxy = regexp.MustCompile(`(^|[\s|"'(>])(` + secret + `):` + secret + `@(` + dottedHost + `)\b`)

// inlineSecret is a password label with its value inside a line ("..., password: x"),
// written with ":" or "=".
var inlineSecret = regexp.MustCompile(`(?i)(\b(?:password|passwort|passwd|pwd|pw|pin|kennwort|contrase(?:ñ|n)a|senha|wachtwoord|mot de passe)\s*[:=]\s*)([^\s,;|]+)`)

// accountSecret is a password after a store login's address: me@x.com/hunter22, or
// me@x.com | hunter22 where nothing else follows on the line.
var accountSecret = regexp.MustCompile(`([^\s:@/|"'<>,;()\[\]]+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*\.[a-zA-Z]{2,})(?:/[^\s/]+|[ \t]*\|[ \t]*[^\s|]+[ \t]*)$`)

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
	for written := range strings.Lines(text) {
		line := written
		if strings.Contains(line, "：") { // a full-width colon separates as well as ":"
			line = strings.ReplaceAll(line, "：", ":")
		}
		out := line
		switch {
		case valueIsSecret && strings.TrimSpace(line) != "":
			out = redacted + lineEnd(line)
			// A value that reads like a label may be a label whose own value was empty:
			// then the next line is a credential too. Taking both loses no secret.
			valueIsSecret = isSecretLabelLine(line)
		case !mentionsCredential(line) && !mayHoldProxy(line) && !mayHoldSpacedProxy(line) && !mayHoldAccount(line):
			// nothing to redact
		case isSecretLabelLine(line):
			valueIsSecret = true
		default:
			out = redactInlineSecret(redactProxies(line))
		}
		if b == nil && out != written {
			b = &strings.Builder{}
			b.Grow(len(text))
			b.WriteString(text[:pos])
		}
		if b != nil {
			b.WriteString(out)
		}
		pos += len(written)
	}
	if b == nil {
		return text
	}
	return b.String()
}

// redactProxies removes the credentials of every proxy notation in line.
func redactProxies(line string) string {
	if !mayHoldProxy(line) && !mayHoldSpacedProxy(line) && !mayHoldAccount(line) {
		return line
	}
	for _, p := range credentialPatterns {
		// MatchString first: a replacement copies the line even when nothing matches.
		if strings.Contains(line, p.needs) && (p.may == nil || p.may(line)) && p.re.MatchString(line) {
			line = p.re.ReplaceAllString(line, p.with)
		}
	}
	if colon, at := strings.IndexByte(line, ':'), strings.LastIndexByte(line, '@'); colon >= 0 && colon < at && noPortProxy.MatchString(line) {
		line = noPortProxy.ReplaceAllStringFunc(line, func(m string) string {
			parts := noPortProxy.FindStringSubmatch(m)
			if strings.EqualFold(parts[2], "mailto") {
				return m
			}
			return parts[1] + parts[3]
		})
	}
	if mayHoldAccount(line) && accountSecret.MatchString(strings.TrimRight(line, "\r\n")) {
		end := lineEnd(line)
		line = accountSecret.ReplaceAllString(strings.TrimRight(line, "\r\n"), "$1") + end
	}
	return line
}

// portBeforeAt reports whether a digit stands before an "@": host:port@user:pass.
func portBeforeAt(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] == '@' && s[i-1] >= '0' && s[i-1] <= '9' {
			return true
		}
	}
	return false
}

// mayHoldAccount spares the login-and-password pattern on lines without "@" and then a
// "/" or a lone "|" with something after it ("||" closes a spoiler).
func mayHoldAccount(s string) bool {
	at := strings.IndexByte(s, '@')
	if at < 0 {
		return false
	}
	rest := s[at:]
	i := strings.IndexAny(rest, "/|")
	if i < 0 {
		return false
	}
	after := strings.TrimLeft(rest[i+1:], " \t")
	return after != "" && after[0] != '|' && after[0] != '/' && after[0] != '\r' && after[0] != '\n'
}

// mayHoldSpacedProxy spares the spaced pattern on lines without four dotted numbers.
func mayHoldSpacedProxy(s string) bool {
	return strings.Count(s, ".") >= 3 && strings.Count(s, " ") >= 3
}

// redactInlineSecret replaces the value of a "Password: value" line (or "Password =
// value", "Password - value"), and a password written inside a line ("... password: x").
func redactInlineSecret(line string) string {
	if name, sep, value, found := cutLabel(line); found && isSecretLabel(name) {
		markup := len(value) - len(strings.TrimLeft(value, valueMarkup))
		return name + sep + value[:markup] + redacted + lineEnd(line)
	}
	if !strings.ContainsAny(line, ":=") || !mentionsCredential(line) || !inlineSecret.MatchString(line) {
		return line
	}
	return inlineSecret.ReplaceAllString(line, "${1}"+redacted)
}

// cutLabel splits a line at the first separator a label is written with: ":", "=" or
// " - ".
func cutLabel(line string) (name, sep, value string, found bool) {
	best := -1
	for _, s := range []string{":", "=", " - "} {
		if i := strings.Index(line, s); i >= 0 && (best < 0 || i < best) {
			best, sep = i, s
		}
	}
	if best < 0 {
		return "", "", "", false
	}
	return line[:best], sep, line[best+len(sep):], true
}

// lineEnd is the line break that ends line, if any.
func lineEnd(line string) string { return line[len(strings.TrimRight(line, "\r\n")):] }

// valueMarkup is what may stand between a label's colon and its value.
const valueMarkup = "*_~`| \t"

// isSecretLabelLine reports whether line is a credential label with no value after it,
// so that the value is on the next line.
func isSecretLabelLine(line string) bool {
	name, _, value, _ := cutLabel(line)
	if name == "" {
		name = line
	}
	return isSecretLabel(name) && strings.Trim(value, valueMarkup+"\r\n") == ""
}

// isSecretLabel reports whether s, once markup, emoji and punctuation are trimmed, is a
// label whose value is a credential. Words may be joined by "_" or "-" as in form keys.
func isSecretLabel(s string) bool {
	if !mentionsCredential(s) {
		return false
	}
	s = strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if s == "" || len(s) > 32 {
		return false
	}
	words := labelWords(s) // lower case, no accents, camelCase and fused words apart
	if secretLabels[strings.Join(words, " ")] {
		return true
	}
	if len(words) > 4 {
		return false
	}
	// The secret word is the label's head: its last word ("Account Password", "Mot de
	// passe"), or its first with only whose it is after it ("Passwort des Kontos").
	// "Password reset emails" is no password.
	if secretWord(words[len(words)-1]) {
		return true
	}
	return secretWord(words[0]) && !slices.ContainsFunc(words[1:], func(w string) bool { return !secretOwners[w] })
}

// secretOwners are the words that may follow a secret word in a label: whose secret it is.
var secretOwners = map[string]bool{
	"de": true, "des": true, "du": true, "la": true, "del": true, "da": true, "do": true, "of": true, "the": true,
	"account": true, "konto": true, "kontos": true, "cuenta": true, "compte": true, "conta": true, "proxy": true,
	"store": true, "login": true, "user": true,
}

// secretWords are words that make a label's value a secret, in our users' languages.
var secretWords = map[string]bool{
	"password": true, "passwort": true, "passwd": true, "pass": true, "passe": true, "pwd": true,
	"pw": true, "kennwort": true, "contrasena": true, "senha": true, "wachtwoord": true,
	"secret": true, "auth": true, "pin": true, "otp": true, "cvv": true, "cvc": true,
	"token": true, "apikey": true, "passcode": true,
}

// secretWord reports whether a label word is, or ends in, a word for a secret
// ("userpass", "accountpassword", "proxypw").
func secretWord(w string) bool {
	if secretWords[w] {
		return true
	}
	for _, end := range []string{"password", "passwort", "passwd", "pass", "pwd", "secret", "token"} {
		if strings.HasSuffix(w, end) && secretLabelStart(w[:len(w)-len(end)]) {
			return true
		}
	}
	return false
}

// secretLabelStart is what may come before a secret word fused with it.
func secretLabelStart(s string) bool {
	switch s {
	case "user", "proxy", "account", "acc", "login", "store", "site", "api", "auth", "access", "bot", "my":
		return true
	}
	return false
}

// credentialWords start every label in secretLabels and every secret word, in lower case:
// a quick test before the closer one.
var credentialWords = []string{"pass", "pwd", "pw", "user", "login", "credentials", "proxy auth", "kennwort", "contrase",
	"senha", "wachtwoord", "secret", "auth", "pin", "otp", "cvv", "cvc", "token", "apikey"}

// wordsByFirst are credentialWords by their first letter, for mentionsCredential.
var wordsByFirst = func() (t [26][]string) {
	for _, w := range credentialWords {
		t[w[0]-'a'] = append(t[w[0]-'a'], w)
	}
	return t
}()

// mentionsCredential reports whether s holds one of credentialWords in any case, in one
// pass over its bytes.
func mentionsCredential(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20 // ASCII letters in lower case
		if c < 'a' || c > 'z' {
			continue
		}
		for _, w := range wordsByFirst[c-'a'] {
			if len(s)-i >= len(w) && strings.EqualFold(s[i:i+len(w)], w) {
				return true
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
			if strings.Contains(key, `\`) { // "pass\u0077ord" is a password key too
				key = unquoteJSON(text[start:end])
			}
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
			s = unquoteJSON(text[start:end])
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

// unquoteJSON decodes a JSON string literal of a valid document. (Decoding into a
// variable of the caller's would move it to the heap for every string.)
func unquoteJSON(literal string) string {
	var s string
	if err := json.Unmarshal([]byte(literal), &s); err != nil {
		return literal[1 : len(literal)-1] // cannot happen in a valid document
	}
	return s
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
