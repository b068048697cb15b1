package email

import (
	"slices"
	"testing"
)

// TestTrackingNumbersNeedTheirCheckDigitOrAWordThatSaysSo: a number of a carrier's shape
// is taken only with a valid check digit, and the shapes other numbers share (12 or 15
// digits, 10 digits) only beside a word such as "tracking".
func TestTrackingNumbersNeedTheirCheckDigitOrAWordThatSaysSo(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		text string
		want []Tracking
	}{
		{"UPS 1Z0X5W242034567895", []Tracking{{"1Z0X5W242034567895", UPS}}},
		{"UPS 1Z0X5W242034567894", nil}, // wrong check digit
		{"Tracking: 9400 1000 0000 0000 0000 06", []Tracking{{"9400100000000000000006", USPS}}},
		{"9400100000000000000007", nil},
		{"Order 273415123454", nil}, // a FedEx shape, but said to be an order
		{"FedEx tracking 273415123454", []Tracking{{"273415123454", FedEx}}},
		{"FedEx tracking 273415123455", nil},
		{"DHL Sendungsnummer 1234567891", []Tracking{{"1234567891", DHL}}},
		{"DHL 1234567890", nil},
		{"Royal Mail RM123456785GB", []Tracking{{"RM123456785GB", RoyalMail}}},
		{"Carrier TBA304512345678", []Tracking{{"TBA304512345678", AmazonLogi}}},
		{"Call 1-888-237-8289, total $1,299.99, zip 55423", nil},
		{"OnTrac tracking: C11223344556677", []Tracking{{"C11223344556677", OnTrac}}},
		{"C11223344556677", nil}, // the shape alone says nothing
		{"LaserShip tracking 1LS123456789012", []Tracking{{"1LS123456789012", LaserShip}}},
		{"Canada Post: tracking 7023210039414604", []Tracking{{"7023210039414604", CanadaPost}}},
		{"Suivi : EE123456785CA", []Tracking{{"EE123456785CA", CanadaPost}}},
	} {
		if got := findTracking(tt.text, nil); !slices.Equal(got, tt.want) {
			t.Errorf("%q: %v, want %v", tt.text, got, tt.want)
		}
	}
	links := []string{"https://www.ups.com/track?loc=en_US&tracknum=1Z0X5W242034567895", "https://www.fedex.com/fedextrack/?trknbr=273415123454",
		"https://tools.usps.com/go/TrackConfirmAction?tLabels=9400100000000000000006", "https://www.example.com/track?tracknum=123456789"}
	want := []Tracking{{"1Z0X5W242034567895", UPS}, {"273415123454", FedEx}, {"9400100000000000000006", USPS}}
	if got := findTracking("", links); !slices.Equal(got, want) {
		t.Errorf("links: %v, want %v", got, want)
	}
}

// TestEventsToComeAreNotEvents: "will be delivered", "when it ships" and "cancel anytime"
// say nothing happened.
func TestEventsToComeAreNotEvents(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ text, want string }{
		{"Thanks for your order! We'll send you an email when it ships.", Confirmed},
		{"Your order has shipped. It will be delivered Friday.", Shipped},
		{"Your order is on its way. Estimated delivery: Friday", Shipped},
		{"Delivered: your package", Delivered},
		{"Your order has been cancelled. A refund will be issued.", Cancelled},
		{"Your refund has been processed", Refunded},
		{"Save 20% today. Cancel anytime. Unsubscribe to stop these emails.", ""},
		{"Ihre Bestellung wurde versandt", Shipped},
		{"Votre colis a été livré", Delivered},
		{"Il tuo ordine è stato spedito", Shipped},
		{"Tu pedido ha sido cancelado", Cancelled},
		{"We've received your return", Returned},
		{"Arrived: your Walmart package", Delivered},
		{"Your package has arrived", Delivered},
		{"Black Friday deals have arrived", ""},
		{"Ordered: \"Pokémon TCG Booster Bundle\"", Confirmed},
		{"Order #1001 confirmed", Confirmed},
		{"Refund on order 113-4567890-1234567", Refunded},
		{"A shipment from order #1001 is on the way", Shipped},
		{"Your Nike Order Has Been Cancelled", Cancelled},
		{"We're processing your order W1234567890", ""},
		{"Your refund of $49.99 has been processed", Refunded},
		{"Rückerstattung für Ihre Bestellung", Refunded},
		{"Il rimborso è stato effettuato", Refunded},
	} {
		if got := event(tt.text); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestNumbersThatMerelyLookLikeOrderNumbers: prices, phone numbers, zip codes and dates
// are never offered as an order's number.
func TestNumbersThatMerelyLookLikeOrderNumbers(t *testing.T) {
	t.Parallel()
	got := orderNumbers("Total $1,299.99\nCall 1-888-237-8289 or 888-237-8289\nAustin, TX 78701-1234\nOn 2026-11-27\nOrder # BBY01-807102506907")
	if !slices.Equal(got, []string{"BBY01-807102506907"}) {
		t.Errorf("offered %v", got)
	}
}

// TestAShopifyStoreWritingFromItsOwnDomain is known by Shopify's hosts in its links.
func TestAShopifyStoreWritingFromItsOwnDomain(t *testing.T) {
	t.Parallel()
	m := Message{From: "orders@kith.com", Subject: "Order #KITH10452 confirmed", Text: "Thank you for your purchase!\nOrder #KITH10452",
		Links: []string{"https://kith.com/account", "https://cdn.shopify.com/s/files/logo.png"}}
	if r := Read(m); r.Retailer != "Kith" || r.NewNumber != "KITH10452" || r.Event != Confirmed {
		t.Errorf("read %+v", r)
	}
}
