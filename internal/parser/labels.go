package parser

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Canonical field names. They match the JSON names of order.Fields.
const (
	fProduct         = "product"
	fPrice           = "price"
	fQuantity        = "quantity"
	fTotal           = "total"
	fCommission      = "commission"
	fProfile         = "profile"
	fProxyList       = "proxy_list"
	fOrderNumber     = "order_number"
	fEmail           = "email"
	fCustomerName    = "customer_name"
	fReferenceNumber = "reference_number"
	fStatus          = "status"
	fTrackingNumber  = "tracking_number"
	fTrackingURL     = "tracking_url"
	fQtyReceived     = "qty_received"
	fPaymentMethod   = "payment_method"
	fShippingAddress = "shipping_address"
	fShippingMethod  = "shipping_method"
	fNotes           = "notes"
	fStore           = "store"
	fShareLink       = "share_link"
	fImageURL        = "image_url"

	// fCartItem is a numbered product, price or quantity of a cart ("Price (2)"). It is
	// not an order field: totalCart sums the items.
	fCartItem = "cart_item"
)

// labels maps label spellings, normalised by labelKey, to the fields they name.
type labels map[string]string

// aliases are the label spellings ROMS knows without being taught: README.md lists them
// ("Labels ROMS knows"). The parser.aliases setting adds to them (NewReader).
var aliases = labels{
	"product": fProduct, "item": fProduct, "product name": fProduct,
	"item name": fProduct,
	"price":     fPrice, "unit price": fPrice,
	"quantity": fQuantity, "qty": fQuantity,
	"total": fTotal, "order total": fTotal, "total price": fTotal, "amount": fTotal,
	"commission": fCommission, "profit": fCommission,
	"profile": fProfile, "profile name": fProfile,
	"proxy details": fProxyList, "proxy list": fProxyList, "proxy": fProxyList,
	"proxies": fProxyList, "proxy group": fProxyList,
	"order number": fOrderNumber, "order": fOrderNumber, "order #": fOrderNumber,
	"order id": fOrderNumber, "order no": fOrderNumber, "order no.": fOrderNumber,
	"email": fEmail, "account": fEmail, "e-mail": fEmail, "account email": fEmail, "customer email": fEmail,
	"customer name": fCustomerName, "customer": fCustomerName, "name": fCustomerName,
	"reference #": fReferenceNumber, "reference": fReferenceNumber,
	"reference number": fReferenceNumber, "ref #": fReferenceNumber,
	"status": fStatus, "order status": fStatus, "result": fStatus, "checkout status": fStatus,
	"tracking number": fTrackingNumber, "tracking": fTrackingNumber, "tracking #": fTrackingNumber,
	"shipment id":   fTrackingNumber,
	"tracking link": fTrackingURL, "tracking url": fTrackingURL, "track order": fTrackingURL,
	"quantity received": fQtyReceived, "qty received": fQtyReceived,
	"payment method": fPaymentMethod, "payment": fPaymentMethod,
	"shipping address": fShippingAddress, "address": fShippingAddress, "ship to": fShippingAddress,
	"shipping method": fShippingMethod, "shipping": fShippingMethod,
	"notes": fNotes, "note": fNotes,
	"store": fStore, "site": fStore, "retailer": fStore,
	"share link": fShareLink, "product link": fShareLink,
	"image": fImageURL, "image url": fImageURL, "thumbnail": fImageURL,

	// Other bots' and forwarders' names.
	"products": fProduct, "product - name": fProduct, "product title": fProduct,
	"item title": fProduct,
	"cost":       fPrice, "product - price": fPrice, "product price": fPrice, "item price": fPrice,
	"price each":  fPrice,
	"grand total": fTotal, "total cost": fTotal,
	"billing profile": fProfile, "checkout profile": fProfile, "task profile": fProfile,
	"proxy used": fProxyList,
	"conf #":     fOrderNumber, "conf": fOrderNumber, "conf number": fOrderNumber,
	"confirmation": fOrderNumber, "confirmation #": fOrderNumber,
	"confirmation number": fOrderNumber, "order confirmation": fOrderNumber,
	"order num": fOrderNumber, "order n°": fOrderNumber, "order nº": fOrderNumber,
	"ordernumber": fOrderNumber, "order numer": fOrderNumber, "order nunber": fOrderNumber,
	"order numbr": fOrderNumber, "order nummer": fOrderNumber, "oder number": fOrderNumber,
	"order numver": fOrderNumber, "order numbe": fOrderNumber,
	"order numbers": fOrderNumber, "order-number": fOrderNumber,
	"website": fStore, "web site": fStore, "store name": fStore, "shop": fStore,
	"merchant":        fStore,
	"tracking id":     fTrackingNumber,
	"order track url": fTrackingURL, "track url": fTrackingURL, "order tracking": fTrackingURL,
	"profile email": fEmail, "login": fEmail, "account login": fEmail,
	"srore": fStore, "variant price": fPrice,
}

// multiLine fields take every value line up to the next known label. The others take one
// line; a further line before the next known label starts an unrecognised field.
var multiLine = map[string]bool{fShippingAddress: true, fNotes: true}

// linkFields keep the URL of a masked link instead of its text.
var linkFields = map[string]bool{fShareLink: true, fTrackingURL: true, fImageURL: true}

// labelKey normalises a label line for lookup, so that decoration never hides a label:
// markdown, quote and list marks, emoji (Unicode or a server's <:name:id>), leading
// punctuation and a trailing colon are removed, case folded, runs of spaces folded to one.
// "🔢 **Order #:**" and "> __Order #__" are both "order #".
func labelKey(line string) string {
	return strings.ToLower(labelText(line))
}

