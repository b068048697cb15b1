package parser

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Inference reads a label the table does not know by the words it is made of, and a value
// by its shape. The table stays the first and exact rule: a field inferred here never takes
// the place of one the table named, and every inferred field is listed in
// Message.Inferred so that a person can see what ROMS guessed and teach it otherwise.

// concept is a set of meanings found in a label's words.
type concept uint32

const (
	cOrder concept = 1 << iota
	cNumber
	cID
	cConfirm
	cStatus
	cEmail
	cPrice
	cTotal
	cProduct
	cQuantity
	cProfile
	cStore
	cTracking
	cProxy
	cName
	cCustomer
	cShip
	cAddress
	cMethod
	cPayment
	cLink
	// cBlock is a word that turns a label into something else than the field its other
	// words name: a "Shipping Fee" is no price, an "Estimated Delivery Date" no status.
	cBlock
	// cNone is a word that adds nothing: "de" in "Numéro de commande".
	cNone
)

// conceptWords are label words, in lower case without accents, in the languages our users'
// bots post in (English, German, French, Spanish, Italian, Dutch) and their abbreviations.
var conceptWords = map[string]concept{
	"order": cOrder, "orders": cOrder, "commande": cOrder, "bestellung": cOrder, "bestell": cOrder,
	"pedido": cOrder, "ordine": cOrder, "bestelling": cOrder, "ordre": cOrder, "orden": cOrder,
	"auftrag": cOrder, "purchase": cOrder, "achat": cOrder, "compra": cOrder,

	"number": cNumber, "num": cNumber, "nr": cNumber, "no": cNumber, "nº": cNumber, "n°": cNumber,
	"#": cNumber, "numero": cNumber, "nummer": cNumber, "numer": cNumber, "nro": cNumber,
	"id":           cID,
	"confirmation": cConfirm, "confirmed": cConfirm, "confirm": cConfirm, "conf": cConfirm,
	"confirmacion": cConfirm, "bestatigung": cConfirm, "bestaetigung": cConfirm,
	"conferma": cConfirm, "bevestiging": cConfirm,

	"status": cStatus, "state": cStatus, "statut": cStatus, "estado": cStatus, "stato": cStatus,
	"zustand": cStatus, "etat": cStatus,

	"email": cEmail, "mail": cEmail, "courriel": cEmail, "correo": cEmail, "emailadresse": cEmail,

	"price": cPrice, "prix": cPrice, "preis": cPrice, "precio": cPrice, "prezzo": cPrice,
	"prijs": cPrice, "cost": cPrice, "coste": cPrice, "costo": cPrice,
	"total": cTotal, "totale": cTotal, "totaal": cTotal, "gesamt": cTotal, "summe": cTotal,
	"amount": cTotal, "montant": cTotal, "importe": cTotal, "betrag": cTotal, "bedrag": cTotal,
	"sum": cTotal, "grand": cTotal, "importo": cTotal,

	"product": cProduct, "produit": cProduct, "produkt": cProduct, "producto": cProduct,
	"prodotto": cProduct, "artikel": cProduct, "article": cProduct, "articulo": cProduct,
	"articolo": cProduct, "item": cProduct, "items": cProduct,

	"quantity": cQuantity, "qty": cQuantity, "quantite": cQuantity, "menge": cQuantity,
	"anzahl": cQuantity, "cantidad": cQuantity, "quantita": cQuantity, "aantal": cQuantity,
	"units": cQuantity, "pcs": cQuantity, "stuck": cQuantity,

	"profile": cProfile, "profil": cProfile, "perfil": cProfile, "profilo": cProfile,

	"store": cStore, "shop": cStore, "site": cStore, "retailer": cStore, "merchant": cStore,
	"magasin": cStore, "boutique": cStore, "tienda": cStore, "negozio": cStore, "winkel": cStore,
	"laden": cStore, "handler": cStore, "haendler": cStore, "website": cStore, "webshop": cStore,
	"vendor": cStore,

	"tracking": cTracking, "track": cTracking, "tracknum": cTracking, "suivi": cTracking,
	"seguimiento": cTracking, "sendung": cTracking, "sendungs": cTracking,
	"tracciamento": cTracking, "tracker": cTracking,

	"proxy": cProxy, "proxies": cProxy,

	"name": cName, "nom": cName, "nombre": cName, "nome": cName, "naam": cName,
	"customer": cCustomer, "recipient": cCustomer, "buyer": cCustomer, "client": cCustomer,
	"kunde": cCustomer, "cliente": cCustomer, "klant": cCustomer, "destinataire": cCustomer,
	"destinatario": cCustomer, "empfanger": cCustomer, "full": cCustomer,
	"shipping": cShip, "ship": cShip, "delivery": cShip, "livraison": cShip, "versand": cShip,
	"envio": cShip, "spedizione": cShip, "verzending": cShip, "lieferung": cShip,
	"address": cAddress, "adresse": cAddress, "direccion": cAddress, "indirizzo": cAddress,
	"adres": cAddress, "anschrift": cAddress,
	"method": cMethod, "methode": cMethod, "metodo": cMethod,
	"payment": cPayment, "paiement": cPayment, "zahlung": cPayment, "pago": cPayment,
	"pagamento": cPayment, "betaling": cPayment, "card": cPayment,
	"link": cLink, "url": cLink, "lien": cLink, "enlace": cLink,

	"fee": cBlock, "fees": cBlock, "tax": cBlock, "taxes": cBlock, "vat": cBlock,
	"discount": cBlock, "profit": cBlock, "payout": cBlock, "resell": cBlock, "resale": cBlock,
	"market": cBlock, "commission": cBlock, "savings": cBlock, "saved": cBlock, "balance": cBlock,
	"credit": cBlock, "refund": cBlock, "subtotal": cBlock, "deposit": cBlock, "tip": cBlock,
	"speed": cBlock, "time": cBlock, "date": cBlock, "datum": cBlock, "fecha": cBlock,
	"delay": cBlock, "eta": cBlock, "estimated": cBlock, "duration": cBlock, "sku": cBlock,
	"frais": cBlock, "gebuhr": cBlock, "envoi": cBlock, "retail": cBlock, "coupon": cBlock,
	"code": cNone, "de": cNone, "of": cNone, "the": cNone, "du": cNone, "la": cNone,
	"le": cNone, "del": cNone, "di": cNone, "da": cNone, "van": cNone, "der": cNone,
	"des": cNone, "your": cNone, "my": cNone, "used": cNone, "utilise": cNone, "e": cNone,
	"unit": cNone, "title": cNone, "checkout": cNone, "account": cNone, "billing": cNone,
	"info": cNone, "details": cNone, "s": cNone, "each": cNone, "per": cNone,
}

