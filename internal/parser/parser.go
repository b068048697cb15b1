// Package parser reads the shared label/value text format that every source produces (a
// header line such as "Successful Checkout | Best Buy US", then label lines each followed
// by value lines) into order fields. It is the only place that knows that format.
package parser

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/roms-dev/roms/internal/order"
)

// Kinds of message, from what the header says happened.
const (
	KindCheckout   = "checkout"
	KindDeclined   = "declined"
	KindCancelled  = "cancelled"
	KindReviewHold = "review_hold"
	// KindCart is a product carted, not bought: "Successfully carted" is no checkout.
	KindCart    = "cart"
	KindUnknown = "unknown"
)

// Errors for input that is not a message at all. Anything readable parses, possibly to a
// message without an order number.
var (
	ErrEmpty   = errors.New("message is empty")
	ErrNotUTF8 = errors.New("message is not valid UTF-8 text")
	ErrBinary  = errors.New("message contains binary data")
)

// Message is what the parser makes of one message.
type Message struct {
	Kind     string       `json:"kind"`
	Fields   order.Fields `json:"fields"`
	Warnings []string     `json:"warnings,omitempty"`
	// DefaultStatus is the status of a new order the message gives none (structured
	// orders); a known order keeps its own.
	DefaultStatus string `json:"default_status,omitempty"`
	// Inferred lists the fields read by meaning rather than by the label table (see
	// infer.go): what ROMS guessed, for a person to check and, if wrong, teach.
	Inferred []string `json:"inferred,omitempty"`

	// numberLabel is the label that gave the order number, so that a surer label further
	// down wins (numberRank).
	numberLabel string

	// repeats is the last number given to each repeated extra label, so that numbering
	// the ten-thousandth "Notes" does not try the nine thousand before it.
	repeats map[string]int

	placements []placement
	cart       map[int]*cartItem
	labels     labels
}

// Placement says where one label of the input went: to a field, to an extra field
// ("extra.Size"), or nowhere because its value was empty. `bot parse` shows them, so that
// a user can see how ROMS reads a new bot's posts.
type Placement struct {
	Label string `json:"label"`
	Field string `json:"field"`
}

// placement is a Placement whose label may still be as written: labels are only
// normalised when someone asks, to spare every message the work.
type placement struct {
	label, field string
	asWritten    bool
}

// Placements lists where each label of the message went, in input order.
func (m Message) Placements() []Placement {
	out := make([]Placement, len(m.placements))
	for i, p := range m.placements {
		out[i] = Placement{Label: p.label, Field: p.field}
		if p.asWritten {
			out[i].Label = labelText(p.label)
		}
	}
	return out
}

// place records where a label went; the label is already as shown.
func (m *Message) place(label, field string) {
	m.placements = append(m.placements, placement{label: label, field: field})
}

// placeWritten records where a label went, the label as written.
func (m *Message) placeWritten(label, field string) {
	m.placements = append(m.placements, placement{label: label, field: field, asWritten: true})
}

// field is one label and its value lines as they appear in the text.
type field struct {
	name  string // canonical name; empty for an unrecognised label
	label string
	lines []string
	// inferred: name was read from the label's words or the value's shape, not the table.
	inferred bool
}

// Parse reads one message with the labels ROMS knows. Credentials in the text are
// redacted before anything else looks at it.
func Parse(text string) (Message, error) { return builtin.Parse(text) }

// Parse reads one message. Credentials in the text are redacted before anything else
// looks at it.
func (r *Reader) Parse(text string) (Message, error) {
	lines, err := splitLines(text)
	if err != nil {
		return Message{}, err
	}
	msg := Message{labels: r.labels}
	header := ""
	if _, _, isLabel := r.labels.known(lines[0]); !isLabel {
		header, lines = lines[0], lines[1:]
	}
	fields, loose := r.labels.group(lines)
	msg.read(header, "", fields, loose)
	return msg, nil
}

// read fills the message from its header, its fields and the lines before the first
// label: the steps text and embeds share.
func (m *Message) read(header, author string, fields []*field, loose []string) {
	m.readHeader(header, author)
	m.placements = make([]placement, 0, len(fields)+1)
	m.inferFields(fields)
	for _, f := range fields {
		m.set(f)
	}
	m.splitStore()
	m.splitProduct()
	if !slices.ContainsFunc(fields, func(f *field) bool { return f.name == fStatus }) {
		m.statusFromReasons()
	}
	m.totalCart()
	m.placeLoose(loose)
	m.fromHeader(header, author)
}

