package parser

import (
	"errors"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/roms-dev/roms/internal/order"
)

var (
	maskedLink = regexp.MustCompile(`\[([^\]]*)\]\(<?(https?://[^)\s>]+)>?\)`)
	bareURL    = regexp.MustCompile(`https?://[^\s<>()|]+`)
)

// wrappers are markdown markers that may enclose a whole value. Longest first, so "**"
// is tried before "*".
var wrappers = []string{"```", "**", "__", "~~", "*", "_", "`"}

// absent are values that mean "no value".
var absent = map[string]bool{"unknown": true, "n/a": true, "-": true, "none": true, "null": true}

// stripMarkup removes spoiler bars anywhere and markdown markers that wrap the whole text.
// Markers inside a value stay: an email like woozy_byes28@icloud.com keeps its underscore.
func stripMarkup(s string) string {
	s = stripSpoilers(s)
	s = strings.TrimSpace(s)
	for changed := true; changed; {
		changed = false
		for _, w := range wrappers {
			if len(s) > 2*len(w) && strings.HasPrefix(s, w) && strings.HasSuffix(s, w) {
				s = strings.TrimSpace(s[len(w) : len(s)-len(w)])
				changed = true
			}
		}
	}
	return s
}

// stripSpoilers removes the bars of every ||spoiler|| in s, as a non-greedy regular
// expression would: pairs from the left, none across a line break, an unpaired "||" kept.
func stripSpoilers(s string) string {
	if !strings.Contains(s, "||") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "||")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+2:], "||")
		if j < 0 {
			break
		}
		if inner := s[i+2 : i+2+j]; strings.Contains(inner, "\n") {
			b.WriteString(s[:i+1]) // no pair across lines: try from the next bar
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(s[i+2 : i+2+j])
		s = s[i+2+j+2:]
	}
	b.WriteString(s)
	return b.String()
}

// cleanValue turns the raw value of a field into what is stored: markup removed, masked
// links resolved (to the URL for link fields, to the text elsewhere), absent values empty.
func cleanValue(field, raw string) string {
	s := stripMarkup(withoutCustomEmoji(raw))
	hasLink := strings.Contains(s, "](") // spares the regular expressions on other values
	if linkFields[field] {
		if hasLink {
			if m := maskedLink.FindStringSubmatch(s); m != nil {
				return m[2]
			}
		}
		// A masked link copied as text loses its URL ("Click Here"): nothing to keep.
		return bareURL.FindString(s)
	}
	if hasLink {
		s = maskedLink.ReplaceAllString(s, "$1")
	}
	s = dropSymbolPrefix(decode(s))
	s = strings.TrimSpace(strings.Trim(s, "<>"))
	if len(s) <= len("unknown") && absent[strings.ToLower(s)] {
		return ""
	}
	return s
}

