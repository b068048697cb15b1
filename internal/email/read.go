package email

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/roms-dev/roms/internal/parser"
)

// What an email says happened to an order.
const (
	Confirmed      = "confirmed"
	Shipped        = "shipped"
	OutForDelivery = "out_for_delivery"
	Delivered      = "delivered"
	Cancelled      = "cancelled"
	Refunded       = "refunded"
	Returned       = "returned"
)

// Reading is what an email says about an order.
type Reading struct {
	// Event is what happened (Confirmed, Shipped...); "" when the email says nothing of
	// an order's life (marketing, a newsletter).
	Event string `json:"event,omitempty"`
	// Partial is a cancellation of some items only.
	Partial bool `json:"partial,omitempty"`
	// Numbers are the order numbers the email may be about, the likeliest first: those
	// after an order label, then every token shaped like one. Only a known order's number,
	// or the retailer's own shape (Retailer.Pattern), names an order.
	Numbers  []string   `json:"numbers,omitempty"`
	Tracking []Tracking `json:"tracking,omitempty"`
	Retailer string     `json:"retailer,omitempty"` // the store, from the sender
	// NewNumber is the order number in the retailer's own shape, for a confirmation of an
	// order ROMS has not seen; "" otherwise.
	NewNumber string `json:"new_number,omitempty"`
	Product   string `json:"product,omitempty"`
	Quantity  int    `json:"quantity,omitempty"`
}

// Read is what m says about an order.
func Read(m Message) Reading {
	head := firstLines(m.Text, 25)
	r := Reading{Event: event(m.Subject)}
	if r.Event == "" {
		r.Event = event(head)
	}
	r.Partial = r.Event == Cancelled && partial.MatchString(m.Subject+"\n"+head)
	r.Tracking = findTracking(m.Text, m.Links)
	if r.Event == "" && len(r.Tracking) > 0 && shippedHint.MatchString(m.Subject+" "+m.Text) {
		r.Event = Shipped
	}
	r.Numbers = orderNumbers(m.Subject + "\n" + m.Text)
	retailer, ok := retailerOf(m.From)
	if !ok && shopifyStore(m) { // a Shopify store writes from its own domain
		retailer, ok = storeOfDomain(m.From), true
	}
	if ok {
		r.Retailer = retailer.Store
		if retailer.Pattern != nil {
			if n := retailer.Pattern.FindString(m.Subject + "\n" + m.Text); n != "" {
				r.NewNumber = strings.TrimPrefix(n, "#")
				r.Numbers = append([]string{r.NewNumber}, slices.DeleteFunc(r.Numbers, func(s string) bool { return s == r.NewNumber })...)
			}
		}
	}
	r.Product = labelled(m.Text, productLabels)
	if q := quantity.FindStringSubmatch(m.Text); q != nil {
		r.Quantity, _ = strconv.Atoi(q[2])
	}
	return r
}

// firstLines is the first n non-empty lines of s: where an email says what it is about,
// before its footer's "returns" and "cancel anytime".
func firstLines(s string, n int) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if out = append(out, strings.TrimSpace(line)); len(out) == n {
			break
		}
	}
	return strings.Join(out, "\n")
}

// events are the words that say what happened, in the languages read. The one said
// first wins (a headline before its footer), and at the same place the first listed.
var events = []struct {
	event string
	re    *regexp.Regexp
}{
	{Cancelled, regexp.MustCompile(`(?i)\b(cancel+ed|cancel+ation|canceled)\b|annulé|annulation|storniert|stornierung|cancelad|cancelación|annullat|cancellat`)},
	{Refunded, regexp.MustCompile(`(?i)\brefunded\b|\brefund (on|for) (your )?order\b|\b(your )?refund\b[^\n]{0,40}\b(processed|issued|has been|was|is on its way|complete|sent)|rembours(é|ement[^\n]{0,30}(effectué|émis|traité))|erstattet|rückerstattung|reembols(ado|o[^\n]{0,30}(emitido|procesado|realizado))|rimbors(at|o[^\n]{0,30}(effettuato|emesso|elaborato))`)},
	{Returned, regexp.MustCompile(`(?i)\breturn (received|processed|complete)|we('ve| have) received your return|retour (reçu|traité)|rücksendung (erhalten|eingegangen)|devolución (recibida|procesada)|reso (ricevuto|elaborato)`)},
	{Delivered, regexp.MustCompile(`(?i)^\W*(delivered|arrived)\b|\b(package|order|parcel|items?|shipment)s? (has |have )?arrived\b|\b(has been|was|have been|is|got|package|order|item) delivered\b|\bdelivered (today|to your)|a été livré|est livré|colis livré|commande livrée|wurde zugestellt|ist zugestellt|zugestellt:|ha sido entregad|fue entregad|pedido entregado|è stato consegnat|sono stati consegnat|consegnato:`)},
	{OutForDelivery, regexp.MustCompile(`(?i)out for delivery|arriving today|en cours de livraison|in zustellung|wird heute zugestellt|en reparto|in consegna`)},
	{Shipped, regexp.MustCompile(`(?i)\b(has shipped|have shipped|shipped|on its way|on the way|in transit|dispatched|shipment (from|of) order)\b|a été expédi|est expédi|expédié|en route|wurde versandt|versandt|verschickt|unterwegs|ha sido enviado|fue enviado|enviado|en camino|è stato spedit|spedito|in viaggio`)},
	{Confirmed, regexp.MustCompile(`(?i)^\W*ordered:|\border #?[a-z0-9-]+ (is |has been )?(confirmed|received|placed)\b|\b(order (confirmation|confirmed|received|placed)|thanks for (your|the) order|thank you for (your|the) (order|purchase)|we('ve| have) received your order|we got your order)\b|confirmation de (votre )?commande|commande (confirmée|reçue)|merci pour votre commande|bestellbestätigung|bestellung (bestätigt|eingegangen)|danke für deine bestellung|vielen dank für ihre bestellung|confirmación (de tu |del )?pedido|pedido confirmado|gracias por tu (pedido|compra)|conferma (d(ell)?'?ordine)|ordine confermato|grazie per il tuo ordine`)},
}