// labelConcepts reads a label's words. It reports false when a word means nothing it
// knows: "Order Type" is not an order number, and a label is only read when every word
// is understood.
func labelConcepts(label string) (concept, bool) {
	var c concept
	words := labelWords(label)
	if len(words) == 0 {
		return 0, false
	}
	for _, w := range words {
		wc, ok := wordConcept(w)
		if !ok {
			return 0, false
		}
		c |= wc
	}
	return c, c&^cNone != 0
}

// wordConcept is a word's meaning, a fused word ("ordernumber", "bestellnummer") read as
// the known words it is made of.
func wordConcept(w string) (concept, bool) {
	if c, ok := conceptWords[w]; ok {
		return c, true
	}
	for i := len(w) - 2; i >= 2; i-- {
		head, ok := conceptWords[w[:i]]
		if !ok || head == cNone {
			continue
		}
		if tail, ok := wordConcept(w[i:]); ok && tail != cNone {
			return head | tail, true
		}
	}
	return 0, false
}

// labelWords splits a label into lower-case words without accents: "OrderNumber",
// "order_number" and "ORDER NUMBER" all give [order number]; "#" and "n°" are words.
func labelWords(label string) []string {
	text := labelText(label)
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	var prev rune
	for _, r := range text {
		switch {
		case r == '#':
			flush()
			words = append(words, "#")
		case r == '°' || r == 'º':
			b.WriteRune('°')
			flush()
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsUpper(r) && unicode.IsLower(prev) {
				flush() // camelCase
			}
			b.WriteString(foldRune(r))
		default:
			flush()
		}
		prev = r
	}
	flush()
	return words
}

