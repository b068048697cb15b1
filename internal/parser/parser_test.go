package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/roms-dev/roms/internal/golden"
	"github.com/roms-dev/roms/internal/order"
)

// TestGolden parses every sample message and compares the result with its golden file.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := Parse(string(raw))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			golden.JSON(t, strings.TrimSuffix(file, ".txt")+".golden.json", msg)
		})
	}
}

func TestHeaderGivesStatusAndStore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header, kind, status, store string
	}{
		{"Successful Checkout | Best Buy US", KindCheckout, "verified", "Best Buy US"},
		{"Successfully checked out!", KindCheckout, "verified", ""},
		{"Checkout Success | Target", KindCheckout, "verified", "Target"},
		{"Checkout Declined | Walmart US", KindDeclined, "declined", "Walmart US"},
		{"Your card was declined | Walmart US", KindDeclined, "declined", "Walmart US"},
		{"Order Canceled | Target", KindCancelled, "cancelled", "Target"},
		{"Order cancelled", KindCancelled, "cancelled", ""},
		{"Review Hold | Best Buy US", KindReviewHold, "review_hold", "Best Buy US"},
		{"**Successful Checkout** | Amazon", KindCheckout, "verified", "Amazon"},
		{"Something else entirely", KindUnknown, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			msg := mustParse(t, tt.header+"\nOrder Number\nA-1\n")
			if msg.Kind != tt.kind || msg.Fields.Status != tt.status || msg.Fields.Store != tt.store {
				t.Errorf("got kind %q status %q store %q, want %q %q %q",
					msg.Kind, msg.Fields.Status, msg.Fields.Store, tt.kind, tt.status, tt.store)
			}
			if msg.Fields.RawHeader != tt.header {
				t.Errorf("raw header %q, want %q", msg.Fields.RawHeader, tt.header)
			}
		})
	}
}

func TestExplicitFieldsWinOverHeader(t *testing.T) {
	t.Parallel()
	msg := mustParse(t, "Successful Checkout | Store\nStatus\nShipped\nStore\nBest Buy\nOrder Number\nX\n")
	if msg.Fields.Status != "shipped" || msg.Fields.Store != "Best Buy" {
		t.Errorf("status %q store %q, want shipped and Best Buy", msg.Fields.Status, msg.Fields.Store)
	}
}

func TestLabelSpellings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		check      func(order.Fields) bool
	}{
		{"lower case", "order number\nA-1", func(f order.Fields) bool { return f.OrderNumber == "A-1" }},
		{"upper case with colon", "ORDER NUMBER:\nA-1", func(f order.Fields) bool { return f.OrderNumber == "A-1" }},
		{"extra spaces", "  Order    Number  \nA-1", func(f order.Fields) bool { return f.OrderNumber == "A-1" }},
		{"same line", "Order Number: #A-1", func(f order.Fields) bool { return f.OrderNumber == "A-1" }},
		{"bold label", "**Order #**\nA-1", func(f order.Fields) bool { return f.OrderNumber == "A-1" }},
		{"order id", "Order ID\nA-1", func(f order.Fields) bool { return f.OrderNumber == "A-1" }},
		{"order", "Order\nA-1", func(f order.Fields) bool { return f.OrderNumber == "A-1" }},
		{"item", "Item\nWidget", func(f order.Fields) bool { return f.Product == "Widget" }},
		{"product (1)", "Product (1)\nWidget", func(f order.Fields) bool { return f.Product == "Widget" }},
		{"account", "Account\na@b.co", func(f order.Fields) bool { return f.Email == "a@b.co" }},
		{"profile name", "Profile Name\nMain", func(f order.Fields) bool { return f.Profile == "Main" }},
		{"proxy group", "Proxy Group\nResi", func(f order.Fields) bool { return f.ProxyList == "Resi" }},
		{"proxies", "Proxies\nResi", func(f order.Fields) bool { return f.ProxyList == "Resi" }},
		{"site", "Site\nTarget", func(f order.Fields) bool { return f.Store == "Target" }},
		{"qty", "Qty\n3", func(f order.Fields) bool { return f.Quantity != nil && *f.Quantity == 3 }},
		{"reference", "Reference\nR1", func(f order.Fields) bool { return f.ReferenceNumber == "R1" }},
		{"tracking", "Tracking\n1Z", func(f order.Fields) bool { return len(f.TrackingNumbers) == 1 && f.TrackingNumbers[0] == "1Z" }},
		{"two tracking numbers", "Tracking Number\n1Z999, 1Z888", func(f order.Fields) bool { return len(f.TrackingNumbers) == 2 && f.TrackingNumbers[1] == "1Z888" }},
		{"payment method", "Payment Method\nVisa", func(f order.Fields) bool { return f.PaymentMethod == "Visa" }},
		{"shipping method", "Shipping Method\nExpress", func(f order.Fields) bool { return f.ShippingMethod == "Express" }},
		{"commission", "Commission\n$5", func(f order.Fields) bool { return f.Commission != nil && *f.Commission == 500 }},
		{"qty received", "Qty Received\n1", func(f order.Fields) bool { return f.QtyReceived != nil && *f.QtyReceived == 1 }},
		{"customer name", "Customer Name\nAl B", func(f order.Fields) bool { return f.CustomerName == "Al B" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := mustParse(t, "Successful Checkout | Store\n"+tt.text+"\n")
			if !tt.check(msg.Fields) {
				t.Errorf("fields not as expected: %+v", msg.Fields)
			}
		})
	}
}

