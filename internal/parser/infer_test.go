package parser

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestInferByLabelWords reads labels the table does not know, in the ways bots write
// them: other languages, fused, camel-cased, abbreviated, decorated.
func TestInferByLabelWords(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		label, value, field, want string
	}{
		{"🔢 Numéro de commande", "#RM-10492", fOrderNumber, "RM-10492"},
		{"Bestellnummer", "DE-1234", fOrderNumber, "DE-1234"},
		{"Nº de pedido", "ES 5567", fOrderNumber, "ES 5567"},
		{"OrderNo", "A1234", fOrderNumber, "A1234"},
		{"ORDER_CONFIRMATION_NO", "C-99", fOrderNumber, "C-99"},
		{"Order Confirmed", "https://shop.test/ie/checkout/orderConfirmation/300123456", fOrderNumber, "300123456"},
		{"Correo electrónico", "a@b.test", fEmail, "a@b.test"},
		{"MAIL", "buyer%40example.com", fEmail, "buyer@example.com"},
		{"Adresse e-mail", "c@d.test", fEmail, "c@d.test"},
		{"Tracking Code", "JJD0002249000123456", fTrackingNumber, "JJD0002249000123456"},
		{"Sendungsnummer", "00340434", fTrackingNumber, "00340434"},
		{"Estado del pedido", "Entregado", fStatus, "delivered"},
		{"Total Amount", "£59.98", fTotal, "59.98"},
		{"Prix", "49,00 €", fPrice, "49.00"},
		{"Preis", "Kostenlos", fPrice, "0.00"},
		{"Artikel", "Nike Dunk Low", fProduct, "Nike Dunk Low"},
		{"Cantidad", "3", fQuantity, "3"},
		{"Perfil", "Visa 1", fProfile, "Visa 1"},
		{"Boutique", "Courir", fStore, "Courir"},
		{"Shipping name", "Jane Doe", fCustomerName, "Jane Doe"},
		{"Nom du client", "Jean Dupont", fCustomerName, "Jean Dupont"},
		{"Method", "Crypto", fPaymentMethod, "Crypto"},
		{"Adresse de livraison", "1 rue de la Paix", fShippingAddress, "1 rue de la Paix"},
	} {
		t.Run(tt.label, func(t *testing.T) {
			msg := mustParse(t, "Successful Checkout | Store\nOrder ID\nX-1\n"+tt.label+"\n"+tt.value+"\n")
			if tt.field == fOrderNumber {
				msg = mustParse(t, "Successful Checkout | Store\n"+tt.label+"\n"+tt.value+"\n")
			}
			if got := fieldText(msg, tt.field); got != tt.want {
				t.Errorf("%s = %q, want %q (extra %v)", tt.field, got, tt.want, msg.Fields.Extra)
			}
			if !slices.Contains(msg.Inferred, tt.field) {
				t.Errorf("inferred %v, want %s listed", msg.Inferred, tt.field)
			}
		})
	}
}

// TestInferNeverGuessesAgainstTheWords keeps labels whose words say something else, or
// that have a word ROMS does not know, as extra fields.
func TestInferNeverGuessesAgainstTheWords(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ label, value string }{
		{"Order Type", "Delivery 2"},
		{"Shipping Fee", "$5.00"},
		{"Tax", "€1,20"},
		{"Checkout Speed", "8.5s"},
		{"Estimated Delivery Date", "2026-12-09"},
		{"Transaction ID", "TX-88231"},
		{"SKU", "622100"},
		{"Discord", "player#0001"},
		{"Amount Purchased", "5 GB"},
		{"Member name", "Juan Dela Cruz"},
		{"Order Confirmed", "yes"},
		{"Complete Payment", "https://paypal.example.com/checkout"},
	} {
		t.Run(tt.label, func(t *testing.T) {
			msg := mustParse(t, "Successful Checkout | Store\nOrder #\nA-1\n"+tt.label+"\n"+tt.value+"\n")
			if len(msg.Inferred) != 0 || msg.Fields.Extra[tt.label] == "" {
				t.Errorf("inferred %v, extra %v: want %q kept as it is", msg.Inferred, msg.Fields.Extra, tt.label)
			}
		})
	}
}