// splitLines normalises the text (BOM, CRLF, zero-width characters, trailing spaces,
// blank lines) and returns its non-blank lines.
func splitLines(text string) ([]string, error) {
	if !utf8.ValidString(text) {
		return nil, ErrNotUTF8
	}
	ascii := isASCII(text)
	if hasBinary(text, ascii) {
		return nil, ErrBinary
	}
	if !ascii { // the invisible characters are all outside ASCII
		text = strings.Map(dropInvisible, text)
	}
	lines := nonBlankLines(Redact(text))
	if len(lines) == 0 {
		return nil, ErrEmpty
	}
	return lines, nil
}

// hasBinary reports whether text holds control characters other than line breaks and
// tabs. ASCII text is checked a byte at a time.
func hasBinary(text string, ascii bool) bool {
	if !ascii {
		return strings.ContainsFunc(text, isBinary)
	}
	for i := 0; i < len(text); i++ {
		if c := text[i]; (c < ' ' && c != '\n' && c != '\r' && c != '\t') || c == 0x7f {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isBinary(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
}

// dropInvisible removes the BOM and zero-width characters Discord uses as spacers.
func dropInvisible(r rune) rune {
	switch r {
	case '\uFEFF', '\u200B', '\u200C', '\u200D', '\u2060':
		return -1
	}
	return r
}

// group splits the lines after the header into fields. Lines before the first label are
// returned as loose lines (an embed's description).
func (l labels) group(lines []string) (fields []*field, loose []string) {
	// A line starts at most one field: one slab holds them all. A field's value lines
	// follow its label, so they are a slice of lines, and appending the next line writes
	// the same string over itself.
	slab := make([]field, 0, len(lines))
	fields = make([]*field, 0, len(lines))
	var cur *field
	for i, line := range lines {
		next := lines[i+1 : i+1]
		if name, inline, ok := l.known(line); ok {
			slab = append(slab, field{name: name, label: labelPart(line, inline), lines: next})
			cur = &slab[len(slab)-1]
			if inline != "" {
				cur.lines = []string{inline}
			}
			fields = append(fields, cur)
			continue
		}
		takesLine := cur != nil && (len(cur.lines) == 0 || multiLine[cur.name])
		var label, value string
		inline := false
		if !takesLine {
			label, value, inline = unknownInline(line)
		}
		switch {
		case inline && (cur != nil || isBold(label)):
			// "Size: 10" after a field with its value, or "**Size:** 10" in a description,
			// is a field we do not know. A description's "Pokemon TCG: Scarlet" is not.
			slab = append(slab, field{label: label, lines: []string{value}})
			cur = &slab[len(slab)-1]
			fields = append(fields, cur)
		case cur == nil && len(loose) == i && !inferable(line):
			loose = lines[:len(loose)+1] // the lines before the first field
		case cur == nil:
			// "Numéro de commande" before any label the table knows: a field to infer.
			slab = append(slab, field{label: line, lines: next})
			cur = &slab[len(slab)-1]
			fields = append(fields, cur)
		case takesLine:
			cur.lines = append(cur.lines, line)
		default:
			// The current field has its one value: this line labels a field we do not know.
			slab = append(slab, field{label: line, lines: next})
			cur = &slab[len(slab)-1]
			fields = append(fields, cur)
		}
	}
	return fields, loose
}

// unknownInline splits a "Label: value" line whose label we do not know. A label is a few
// words with a letter in them, so a URL, a clock time or a sentence is not split.
func unknownInline(line string) (label, value string, ok bool) {
	label, value, found := strings.Cut(withoutCustomEmoji(line), ":")
	value = inlineValue(value)
	text := labelText(label)
	if !found || value == "" || strings.HasPrefix(value, "//") || len(text) > 32 ||
		len(strings.Fields(text)) > 4 || !strings.ContainsFunc(text, unicode.IsLetter) {
		return "", "", false
	}
	return label, value, true
}

// isBold reports whether a label was set in bold, as forwarders mark labels.
func isBold(label string) bool {
	label = strings.TrimLeft(label, "> -•")
	return strings.HasPrefix(label, "**") || strings.HasPrefix(label, "__")
}

// labelPart is the label of a line that also holds its value.
func labelPart(line, inline string) string {
	if i := strings.LastIndex(line, inline); inline != "" && i > 0 {
		return line[:i]
	}
	return line
}

// splitHeader finds what happened and where from a header like "Successful Checkout |
// Best Buy US".
func splitHeader(header string) (kind, store string) {
	what, where, _ := strings.Cut(stripMarkup(header), " | ")
	return headerKind(strings.ToLower(what)), strings.TrimSpace(where)
}

// readHeader sets what happened and where from the header and, for an embed, its author
// line, which says what the title does not: Refract titles "Successful Checkout" and
// names the store in the author, "Successful Checkout | Target". An unrecognised header
// gives no status.
func (m *Message) readHeader(header, author string) {
	kind, store := splitHeader(header)
	if kind == KindUnknown || store == "" {
		byAuthor, authorStore := splitHeader(author)
		if kind == KindUnknown {
			kind = byAuthor
		}
		if store == "" && byAuthor != KindUnknown {
			store = authorStore
		}
	}
	m.Kind, m.Fields.Status, m.Fields.Store = kind, kindStatus[kind], store
	if kind == KindUnknown && header != "" {
		// A tracker's "Order Shipped!" says what became of an order it does not buy.
		m.Fields.Status = trackerStatus(header)
	}
	m.Fields.RawHeader = header
}

// fromHeader takes from the header what no field gave: a price written in the title
// ("Checkout Successful - $59.99"), and the store when the author line is nothing but its
// name.
func (m *Message) fromHeader(header, author string) {
	fs := &m.Fields
	if fs.Price == nil && fs.Total == nil {
		if text := priceInTitle.FindString(header); text != "" {
			if amount, currency, err := parseMoney(text); err == nil {
				fs.Price = &amount
				if fs.Currency == "" {
					fs.Currency = currency
				}
				m.place("(price in the title)", fPrice)
			}
		}
	}
	if fs.Store == "" && author != "" {
		name := cleanValue(fStore, author)
		if kind, _ := splitHeader(name); kind == KindUnknown && len(strings.Fields(name)) <= 4 {
			fs.Store = name
			m.place("(author)", fStore)
		}
	}
	if fs.Store == "" {
		for _, text := range []string{header, author} {
			if name := retailerIn(stripMarkup(text)); name != "" {
				fs.Store = name
				m.place("(a retailer named in the title)", fStore)
				m.infer(fStore)
				break
			}
		}
	}
}

// priceInTitle is an amount with its currency sign, as bots write a price into a title.
var priceInTitle = regexp.MustCompile(`[$€£]\s?\d[\d,]*(?:\.\d{1,2})?`)

var kindStatus = map[string]string{
	KindCheckout:   order.StatusVerified,
	KindDeclined:   order.StatusDeclined,
	KindCancelled:  order.StatusCancelled,
	KindReviewHold: order.StatusReviewHold,
}

// IsHeader reports whether a line is a checkout message's header, such as "Successful
// Checkout | Best Buy US": where one message ends and the next begins in pasted text. The
// " | store" part is required, so a note that mentions a cancellation is not a header.
func IsHeader(line string) bool {
	what, _, ok := strings.Cut(stripMarkup(line), " | ")
	return ok && headerKind(strings.ToLower(what)) != KindUnknown
}

// HeaderStatus is the status a header of this kind implies, or "".
func HeaderStatus(kind string) string {
	return kindStatus[kind]
}

// headerKind reads what happened from a title, an author name or a status value, in
// lower case. The mapping is documented in README.md ("What becomes of a message").
func headerKind(h string) string {
	// Failures first: "Checkout Declined" and "Checkout Failed" also contain "checkout".
	switch {
	case strings.Contains(h, "declined"), strings.Contains(h, "fail"), strings.Contains(h, "error"),
		strings.Contains(h, "unsuccess"):
		return KindDeclined
	case strings.Contains(h, "cancel"):
		return KindCancelled
	case strings.Contains(h, "review"), strings.Contains(h, "on hold"):
		return KindReviewHold
	case strings.Contains(h, "successful checkout"), strings.Contains(h, "successfully checked out"),
		strings.Contains(h, "checkout success"), strings.Contains(h, "checkout successful"),
		strings.Contains(h, "checked out"), strings.Contains(h, "copped"), strings.Contains(h, "cooked"),
		strings.Contains(h, "order placed"), strings.Contains(h, "order confirmed"):
		return KindCheckout
	case strings.Contains(h, "cart"):
		// "Successfully carted" is not a checkout.
		return KindCart
	case strings.Contains(h, "success") && !strings.ContainsFunc(h, unicode.IsDigit) && !notCheckout(h),
		hasWord(h, "paid"), hasWord(h, "placed"), hasWord(h, "purchased"):
		// "Kodai Success", "Supreme Success", "Invoice Paid!"
		return KindCheckout
	}
	return KindUnknown
}

// notCheckouts are what bots also report as a success without buying anything.
var notCheckouts = []string{"track", "restock", "monitor", "login", "logged", "test", "generat",
	"saved", "updated", "connect", "started", "added", "joined", "solved"}

func notCheckout(h string) bool {
	for _, w := range notCheckouts {
		if strings.Contains(h, w) {
			return true
		}
	}
	return false
}

// hasWord reports whether lower-case text holds word standing alone.
func hasWord(text, word string) bool { return wordIndex(text, word) >= 0 }

// statusReasons are fields whose presence says what became of the order, whatever the
// title said: a "Successful Checkout" with a "Cancel Reason" was cancelled.
var statusReasons = map[string]string{
	"cancel reason": order.StatusCancelled, "cancellation reason": order.StatusCancelled,
	"cancelled reason": order.StatusCancelled, "decline reason": order.StatusDeclined,
	"declined reason": order.StatusDeclined, "failure reason": order.StatusDeclined,
	"fail reason": order.StatusDeclined, "hold reason": order.StatusReviewHold,
	"review reason": order.StatusReviewHold,
}

// statusFromReasons applies statusReasons, for a message without an explicit status.
func (m *Message) statusFromReasons() {
	for key, value := range m.Fields.Extra {
		key, _, _ = strings.Cut(key, " (") // a repeated label's numbered key
		if status, ok := statusReasons[labelKey(key)]; ok && value != "" {
			m.Fields.Status = status
			if m.Kind == KindCheckout || m.Kind == KindUnknown {
				m.Kind = statusKind[status]
			}
			return
		}
	}
}

// statusKind is kindStatus the other way round.
var statusKind = func() map[string]string {
	m := make(map[string]string, len(kindStatus))
	for kind, status := range kindStatus {
		m[status] = kind
	}
	return m
}()

// NormaliseStatus turns a status as people write it into the stored slug.
func NormaliseStatus(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if k := headerKind(s); kindStatus[k] != "" {
		return kindStatus[k]
	}
	if s == "success" || s == "successful" {
		return order.StatusVerified
	}
	if !order.ValidStatus(strings.ReplaceAll(s, " ", "_")) {
		if status := trackerStatus(s); status != "" {
			return status // "The shipment has been delivered", "STATUS_IN_TRANSIT"
		}
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), "_")
}

// set stores one field of the text into the message.
func (m *Message) set(f *field) {
	if f.name == "" || f.name == fCartItem {
		label := labelText(f.label)
		value := cleanValue("", strings.Join(f.lines, "\n"))
		if f.name == fCartItem && m.addCartLine(label, value) {
			m.place(label, "items")
			return
		}
		m.addExtra(label, value)
		return
	}
	value := m.joinValue(f)
	name := f.name
	if name == fProduct && isURL(value) && m.Fields.ShareLink == "" {
		name = fShareLink // the product's page, its name left to the description
	}
	if name == fOrderNumber && m.Fields.OrderNumber != "" && numberRank(f.label) > numberRank(m.numberLabel) {
		m.demoteNumber()
	}
	switch {
	case f.inferred:
		m.setInferred(f, value)
	case value == "":
		m.placeWritten(f.label, "(empty)")
	case m.setKnown(name, value):
		m.placeWritten(f.label, name)
		if name == fOrderNumber {
			m.numberLabel = f.label
		}
	default:
		// A repeated label or an unreadable number: kept as text, never dropped.
		m.addExtra(labelText(f.label), value)
	}
}

// joinValue is a known field's value: its lines cleaned and joined, by line breaks for a
// multi-line field and spaces for the others.
func (m *Message) joinValue(f *field) string {
	if len(f.lines) == 1 { // nearly every field: spare the slice
		return cleanValue(f.name, f.lines[0])
	}
	var parts []string
	for _, line := range f.lines {
		if v := cleanValue(f.name, line); v != "" {
			parts = append(parts, v)
		}
	}
	sep := " "
	if multiLine[f.name] {
		sep = "\n"
	}
	return strings.Join(parts, sep)
}

// setKnown sets a recognised field unless the message already has it.
func (m *Message) setKnown(name, value string) bool {
	fs := &m.Fields
	switch name {
	case fPrice:
		return m.setMoney(&fs.Price, name, value)
	case fTotal:
		return m.setMoney(&fs.Total, name, value)
	case fCommission:
		return m.setMoney(&fs.Commission, name, value)
	case fQuantity:
		return m.setCount(&fs.Quantity, name, value)
	case fQtyReceived:
		return m.setCount(&fs.QtyReceived, name, value)
	case fTrackingNumber:
		if fs.TrackingNumbers != nil {
			return false
		}
		fs.TrackingNumbers = order.SplitList(value)
		return true
	case fOrderNumber:
		if isURL(value) {
			if value = numberInURL(value); value == "" {
				return false
			}
		}
		value = order.CleanNumber(value)
	case fStatus:
		value = NormaliseStatus(value)
	}
	dst := m.stringField(name)
	if *dst != "" && !m.overridesHeader(name) {
		return false
	}
	*dst = value
	return true
}

// overridesHeader: an explicit Status or Store field wins over what the header implied.
func (m *Message) overridesHeader(name string) bool {
	return name == fStatus || name == fStore
}

func (m *Message) stringField(name string) *string {
	fs := &m.Fields
	switch name {
	case fProduct:
		return &fs.Product
	case fProfile:
		return &fs.Profile
	case fProxyList:
		return &fs.ProxyList
	case fOrderNumber:
		return &fs.OrderNumber
	case fEmail:
		return &fs.Email
	case fCustomerName:
		return &fs.CustomerName
	case fReferenceNumber:
		return &fs.ReferenceNumber
	case fStatus:
		return &fs.Status
	case fTrackingURL:
		return &fs.TrackingURL
	case fPaymentMethod:
		return &fs.PaymentMethod
	case fShippingAddress:
		return &fs.ShippingAddress
	case fShippingMethod:
		return &fs.ShippingMethod
	case fNotes:
		return &fs.Notes
	case fStore:
		return &fs.Store
	case fShareLink:
		return &fs.ShareLink
	case fImageURL:
		return &fs.ImageURL
	}
	panic("parser: no field " + name) // every alias maps to a field above
}

func (m *Message) setMoney(dst **order.Money, name, value string) bool {
	if *dst != nil {
		return false
	}
	amount, currency, err := readMoney(value)
	if err != nil {
		m.warn("%s: %v; kept as text", name, err)
		return false
	}
	*dst = &amount
	if m.Fields.Currency == "" {
		m.Fields.Currency = currency
	}
	return true
}

func (m *Message) setCount(dst **int, name, value string) bool {
	if *dst != nil {
		return false
	}
	n, err := parseCount(value)
	if err != nil {
		m.warn("%s: %v; kept as text", name, err)
		return false
	}
	*dst = &n
	return true
}

// placeLoose handles lines before the first label. Bots that put the product in the
// embed description produce exactly one: it is the product when no label named one.
func (m *Message) placeLoose(loose []string) {
	if len(loose) == 0 {
		return
	}
	if m.Fields.Product == "" {
		m.Fields.Product = cleanValue(fProduct, loose[0])
		m.place("(first line of the description)", fProduct)
		loose = loose[1:]
	}
	if len(loose) > 0 {
		m.addExtra("description", cleanValue("", strings.Join(loose, "\n")))
	}
}

// addExtra keeps an unrecognised field; a repeated label gets a numbered key.
func (m *Message) addExtra(label, value string) {
	if label == "" {
		label = "field"
	}
	if m.Fields.Extra == nil {
		m.Fields.Extra = map[string]string{}
	}
	key := label
	if _, taken := m.Fields.Extra[key]; taken {
		if m.repeats == nil {
			m.repeats = map[string]int{}
		}
		n := max(m.repeats[label], 1)
		for taken {
			n++
			key = fmt.Sprintf("%s (%d)", label, n)
			_, taken = m.Fields.Extra[key]
		}
		m.repeats[label] = n
	}
	m.Fields.Extra[key] = value
	m.place(label, "extra."+key)
}

func (m *Message) warn(format string, args ...any) {
	m.Warnings = append(m.Warnings, fmt.Sprintf(format, args...))
}