func TestValueCleaning(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, label, value, want string
	}{
		{"spoiler", "Email", "||a_b@example.com||", "a_b@example.com"},
		{"bold", "Profile", "**Main**", "Main"},
		{"italic keeps inner underscores", "Email", "_a_b@example.com_", "a_b@example.com"},
		{"code", "Order Number", "`A-1`", "A-1"},
		{"spoiler and hash", "Order Number", "||#BBY01-1||", "BBY01-1"},
		{"zero width", "Product", "Wid\u200bget", "Widget"},
		{"masked link on share link", "Share Link", "[Click Here](https://x.test/p?a=1)", "https://x.test/p?a=1"},
		{"copied link text is absent", "Share Link", "Click Here", ""},
		{"masked link elsewhere keeps text", "Product", "[Widget](https://x.test)", "Widget"},
		{"unknown is absent", "Profile", "Unknown", ""},
		{"n/a is absent", "Profile", "N/A", ""},
		{"dash is absent", "Profile", "-", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := mustParse(t, "Successful Checkout | Store\n"+tt.label+"\n"+tt.value+"\nOrder Number\nZ\n")
			raw, _ := json.Marshal(msg.Fields)
			var got map[string]any
			_ = json.Unmarshal(raw, &got)
			key := aliases[labelKey(tt.label)]
			if tt.want == "" {
				if v, ok := got[key]; ok && key != fOrderNumber {
					t.Errorf("%s = %v, want absent", key, v)
				}
				return
			}
			if got[key] != tt.want {
				t.Errorf("%s = %v, want %q", key, got[key], tt.want)
			}
		})
	}
}

func TestMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		amount   order.Money
		currency string
	}{
		{"$299.99", 29999, "USD"},
		{"$1,299.99", 129999, "USD"},
		{"1299.99 USD", 129999, "USD"},
		{"EUR 12.50", 1250, "EUR"},
		{"12,50 €", 1250, "EUR"},
		{"€1.299,00", 129900, "EUR"},
		{"£5", 500, "GBP"},
		{"CA$20.00", 2000, "CAD"},
		{"42", 4200, ""},
		{"1,299", 129900, ""},
		{"$0.10", 10, "USD"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			amount, currency, err := parseMoney(tt.in)
			if err != nil || amount != tt.amount || currency != tt.currency {
				t.Errorf("parseMoney(%q) = %v %q %v, want %v %q", tt.in, amount, currency, err, tt.amount, tt.currency)
			}
		})
	}
	for _, bad := range []string{"free", "$", "-5", "1.2.3", "NaN", "Inf", "1e300"} {
		if _, _, err := parseMoney(bad); err == nil {
			t.Errorf("parseMoney(%q) gave no error", bad)
		}
	}
}

func TestUnreadableNumberIsKeptWithWarning(t *testing.T) {
	t.Parallel()
	msg := mustParse(t, "Successful Checkout | Store\nPrice\nask me\nQuantity\nlots\nOrder Number\nA\n")
	if msg.Fields.Price != nil || msg.Fields.Quantity != nil {
		t.Fatalf("price %v quantity %v, want none", msg.Fields.Price, msg.Fields.Quantity)
	}
	if msg.Fields.Extra["Price"] != "ask me" || msg.Fields.Extra["Quantity"] != "lots" {
		t.Errorf("extra = %v, want the unreadable values kept", msg.Fields.Extra)
	}
	if len(msg.Warnings) != 2 {
		t.Errorf("warnings = %q, want two", msg.Warnings)
	}
}