// TestInferByValueShape reads a value whose label says nothing by what it is, unless the
// table or a label's words already gave that field.
func TestInferByValueShape(t *testing.T) {
	t.Parallel()
	msg := mustParse(t, "Success | Shop\nOrder #\nA-1\nLogin used\nbuyer@example.com\nPaid\n£12.00\nInfo\nPedido enviado\n")
	if msg.Fields.Email != "buyer@example.com" || fieldText(msg, fPrice) != "12.00" || msg.Fields.Currency != "GBP" {
		t.Errorf("email %q price %s %s", msg.Fields.Email, fieldText(msg, fPrice), msg.Fields.Currency)
	}
	// The title said it was a checkout: a value's words do not overrule it.
	if msg.Fields.Status != "verified" {
		t.Errorf("status %q", msg.Fields.Status)
	}
	msg = mustParse(t, "Order checker\nOrder #\nA-1\nEmail\nfirst@example.com\nBackup\nsecond@example.com\nInfo\nPedido enviado\n")
	if msg.Fields.Email != "first@example.com" || msg.Fields.Extra["Backup"] != "second@example.com" {
		t.Errorf("email %q extra %v: the table's Email wins", msg.Fields.Email, msg.Fields.Extra)
	}
	if msg.Fields.Status != "shipped" || !slices.Contains(msg.Inferred, fStatus) {
		t.Errorf("status %q inferred %v", msg.Fields.Status, msg.Inferred)
	}
}

func TestInferFromTitleAndStoreAndProduct(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, text string
		want       map[string]string
	}{
		{"retailer in the title", "Supreme Success\nProduct\nBox Logo Tee\nOrder #\n1\n",
			map[string]string{fStore: "Supreme", fStatus: "verified"}},
		{"retailer with its accent", "El Corte Inglés order checker\nOrder number\n400\n",
			map[string]string{fStore: "El Corte Inglés"}},
		{"store and mode", "Successful Checkout\nSite\nAdidas / Confirmed (FCFS)\nProduct\nForum Low (9.5)\nOrder #\n1\n",
			map[string]string{fStore: "Adidas", "extra.Mode": "Confirmed (FCFS)", fProduct: "Forum Low", "extra.Size": "9.5"}},
		{"size after a dash", "Successful Checkout | Kith\nProduct\nBox Logo Tee - Size XL\nOrder #\n1\n",
			map[string]string{fProduct: "Box Logo Tee", "extra.Size": "XL"}},
		{"a product's count is no size", "Successful Checkout | Target\nProduct\nBooster Box (36 packs)\nOrder #\n1\n",
			map[string]string{fProduct: "Booster Box (36 packs)", "extra.Size": ""}},
		{"a product page", "Successful Checkout | Hip\nKarhu Aria\nProduct\nhttps://hip.test/p/207289/\nOrder #\n1\n",
			map[string]string{fProduct: "Karhu Aria", fShareLink: "https://hip.test/p/207289/"}},
		{"paid", "Invoice Paid!\nOrder ID\nord_1\nAmount\n$15.00 (3 @ $5.00 Each)\n",
			map[string]string{fStatus: "verified", fTotal: "15.00"}},
		{"a tracker's title", "Order Shipped!\nOrder #\nA-1\n", map[string]string{fStatus: "shipped"}},
		{"tracked is not bought", "Successfully Tracked Order\nOrder #\nA-1\n", map[string]string{fStatus: ""}},
		{"a surer order label wins", "New order pending review\nOrder ID\n#412\nOrder #\n912001234567890\n",
			map[string]string{fOrderNumber: "912001234567890", "extra.Order ID": "412"}},
		{"symbols before a bar", "NEW ORDER\nORDER NUMBER\n🧾 | #100234\nMEMBER NAME\n📛 | Juan Dela Cruz\n",
			map[string]string{fOrderNumber: "100234", "extra.MEMBER NAME": "Juan Dela Cruz"}},
		{"entities", "Successful Checkout | Smyths\nProduct\nScarlet &amp; Violet\nOrder #\n1\n",
			map[string]string{fProduct: "Scarlet & Violet"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			msg := mustParse(t, tt.text)
			for field, want := range tt.want {
				if got := fieldText(msg, field); got != want {
					t.Errorf("%s = %q, want %q (extra %v)", field, got, want, msg.Fields.Extra)
				}
			}
		})
	}
}