// foldRune is a letter in lower case without its accent: "É" is "e", "ß" is "ss".
func foldRune(r rune) string {
	r = unicode.ToLower(r)
	if r < 0x80 {
		return string(r)
	}
	if s, ok := accents[r]; ok {
		return s
	}
	return string(r)
}

var accents = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l"}
	for base, letters := range map[string]string{
		"a": "àáâãäåā", "c": "çćč", "e": "èéêëēě", "i": "ìíîïī", "n": "ñń",
		"o": "òóôõöō", "u": "ùúûüū", "y": "ýÿ", "s": "šś", "z": "žźż", "r": "ř",
	} {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()

// fold is text in lower case without accents, with where each of its bytes came from in
// text, so that a name found in the folded text can be cut from the text as written.
func fold(text string) (string, []int) {
	var b strings.Builder
	at := make([]int, 0, len(text)+1)
	for i, r := range text {
		s := foldRune(r)
		b.WriteString(s)
		for range len(s) {
			at = append(at, i)
		}
	}
	at = append(at, len(text))
	return b.String(), at
}

// inferable reports whether a line is a label the table lacks but its words name a
// field: in text, such a label before the first known one starts a field rather than
// the description.
func inferable(line string) bool {
	if len(line) > maxLabel {
		return false
	}
	c, ok := labelConcepts(line)
	return ok && conceptField(c) != ""
}

// inferName is the field an unknown label names by its words, given its cleaned value,
// or "". The value must have the field's shape: an order number holds a digit, an email
// an "@", a price an amount.
func inferName(c concept, value string) string {
	name := conceptField(c)
	if !fitsField(name, value) {
		return ""
	}
	return name
}

// conceptField turns the meanings of a label into the field it names, the most specific
// meaning first: "Order Status" is a status, "Order Total" a total, "Shipping Name" the
// customer's name.
func conceptField(c concept) string {
	has := func(x concept) bool { return c&x != 0 }
	switch {
	case has(cBlock):
		return ""
	case has(cTracking):
		if has(cLink) {
			return fTrackingURL
		}
		return fTrackingNumber
	case has(cStatus):
		return fStatus
	case has(cEmail):
		return fEmail
	case has(cShip) && has(cPrice|cTotal):
		return "" // shipping's cost is not the order's
	case has(cTotal):
		return fTotal
	case has(cPrice):
		return fPrice
	case has(cQuantity):
		return fQuantity
	case has(cProduct) && has(cLink):
		return fShareLink
	case has(cProduct):
		return fProduct
	case has(cProfile):
		return fProfile
	case has(cStore):
		return fStore
	case has(cProxy):
		return fProxyList
	case has(cAddress):
		return fShippingAddress
	case has(cName) && has(cCustomer|cShip), c&^cNone == cCustomer:
		return fCustomerName
	case has(cPayment), c&^cNone == cMethod:
		return fPaymentMethod
	case has(cShip) && has(cMethod):
		return fShippingMethod
	case c&^(cNone|cOrder|cNumber|cID|cConfirm) == 0 && has(cOrder|cConfirm):
		return fOrderNumber
	}
	return ""
}

// fitsField reports whether a value has the shape of the field it would go to.
func fitsField(name, value string) bool {
	switch name {
	case "":
		return false
	case fOrderNumber:
		return strings.ContainsFunc(value, unicode.IsDigit) && len(value) <= 2*maxLabel &&
			(isURL(value) || len(strings.Fields(value)) <= 2)
	case fEmail:
		return strings.Contains(value, "@")
	case fPrice, fTotal:
		_, _, err := readMoney(value)
		return err == nil
	case fQuantity:
		_, err := parseCount(value)
		return err == nil
	}
	return value != ""
}

// emailShape is a value that is nothing but an email address.
var emailShape = regexp.MustCompile(`^[^\s@<>:/]+@[^\s@<>:/]+\.[A-Za-z]{2,}$`)

// shapeName is the field an unknown label's value is by its shape alone, when the
// label's words say nothing against it: an email address, an amount with its currency,
// a tracker's status words.
func shapeName(label, value string, taken func(string) bool) string {
	if value == "" || hasBlockWord(label) {
		return ""
	}
	switch {
	case emailShape.MatchString(value):
		if !taken(fEmail) {
			return fEmail
		}
	case hasCurrency(value):
		if !taken(fPrice) && !taken(fTotal) {
			return fPrice
		}
	case len(strings.Fields(value)) <= 5 && trackerStatus(value) != "":
		if !taken(fStatus) {
			return fStatus
		}
	}
	return ""
}

// hasCurrency reports whether a value is an amount and nothing else, with its currency
// written: "£59.98", "49,00 €", "180 USD".
func hasCurrency(value string) bool {
	if !strings.ContainsFunc(value, unicode.IsDigit) {
		return false
	}
	_, currency, err := parseMoney(value)
	return err == nil && currency != ""
}

// hasBlockWord reports whether a label has a word that makes a value something else than
// an order's own: a fee, a tax, a speed.
func hasBlockWord(label string) bool {
	for _, w := range labelWords(label) {
		if c, ok := wordConcept(w); ok && c&(cBlock|cShip) != 0 {
			return true
		}
	}
	return false
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http") && bareURL.FindString(s) == s
}

// numberInURL is the order number in an order page's address, as some bots post the
// confirmation page instead of the number: the last part of the path, or a query value,
// with at least four digits.
func numberInURL(s string) string {
	found := ""
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("/?&=#", r) }) {
		if orderToken.MatchString(part) && CountDigits(part) >= 4 {
			found = part
		}
	}
	return found
}