func TestMultiLineValuesRunToNextLabel(t *testing.T) {
	t.Parallel()
	msg := mustParse(t, "Successful Checkout | Store\nShipping Address\n123 Main St\nApt 4\nSpringfield, IL\nNotes\nleave at door\nring twice\nOrder Number\nA\n")
	if want := "123 Main St\nApt 4\nSpringfield, IL"; msg.Fields.ShippingAddress != want {
		t.Errorf("address %q, want %q", msg.Fields.ShippingAddress, want)
	}
	if want := "leave at door\nring twice"; msg.Fields.Notes != want {
		t.Errorf("notes %q, want %q", msg.Fields.Notes, want)
	}
	if msg.Fields.OrderNumber != "A" {
		t.Errorf("order number %q", msg.Fields.OrderNumber)
	}
}

func TestUnknownLabelsAreKept(t *testing.T) {
	t.Parallel()
	msg := mustParse(t, "Successful Checkout | Store\nProduct\nWidget\nMode\nFast\nCheckout Time\n1.2s\nOrder Number\nA\nRetries\n")
	want := map[string]string{"Mode": "Fast", "Checkout Time": "1.2s", "Retries": ""}
	for k, v := range want {
		if got, ok := msg.Fields.Extra[k]; !ok || got != v {
			t.Errorf("extra[%q] = %q (present %v), want %q", k, got, ok, v)
		}
	}
	if msg.Fields.Product != "Widget" || msg.Fields.OrderNumber != "A" {
		t.Errorf("known fields disturbed: %+v", msg.Fields)
	}
}

func TestFormattingChangesNothing(t *testing.T) {
	t.Parallel()
	base := "Successful Checkout | Best Buy US\nProduct\nWidget\nPrice\n$10.00\nOrder Number\n#A-1\nEmail\na@b.co\n"
	want := mustParse(t, base)
	variants := map[string]string{
		"crlf":            strings.ReplaceAll(base, "\n", "\r\n"),
		"bom":             "\uFEFF" + base,
		"trailing spaces": strings.ReplaceAll(base, "\n", "   \n"),
		"blank lines":     strings.ReplaceAll(base, "\n", "\n\n"),
		"tabs and spaces": strings.ReplaceAll(base, "\n", " \t\n"),
	}
	for name, text := range variants {
		t.Run(name, func(t *testing.T) {
			got := mustParse(t, text)
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if !bytes.Equal(g, w) {
				t.Errorf("got %s\nwant %s", g, w)
			}
		})
	}
}