// TestRetailerAsALabel: a field named for the store holds the product (an embed, whose
// fields are named one by one).
func TestRetailerAsALabel(t *testing.T) {
	t.Parallel()
	msg, err := ParseEmbed(Embed{Title: "Kodai Success", Fields: []EmbedField{
		{Name: "Supreme", Value: "Box Logo Tee"}, {Name: "Order #", Value: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if msg.Fields.Store != "Supreme" || msg.Fields.Product != "Box Logo Tee" || msg.Fields.Status != "verified" {
		t.Errorf("store %q product %q status %q", msg.Fields.Store, msg.Fields.Product, msg.Fields.Status)
	}
	if !slices.Contains(msg.Inferred, fStore) || !slices.Contains(msg.Inferred, fProduct) {
		t.Errorf("inferred %v", msg.Inferred)
	}
}

func TestCartIsNotACheckout(t *testing.T) {
	t.Parallel()
	for _, title := range []string{"Successfully carted", "Added to cart", "Cart Success"} {
		if msg := mustParse(t, title+"\nOrder\nBSK-1\n"); msg.Kind != KindCart || msg.Fields.Status != "" {
			t.Errorf("%q: kind %q status %q", title, msg.Kind, msg.Fields.Status)
		}
	}
	if msg := mustParse(t, "Successful Checkout | Cartier\nOrder\n1\n"); msg.Kind != KindCheckout {
		t.Errorf("a store named Cart...: kind %q", msg.Kind)
	}
}

// TestDecodedValuesAreRedactedAgain: a proxy written percent-encoded is only seen as one
// once decoded, and its password must not come back with it.
func TestDecodedValuesAreRedactedAgain(t *testing.T) {
	t.Parallel()
	msg := mustParse(t, "Successful Checkout | Store\nOrder #\n1\nNote\n203.0.113.9%3A8080%3Asomeuser%3Ahunter22\n")
	if out := strings.Join(mapValues(msg.Fields.Extra), " ") + msg.Fields.Notes; strings.Contains(out, "hunter22") {
		t.Errorf("password decoded back: %q", out)
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// fieldText is a field of the message as text: "extra.Name" for an extra field, money
// with two decimals.
func fieldText(msg Message, name string) string {
	fs := msg.Fields
	if key, ok := strings.CutPrefix(name, "extra."); ok {
		return fs.Extra[key]
	}
	switch name {
	case fPrice, fTotal:
		p := fs.Price
		if name == fTotal {
			p = fs.Total
		}
		if p == nil {
			return ""
		}
		return p.String()
	case fQuantity:
		if fs.Quantity == nil {
			return ""
		}
		return strconv.Itoa(*fs.Quantity)
	case fTrackingNumber:
		return strings.Join(fs.TrackingNumbers, ",")
	}
	m := Message{Fields: fs}
	return *m.stringField(name)
}

// TestStructuredKeysAreInferred: a bot's own HTTP client names its keys its own way.
func TestStructuredKeysAreInferred(t *testing.T) {
	t.Parallel()
	msg, _, err := Structured([]byte(`{"confirmationNumber": "C-1234", "emailAddress": "a@b.test", "itemTitle": "Dunk Low", "contact": "x@y.test"}`))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Fields.OrderNumber != "C-1234" || msg.Fields.Email != "a@b.test" || msg.Fields.Product != "Dunk Low" {
		t.Errorf("fields %+v", msg.Fields)
	}
	if msg.Fields.Extra["contact"] != "x@y.test" {
		t.Errorf("a second address went %v, want kept as extra", msg.Fields.Extra)
	}
}