// currencySymbols are tried in order, so "US$" wins over "$".
var currencySymbols = []struct{ symbol, code string }{
	{"US$", "USD"}, {"CA$", "CAD"}, {"C$", "CAD"}, {"AU$", "AUD"}, {"A$", "AUD"},
	{"$", "USD"}, {"€", "EUR"}, {"£", "GBP"}, {"¥", "JPY"},
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

var errNoAmount = errors.New("no amount")

// ParseAmount reads an amount as people write it, with or without its currency:
// "$1,299.99", "1299.99 USD", "12,50 €".
func ParseAmount(s string) (order.Money, string, error) {
	return parseMoney(s)
}

// parseMoney reads prices such as "$1,299.99", "1299.99 USD", "EUR 12.50" and "12,50 €".
// The currency is empty when the text does not say it.
func parseMoney(s string) (amount order.Money, currency string, err error) {
	s = strings.TrimSpace(s)
	for word := range strings.FieldsSeq(s) {
		if currencyCode.MatchString(word) {
			currency = word
			s = strings.Replace(s, word, "", 1)
			break
		}
	}
	for _, c := range currencySymbols {
		if strings.Contains(s, c.symbol) {
			if currency == "" {
				currency = c.code
			}
			s = strings.Replace(s, c.symbol, "", 1)
			break
		}
	}
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if s == "" {
		return 0, "", errNoAmount
	}
	if strings.ContainsAny(s, "eE") { // "9e2" is 900 to a program; no one writes a price so
		return 0, "", fmt.Errorf("%q is not an amount", s)
	}
	amount, err = order.ParseMoney(normaliseDecimal(s))
	if err != nil || amount < 0 {
		return 0, "", fmt.Errorf("%q is not an amount", s)
	}
	return amount, currency, nil
}

// normaliseDecimal turns the digits of an amount into Go's float syntax. With both ',' and
// '.', the last one is the decimal separator; a lone ',' is decimal only before exactly two
// digits ("12,50"), since "1,299" is a thousands separator.
func normaliseDecimal(s string) string {
	comma, dot := strings.LastIndex(s, ","), strings.LastIndex(s, ".")
	switch {
	case comma >= 0 && dot >= 0 && comma > dot:
		return strings.Replace(strings.ReplaceAll(s, ".", ""), ",", ".", 1)
	case comma >= 0 && dot < 0 && strings.Count(s, ",") == 1 && len(s)-comma == 3:
		return strings.Replace(s, ",", ".", 1)
	default:
		return strings.ReplaceAll(s, ",", "")
	}
}

// parseCount reads a quantity such as "2", "x2" or "2x".
func parseCount(s string) (int, error) {
	t := strings.Trim(strings.ToLower(strings.TrimSpace(s)), "x ")
	n, err := strconv.Atoi(t)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return n, nil
}

// free are the words for a price of nothing.
var free = map[string]bool{"free": true, "gratis": true, "gratuit": true, "kostenlos": true, "gratuito": true}

// readMoney is parseMoney for a price or total field: "Free" costs nothing, and a note
// after the amount ("$15.00 (3 @ $5.00 Each)") is not part of it.
func readMoney(value string) (order.Money, string, error) {
	if free[strings.ToLower(strings.TrimSpace(value))] {
		return 0, "", nil
	}
	amount, currency, err := parseMoney(value)
	if err != nil {
		if head, _, ok := strings.Cut(value, " ("); ok {
			if a, c, headErr := parseMoney(head); headErr == nil {
				return a, c, nil
			}
		}
	}
	return amount, currency, err
}

// decode undoes what a bot's HTTP client did to a value: HTML entities ("Scarlet &amp;
// Violet") and percent-encoding ("buyer%40example.com"). A value with a blank in it is
// text, not an encoded form, and keeps its "%" ("50% off").
//
// The text was redacted before it was split, in its encoded form: a decoded value is
// redacted again, so that "user%3Apass" cannot bring a proxy password back.
func decode(s string) string {
	d := s
	if strings.Contains(d, "&") && strings.Contains(d, ";") {
		d = html.UnescapeString(d)
	}
	if strings.Contains(d, "%") && !strings.Contains(d, " ") {
		// Text, not bytes: "%00" and other control characters are no value anyone wrote.
		if u, err := url.PathUnescape(d); err == nil && utf8.ValidString(u) && !strings.ContainsFunc(u, unicode.IsControl) {
			d = u
		}
	}
	if d == s || strings.ContainsFunc(d, unicode.IsControl) && !strings.ContainsFunc(s, unicode.IsControl) {
		return s // nothing decoded, or "&#7;" and the like: no value anyone wrote
	}
	return Redact(d)
}

// dropSymbolPrefix removes the emoji a bot puts before each value ("🧾 | #100234"): a
// first part of nothing but symbols, before a bar.
func dropSymbolPrefix(s string) string {
	head, rest, ok := strings.Cut(s, "|")
	if !ok || rest == "" || strings.ContainsFunc(head, func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsDigit(r)
	}) || strings.TrimSpace(head) == "" {
		return s
	}
	return strings.TrimSpace(rest)
}