var orderToken = regexp.MustCompile(`^[A-Za-z0-9_-]{4,40}$`)

// CountDigits is how many digits s holds: an order number has several, a word none.
func CountDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// numberRank says how surely a label names the order number: "Order #" and
// "Confirmation Number" more than "Order ID" or "Order", which portals also use for their
// own ids ("Order ID #412" above the retailer's "Order #").
func numberRank(label string) int {
	for _, w := range labelWords(label) {
		if c, ok := wordConcept(w); ok && c&(cNumber|cConfirm) != 0 {
			return 2
		}
	}
	return 1
}

// trackerStatus finds a status in a tracker's words, in any of our users' languages and
// inside a token ("STATUS_SHIPPED", "orderDelivered"), or "".
func trackerStatus(text string) string {
	words := labelWords(text)
	for i, w := range words {
		if i+1 < len(words) && (w == "in" && words[i+1] == "transit" || w == "out" && words[i+1] == "for") {
			return "shipped"
		}
		if status := statusWord(w); status != "" {
			return status
		}
	}
	return ""
}

// statusWords start the words of each status a tracker writes. Checked in this order: a
// word for "cancelled" may also contain one for "shipped" ("shipment cancelled").
var statusWords = []struct{ status, prefixes string }{
	{"cancelled", "cancel annul storn anulad annullat geannuleerd"},
	{"refunded", "refunded reembols rembours erstattet rimborsat terugbetaald"},
	{"returned", "returned devuelt retourn zuruckgesendet"},
	{"delivered", "delivered entregad zugestellt geliefert livre consegnat bezorgd afgeleverd"},
	{"shipped", "shipped dispatched intransit enviad expedid versandt verschickt expedie spedit verzonden unterwegs"},
}

func statusWord(w string) string {
	for _, s := range statusWords {
		for p := range strings.FieldsSeq(s.prefixes) {
			if strings.HasPrefix(w, p) || (len(p) >= 6 && strings.Contains(w, p)) {
				return s.status
			}
		}
	}
	return ""
}

// inferFields names the fields whose labels the table does not know, by their words
// first and then by their values' shape. A field the table named is never inferred
// again, and each field is inferred at most once.
func (m *Message) inferFields(fields []*field) {
	if !slices.ContainsFunc(fields, func(f *field) bool { return f.name == "" }) {
		return // every label known: nothing to spend on
	}
	taken := map[string]bool{}
	for _, f := range fields {
		if f.name != "" {
			taken[f.name] = true
		}
	}
	claim := func(f *field, name string) {
		f.name, f.inferred, taken[name] = name, true, true
	}
	values := make([]string, len(fields)) // each unknown field's value, cleaned once
	for i, f := range fields {
		if f.name != "" {
			continue
		}
		values[i] = cleanValue("", strings.Join(f.lines, " "))
		if c, ok := labelConcepts(f.label); ok {
			if name := inferName(c, values[i]); name != "" && !taken[name] {
				claim(f, name)
			}
			continue
		}
		if values[i] != "" && !taken[fProduct] && isRetailer(f.label) {
			claim(f, fProduct) // "Supreme": "Box Logo Tee"
		}
	}
	headerStatus := m.Fields.Status != ""
	for i, f := range fields {
		if f.name != "" {
			continue
		}
		name := shapeName(f.label, values[i], func(name string) bool {
			return taken[name] || name == fStatus && headerStatus
		})
		if name != "" {
			claim(f, name)
		}
	}
}