// isSpaceButBlank is white space other than the plain blank.
func isSpaceButBlank(r rune) bool { return r != ' ' && unicode.IsSpace(r) }

// customEmoji is a Discord server emoji as it appears in text: <:cart:123> or <a:spin:123>.
var customEmoji = regexp.MustCompile(`<a?:\w+:\d+>`)

// withoutCustomEmoji removes server emoji, whose colons would otherwise split a label.
func withoutCustomEmoji(line string) string {
	if !strings.Contains(line, "<") {
		return line
	}
	return strings.TrimSpace(customEmoji.ReplaceAllString(line, " "))
}

// dropDecoration removes what decorates a label without naming it: emphasis markers, quote
// and list marks, emoji with their modifiers, keycaps and variation selectors.
func dropDecoration(r rune) rune {
	if r < utf8.RuneSelf { // most of every label: spare it the Unicode tables
		// "_" stays: it joins words in keys ("unit_price"), and wrapping "__" is stripped
		// by stripMarkup or trimmed at the ends.
		if strings.IndexByte("*~`>|", byte(r)) >= 0 {
			return -1
		}
		return r
	}
	if unicode.In(r, unicode.So, unicode.Sk, unicode.Me) || r == '\uFE0F' || strings.ContainsRune("•·▸►→➜", r) {
		return ' '
	}
	return r
}

// inlineValue is the value after a label's colon, without the emphasis that closed the
// label ("**Price:** $49.99") or wrapped the line ("**Price: $49.99**").
func inlineValue(s string) string {
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "*_~`"))
}

// labelText is how an unrecognised label is kept as an extra key: as written, minus
// decoration and a trailing colon.
func labelText(line string) string {
	s := strings.Map(dropDecoration, stripMarkup(withoutCustomEmoji(line)))
	s = strings.TrimLeftFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	// Any white space, not only blanks: "Order #:\r" (a line that ended in "\r*") must
	// lose its colon as asciiKey's folded blank does.
	s = strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(":._", r) })
	if !strings.Contains(s, "  ") && !strings.ContainsFunc(s, isSpaceButBlank) {
		return s // already single-spaced: spare the allocations of Fields and Join
	}
	return strings.Join(strings.Fields(s), " ")
}

// lookup finds the field a label names. ASCII labels ("**Order Number:**") are folded
// into a buffer on the stack, so the lookup allocates nothing; others (emoji) go through
// labelKey.
func (l labels) lookup(label string) (string, bool) {
	var buf [maxLabel]byte
	if key, ok := asciiKey(label, buf[:0]); ok {
		f, found := l[string(key)]
		return f, found
	}
	f, found := l[labelKey(label)]
	return f, found
}

// Classes of bytes for asciiKey.
const (
	classText  = iota // kept
	classMark         // markdown that decorates a label: dropped
	classSpace        // folded into one blank
	classOther        // a byte of a non-ASCII character: left to labelKey
)

var asciiClass = func() (t [256]byte) {
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = classOther
	}
	for _, c := range []byte("*~`>|") {
		t[c] = classMark
	}
	for _, c := range []byte(" \t\n\v\f\r") {
		t[c] = classSpace
	}
	return t
}()

// asciiKey appends to buf what labelKey gives an ASCII label, decorated or not, without
// allocating: markdown marks dropped, spaces folded, case folded, the ends trimmed. It
// reports false for what only labelKey reads: emoji and other non-ASCII text, server
// emoji. (Spoiler bars are dropped like every "|".)
func asciiKey(label string, buf []byte) ([]byte, bool) {
	if len(label) > cap(buf) || strings.IndexByte(label, '<') >= 0 {
		return nil, false
	}
	space := false
	for i := 0; i < len(label); i++ {
		c := label[i]
		switch asciiClass[c] {
		case classOther:
			return nil, false
		case classMark:
			continue
		case classSpace:
			space = true
			continue
		}
		if space && len(buf) > 0 {
			buf = append(buf, ' ')
		}
		space = false
		if isASCIILetter(c) {
			c |= 0x20
		}
		buf = append(buf, c)
	}
	start := 0
	for start < len(buf) && !isASCIILetter(buf[start]) && (buf[start] < '0' || buf[start] > '9') {
		start++
	}
	end := len(buf)
	for end > start && strings.IndexByte(":._ \t", buf[end-1]) >= 0 {
		end--
	}
	return buf[start:end], true
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// maxLabel is the longest label line, decoration included, in bytes: longer lines are
// values, and are spared the normalisation.
const maxLabel = 64

// known recognises a label line: "Label", "Label: value" or, for a link field, a
// masked link whose text is the label ("[Track Order](https://...)", as other bots post
// in a field with a blank name). It returns the field and any value on the same line.
func (l labels) known(line string) (field, inline string, ok bool) {
	line = withoutCustomEmoji(line)
	if len(line) <= maxLabel {
		if f, ok := l.lookup(line); ok {
			return f, "", true
		}
		if l.isCart(line) {
			return fCartItem, "", true
		}
	}
	if t := strings.TrimSpace(line); strings.HasPrefix(t, "[") && strings.HasSuffix(t, ")") {
		if m := maskedLink.FindStringSubmatch(t); m != nil && m[0] == t {
			if f, ok := l[labelKey(m[1])]; ok && linkFields[f] {
				return f, m[2], true
			}
		}
	}
	if name, value, found := strings.Cut(line, ":"); found && len(name) <= maxLabel {
		if f, ok := l.lookup(name); ok {
			return f, inlineValue(value), true
		}
		if l.isCart(name) {
			return fCartItem, inlineValue(value), true
		}
	}
	return "", "", false
}