func TestProxyCredentialsAreRemoved(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"203.0.113.7:8080:user123:pass456", "203.0.113.7:8080"},
		{"proxy.example.com:3128:u:p@ss", "proxy.example.com:3128"},
		{"http://user:secret@proxy.example.com:8000", "http://proxy.example.com:8000"},
		{"socks5://user:secret@10.1.2.3:1080/", "socks5://10.1.2.3:1080/"},
		{"user:secret@proxy.example.com:8000", "proxy.example.com:8000"},
		{"user:secret:203.0.113.7:8080", "203.0.113.7:8080"},
		{"Wealth Resi | http://resi-edge-pool.wealthproxies.com:5959/", "Wealth Resi | http://resi-edge-pool.wealthproxies.com:5959/"},
		{"Resi | 203.0.113.7:8080:user:pass", "Resi | 203.0.113.7:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			msg := mustParse(t, "Successful Checkout | Store\nProxy Details\n"+tt.in+"\nOrder Number\nA\n")
			if msg.Fields.ProxyList != tt.want {
				t.Errorf("proxy %q, want %q", msg.Fields.ProxyList, tt.want)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrEmpty},
		{"only blank lines", "\r\n  \n\t\n", ErrEmpty},
		{"only a BOM", "\uFEFF", ErrEmpty},
		{"latin-1", "Order Number\n\xe9\xe8", ErrNotUTF8},
		{"binary", "PNG\x00\x01\x02", ErrBinary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.in); !errors.Is(err, tt.want) {
				t.Errorf("Parse error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestMessageWithoutOrderNumberParses(t *testing.T) {
	t.Parallel()
	msg := mustParse(t, "Webhook test from Refract\n")
	if msg.Fields.OrderNumber != "" || msg.Kind != KindUnknown {
		t.Errorf("got %+v", msg)
	}
}

func TestDescriptionLineIsProductWhenNoLabelNamesOne(t *testing.T) {
	t.Parallel()
	msg := mustParse(t, "Successfully checked out!\nPokemon ETB\nStore\nTarget\nOrder #\n9\n")
	if msg.Fields.Product != "Pokemon ETB" {
		t.Errorf("product %q", msg.Fields.Product)
	}
	msg = mustParse(t, "Successfully checked out!\nSome words\nMore words\nProduct\nWidget\nOrder #\n9\n")
	if msg.Fields.Product != "Widget" || msg.Fields.Extra["description"] != "Some words\nMore words" {
		t.Errorf("product %q extra %v", msg.Fields.Product, msg.Fields.Extra)
	}
}

func TestNormaliseStatus(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Shipped": "shipped", "SUCCESSFUL CHECKOUT": "verified", "canceled": "cancelled",
		"Review Hold": "review_hold", "Out for delivery": "shipped", "declined": "declined",
		"In Transit": "shipped", "STATUS_DELIVERED": "delivered", "Pedido enviado": "shipped",
		"The shipment has been delivered": "delivered", "Awaiting pickup": "awaiting_pickup",
		"Paid": "verified", "Carted": "carted",
	} {
		if got := NormaliseStatus(in); got != want {
			t.Errorf("NormaliseStatus(%q) = %q, want %q", in, got, want)
		}
	}
}

func mustParse(t *testing.T, text string) Message {
	t.Helper()
	msg, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return msg
}

// TestDecoratedLabels checks that the decoration forwarders and other bots put on labels
// (emoji, bold, quote and list marks, server emoji, inline "**Label:** value") hides none.
func TestDecoratedLabels(t *testing.T) {
	t.Parallel()
	want := mustParse(t, "Successful Checkout | Target\nProduct\nPokemon ETB\nPrice\n$49.99\nOrder Number\nT-100\nEmail\na@b.co\n")
	variants := map[string]string{
		"emoji before labels":  "Successful Checkout | Target\n🛒 Product\nPokemon ETB\n💰 Price\n$49.99\n🔢 Order Number\nT-100\n📧 Email\na@b.co\n",
		"keycap and selector":  "Successful Checkout | Target\n🛍️ Product\nPokemon ETB\n💲 Price:\n$49.99\n#️⃣ Order Number\nT-100\n✉️ Email\na@b.co\n",
		"bold inline":          "Successful Checkout | Target\n**Product:** Pokemon ETB\n**Price:** $49.99\n**Order Number:** T-100\n**Email:** a@b.co\n",
		"bold around the line": "Successful Checkout | Target\n**Product: Pokemon ETB**\n__Price: $49.99__\n**Order Number: T-100**\n*Email: a@b.co*\n",
		"quotes and bullets":   "Successful Checkout | Target\n> **Product**: Pokemon ETB\n• Price: $49.99\n> Order Number: T-100\n- Email: a@b.co\n",
		"server emoji":         "Successful Checkout | Target\n<:cart:1234> Product: Pokemon ETB\n<a:cash:99> Price: $49.99\n<:hash:5> Order Number\nT-100\n<:mail:6>Email: a@b.co\n",
	}
	w, _ := json.Marshal(want)
	for name, text := range variants {
		t.Run(name, func(t *testing.T) {
			got, _ := json.Marshal(mustParse(t, text))
			if !bytes.Equal(got, w) {
				t.Errorf("got %s\nwant %s", got, w)
			}
		})
	}
}

// TestStatusFromTitlesAndFields checks the documented mapping: a status-like field wins
// over the title, and titles other bots use are read.
func TestStatusFromTitlesAndFields(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Successful Checkout | Target\nOrder Number: A", "verified"},
		{"Copped! | Target\nOrder Number: A", "verified"},
		{"Success | Walmart\nOrder Number: A", "verified"},
		{"Order Placed\nOrder Number: A", "verified"},
		{"Payment failed!\nOrder Number: A", "declined"},
		{"Checkout Failed | Target\nOrder Number: A", "declined"},
		{"Checkout Error\nOrder Number: A", "declined"},
		{"Order on hold | Best Buy\nOrder Number: A", "review_hold"},
		{"Successfully carted | Target\nOrder Number: A", ""},
		{"Successful Checkout | Target\nOrder Number: A\nStatus: REVIEW_HOLD", "review_hold"},
		{"Successful Checkout | Target\nOrder Number: A\nResult\nFailed", "declined"},
		{"Successful Checkout | Target\nOrder Number: A\nCancel Reason: Fraud check", "cancelled"},
		{"Successful Checkout | Target\nOrder Number: A\n**Decline Reason:** card", "declined"},
		{"Successful Checkout | Target\nOrder Number: A\nCancel Reason\nFraud check", "cancelled"},
		{"Successful Checkout | Target\nOrder Number: A\nCancel Reason: Fraud\nStatus: Shipped", "shipped"},
		{"Successful Checkout | Target\nOrder Number: A\nCancel Reason: N/A", "verified"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := mustParse(t, tt.in).Fields.Status; got != tt.want {
				t.Errorf("status %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUnknownInlineLabelsKeepTheirValue(t *testing.T) {
	t.Parallel()
	msg := mustParse(t, "Successful Checkout | Target\n**Mode:** Fast\nPokemon TCG: Scarlet & Violet\nOrder Number: A\nSize: 10.5\nPid: 123-45\nProduct\nPokemon TCG: Scarlet & Violet ETB\n")
	if msg.Fields.Extra["Size"] != "10.5" || msg.Fields.Extra["Pid"] != "123-45" || msg.Fields.Extra["Mode"] != "Fast" {
		t.Errorf("extra %v", msg.Fields.Extra)
	}
	if msg.Fields.Product != "Pokemon TCG: Scarlet & Violet ETB" {
		t.Errorf("product %q", msg.Fields.Product)
	}
}

// TestOtherBotsLabelNames reads a value under each name other bots and forwarders give a
// field, spelled as they do.
func TestOtherBotsLabelNames(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Billing Profile": "profile", "Conf #": "order_number", "Confirmation Number": "order_number",
		"Website": "store", "Cost": "price", "Products": "product", "Product - Name": "product",
		"Product - Price": "price", "Order Numer": "order_number", "Oder Number": "order_number",
		"Order No.": "order_number", "Qty.": "quantity", "Grand Total": "total", "Proxy Used": "proxy_list",
		"🔢 Order #": "order_number", "**Conf #:**": "order_number", "Tracking ID": "tracking_numbers",
	}
	for label, field := range tests {
		t.Run(label, func(t *testing.T) {
			msg := mustParse(t, "Successful Checkout | Store\n"+label+"\n42\n")
			raw, _ := json.Marshal(msg.Fields)
			var got map[string]any
			_ = json.Unmarshal(raw, &got)
			if got[field] == nil {
				t.Errorf("%q did not set %s: %s", label, field, raw)
			}
		})
	}
}

// TestPlainLabelLookupAgreesWithLabelKey checks the allocation-free paths against the
// general one, on every known label written the ways bots write them.
func TestPlainLabelLookupAgreesWithLabelKey(t *testing.T) {
	t.Parallel()
	for key := range aliases {
		for _, label := range []string{key, strings.ToUpper(key), strings.ToUpper(key[:1]) + key[1:], key + ":", " " + key + " : ", key + ".",
			"**" + key + "**", "🔢 " + key, key + "  x", "x" + key, "__" + key + "__", "> **" + key + ":**", "- " + key, "_ " + key + " _",
			"`" + key + "`", "~~" + key + "~~", "*" + key + "*:", "__**" + key + "**__", "**" + key + "** :", key + "\t:", "||" + key + "||",
			"(" + key + ")", "#" + key, key + "_", "$" + key, "*_" + key + "_*", "  " + strings.ReplaceAll(key, " ", "   ") + "  "} {
			if asciiKey, ok := asciiKey(label, make([]byte, 0, maxLabel)); ok && string(asciiKey) != labelKey(label) {
				t.Errorf("asciiKey(%q) = %q, labelKey gives %q", label, asciiKey, labelKey(label))
			}
			got, gotOK := aliases.lookup(label)
			want, wantOK := aliases[labelKey(label)]
			if got != want || gotOK != wantOK {
				t.Errorf("lookup(%q) = %q %v, labelKey gives %q %v", label, got, gotOK, want, wantOK)
			}
		}
	}
}

// TestExtraKeysKeepUnderscores: a JSON key joins words with "_", and an unreadable value
// kept as extra text keeps the key as sent.
func TestExtraKeysKeepUnderscores(t *testing.T) {
	t.Parallel()
	msg, _, err := Structured([]byte(`{"order_number":"A","unit_price":"abc","size_us":"10"}`))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Fields.Extra["unit_price"] != "abc" || msg.Fields.Extra["size_us"] != "10" {
		t.Errorf("extra %v", msg.Fields.Extra)
	}
	if m := mustParse(t, "Successful Checkout | T\nOrder Number: A\nSize_US: 10\n"); m.Fields.Extra["Size_US"] != "10" {
		t.Errorf("text extra %v", m.Fields.Extra)
	}
}

// TestCartsAreOneOrderWithTheirSum checks that a cart's numbered items make one order
// whose total is the sum over the items, so spend is not under-counted.
func TestCartsAreOneOrderWithTheirSum(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, product string
		qty                 int
		total               order.Money // 0: no total
		price               order.Money // 0: no unit price
	}{
		{"two items, one with a quantity", "Product (1)\nETB\nPrice (1)\n$49.99\nQuantity (1)\n2\nProduct (2)\nBooster Bundle\nPrice (2)\n$26.94\n", "ETB + Booster Bundle", 3, 12692, 0},
		{"inline and decorated", "**Product (1):** A\n**Price (1):** $10\nProduct (2): B\nPrice (2): $5\nQty (2): 3\n", "A + B", 4, 2500, 0},
		{"one item is a plain order", "Product (1)\nWidget\nPrice (1)\n$9.99\n", "Widget", 0, 0, 999},
		{"a stated total wins", "Product (1)\nA\nPrice (1)\n$10\nProduct (2)\nB\nPrice (2)\n$5\nTotal\n$16.07\n", "A + B", 2, 1607, 0},
		{"an unpriced item leaves the total to the message", "Product (1)\nA\nPrice (1)\n$10\nProduct (2)\nB\n", "A + B", 2, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, "Successful Checkout | Target\nOrder Number: C-1\n"+tt.text).Fields
			if f.Product != tt.product {
				t.Errorf("product %q, want %q", f.Product, tt.product)
			}
			if (f.Quantity == nil) != (tt.qty == 0) || f.Quantity != nil && *f.Quantity != tt.qty {
				t.Errorf("quantity %v, want %d", f.Quantity, tt.qty)
			}
			if (f.Total == nil) != (tt.total == 0) || f.Total != nil && *f.Total != tt.total {
				t.Errorf("total %v, want %v", f.Total, tt.total)
			}
			if (f.Price == nil) != (tt.price == 0) || f.Price != nil && *f.Price != tt.price {
				t.Errorf("price %v, want %v", f.Price, tt.price)
			}
		})
	}
}