// setInferred stores a field named by inference, or keeps it as an extra field when its
// value does not read as that field after all.
func (m *Message) setInferred(f *field, value string) {
	label := labelText(f.label)
	if f.name == fProduct && m.Fields.Store == "" && isRetailer(label) {
		m.Fields.Store = label
		m.place(label, fStore)
		m.infer(fStore)
	}
	if value != "" && m.setKnown(f.name, value) {
		m.place(label, f.name)
		m.infer(f.name)
		if f.name == fOrderNumber {
			m.numberLabel = f.label
		}
		return
	}
	m.addExtra(label, cleanValue("", strings.Join(f.lines, "\n")))
}

// infer records that a field was guessed.
func (m *Message) infer(name string) {
	if !slices.Contains(m.Inferred, name) {
		m.Inferred = append(m.Inferred, name)
	}
}

// demoteNumber moves the order number to the extra fields under its label, for a surer
// label to give the number.
func (m *Message) demoteNumber() {
	number, label := m.Fields.OrderNumber, labelText(m.numberLabel)
	m.Fields.OrderNumber = ""
	m.Inferred = slices.DeleteFunc(m.Inferred, func(s string) bool { return s == fOrderNumber })
	for i, p := range m.placements {
		if p.field == fOrderNumber {
			m.placements = slices.Delete(m.placements, i, i+1)
			break
		}
	}
	m.addExtra(label, number)
}

// splitStore keeps a store's name apart from the bot's mode written after it:
// "Adidas / Confirmed (FCFS)" is the store Adidas in the mode "Confirmed (FCFS)".
func (m *Message) splitStore() {
	store := m.Fields.Store
	for _, sep := range []string{" / ", " | "} {
		name, mode, ok := strings.Cut(store, sep)
		if !ok || mode == "" || retailerIn(name) != strings.TrimSpace(name) {
			continue
		}
		m.Fields.Store = strings.TrimSpace(name)
		m.addExtra("Mode", strings.TrimSpace(mode))
		m.infer(fStore)
		return
	}
}

// productSize is a size written after a product's name: "Forum Low (9.5)",
// "Box Logo Tee - Size M".
var productSize = regexp.MustCompile(`^(.*\S)\s*(?:\((?i:size\s*)?(` + sizeText + `)\)|[-,]\s*(?i:size)\s+(` + sizeText + `))$`)

const sizeText = `(?i:\d{1,2}(?:[.,]5)?|[2-4]?x{0,3}[sl]|m|xxs|os|one size|(?:us|uk|eu|w)\s?\d{1,2}(?:[.,]5)?)`

// splitProduct keeps a size written into the product's name as the extra field Size,
// when the post has no size of its own.
func (m *Message) splitProduct() {
	fs := &m.Fields
	if fs.Product == "" || !strings.HasSuffix(fs.Product, ")") && !strings.Contains(fs.Product, "ize") &&
		!strings.Contains(fs.Product, "IZE") {
		return
	}
	for key := range fs.Extra {
		if strings.EqualFold(key, "size") || strings.EqualFold(key, "sizes") {
			return
		}
	}
	parts := productSize.FindStringSubmatch(fs.Product)
	if parts == nil {
		return
	}
	fs.Product = parts[1]
	m.addExtra("Size", parts[2]+parts[3])
	m.infer("extra.Size")
}

// LabelField is the field a label names, by the table or by its words, or "": how a
// source that groups several embeds into one order tells an order's number from an
// item's product without parsing them.
func LabelField(label string) string {
	if f, _, ok := aliases.known(label); ok {
		return f
	}
	if c, ok := labelConcepts(label); ok {
		return conceptField(c)
	}
	return ""
}