// hedges are phrases that name an event to come or one that did not happen: "we'll send
// a shipping confirmation when it ships", "expected delivery", "cancel anytime".
var hedges = regexp.MustCompile(`(?i)(will|to) be (delivered|shipped|dispatched)|(once|when|before|after|as soon as) (it|they|your (order|item|package)s?|we) (ships?|is shipped|are shipped|has shipped|leaves?)|expected (delivery|to (ship|arrive))|estimated (delivery|arrival)|(we'll|we will) (send|email|let)[^.\n]*|cancel (anytime|any time|your subscription)|unsubscribe[^.\n]*|dès (qu'il|que votre commande) (sera|est) expédié|sobald (sie|ihre bestellung) versandt|cuando (se envíe|tu pedido sea enviado)|quando (sarà|verrà) spedit`)

// partial is a cancellation of some items only.
var partial = regexp.MustCompile(`(?i)\b(some|one or more|an?) items?\b.*cancel|\bitems? (was|were|has been|have been) cancel|partial(ly)? cancel|partiellement annul|teilweise storniert|artículos? cancelad|articol[oi] annullat`)

// shippedHint says that tracking numbers in an email are of a parcel on its way.
var shippedHint = regexp.MustCompile(`(?i)track (your|my) (package|order|shipment)|tracking (number|info)|suivre (mon|votre) colis|sendungsverfolgung|seguimiento|traccia`)

func event(s string) string {
	s = hedges.ReplaceAllString(s, " ")
	best, at := "", len(s)+1
	for _, e := range events {
		if loc := e.re.FindStringIndex(s); loc != nil && loc[0] < at {
			best, at = e.event, loc[0]
		}
	}
	return best
}

// orderLabel is a label an order number follows, in the languages read.
var orderLabel = regexp.MustCompile(`(?i)(order|commande|bestellung|bestellnummer|auftrag|pedido|ordine)\s*(number|no\.?|num(é|e)ro|nr\.?|n[°ºo]\.?|#|id|nummer)?\s*[:#]?\s*`)

// numberToken is a word shaped like an order number: letters, digits and dashes, with
// four digits at least.
var numberToken = regexp.MustCompile(`#?\b[A-Z0-9][A-Z0-9-]{3,30}[A-Z0-9]\b`)

// notNumber are tokens that look like an order number but are something else: amounts,
// dates, times, phone numbers, zip codes after a state.
var notNumber = regexp.MustCompile(`^\d{1,3}(,\d{3})*(\.\d\d)?$|^\d{4}-\d{2}-\d{2}$|^(1-)?\d{3}-\d{3}-\d{4}$|^\d{5}(-\d{4})?$`)

// orderNumbers are the tokens of text that may be an order's number, those after an
// order label first.
func orderNumbers(text string) []string {
	var labelled, rest []string
	add := func(list *[]string, tok string) {
		tok = strings.TrimPrefix(tok, "#")
		if parser.CountDigits(tok) < 4 || notNumber.MatchString(tok) || slices.Contains(labelled, tok) || slices.Contains(rest, tok) {
			return
		}
		*list = append(*list, tok)
	}
	upper := strings.ToUpper(text)
	for _, loc := range orderLabel.FindAllStringIndex(upper, -1) {
		after := upper[loc[1]:min(loc[1]+48, len(upper))]
		if tok := numberToken.FindString(after); tok != "" && strings.Index(after, strings.TrimPrefix(tok, "#")) < 8 {
			add(&labelled, tok)
		}
	}
	for _, line := range strings.Split(upper, "\n") {
		if priceNear.MatchString(line) && !orderLabel.MatchString(line) {
			continue // a line of amounts: its numbers are prices
		}
		for _, tok := range numberToken.FindAllString(line, -1) {
			add(&rest, tok)
		}
	}
	return append(labelled, rest...)
}

var priceNear = regexp.MustCompile(`[$€£]\s?\d|\d\s?(USD|EUR|GBP|CAD)\b`)

// quantity is the first "Qty: 2" of an email, in the languages read.
var quantity = regexp.MustCompile(`(?im)^\s*(qty|quantity|quantité|menge|anzahl|cantidad|quantità)\s*:?\s*(\d{1,3})\s*$`)

var productLabels = regexp.MustCompile(`(?im)^\s*(item|product|article|artikel|artículo|articolo)\s*:\s*(.+)$`)

// labelled is the value of the first line "Label: value" that re matches.
func labelled(text string, re *regexp.Regexp) string {
	if m := re.FindStringSubmatch(text); m != nil {
		return strings.TrimSpace(m[2])
	}
	return ""
}