func TestCartItemsAreKept(t *testing.T) {
	t.Parallel()
	f := mustParse(t, "Successful Checkout | Target\nOrder Number: C-1\nProduct (1)\nETB\nPrice (1)\n$49.99\nQuantity (1)\n2\nProduct (2)\nBooster Bundle\nPrice (2)\nabout ten\n").Fields
	if len(f.Items) != 2 {
		t.Fatalf("items %+v, want 2", f.Items)
	}
	first, second := f.Items[0], f.Items[1]
	if first.Product != "ETB" || first.Quantity != 2 || first.Price == nil || *first.Price != 4999 {
		t.Errorf("first item %+v", first)
	}
	if second.Product != "Booster Bundle" || second.Quantity != 1 || second.Price != nil {
		t.Errorf("second item %+v: an unreadable price is no price", second)
	}
	if f.Extra["Price (2)"] != "about ten" || f.Extra["Product (1)"] != "" {
		t.Errorf("extra %v: only the unreadable line is kept as text", f.Extra)
	}
}

// TestStripSpoilersAgreesWithTheRegexp holds the hand-written spoiler stripper to the
// regular expression it replaced.
func TestStripSpoilersAgreesWithTheRegexp(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`\|\|(.*?)\|\|`)
	for _, s := range []string{"", "||a||", "||a|| ||b||", "x||a||y", "||a", "a||", "||||", "|||a|||", "||a\nb||c||", "||a||b||c||",
		"Wealth | ||h:1||", "| |a| |", "||||a||||", "||a\n||b||", "||🙂||"} {
		if got, want := stripSpoilers(s), re.ReplaceAllString(s, "$1"); got != want {
			t.Errorf("stripSpoilers(%q) = %q, the regexp gives %q", s, got, want)
		}
	}
}
