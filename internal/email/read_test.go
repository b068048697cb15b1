package email

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// expected is what a person reads from each fixture: what happened, the order's number,
// and its tracking numbers with their carriers.
var expected = map[string]struct {
	event, number string
	partial       bool
	tracking      []Tracking
}{
	"bestbuy-confirmed":       {Confirmed, "BBY01-807102506907", false, nil},
	"bestbuy-shipped":         {Shipped, "BBY01-807102506907", false, []Tracking{{"1Z0X5W242034567895", UPS}}},
	"target-shipped":          {Shipped, "102000123456789", false, []Tracking{{"273415123454", FedEx}}},
	"target-cancelled":        {Cancelled, "102000987654321", false, nil},
	"walmart-partial-cancel":  {Cancelled, "2000123-4567890", true, nil},
	"walmart-delivered":       {Delivered, "2000123-4567890", false, []Tracking{{"9400100000000000000006", USPS}}},
	"amazon-shipped":          {Shipped, "113-4567890-1234567", false, []Tracking{{"TBA304512345678", AmazonLogi}}},
	"nike-shipped":            {Shipped, "C01234567890", false, []Tracking{{"273415123454", FedEx}}},
	"footlocker-shipped":      {Shipped, "P1234567890", false, []Tracking{{"1Z1E0R990345678906", UPS}}},
	"pokemoncenter-confirmed": {Confirmed, "P123456789", false, nil},
	"costco-fr-shipped":       {Shipped, "1234567890", false, []Tracking{{"7023210039414604", CanadaPost}}},
	"apple-de-delivered":      {Delivered, "W1234567890", false, []Tracking{{"1234567891", DHL}}},
	"shopify-es-shipped":      {Shipped, "KITH10452", false, []Tracking{{"9400100000000000000006", USPS}}},
	"amazon-it-delivered":     {Delivered, "404-1234567-7654321", false, []Tracking{{"RM123456785GB", RoyalMail}}},
	"forwarded-inline":        {Shipped, "BBY01-807102506907", false, []Tracking{{"1Z0X5W242034567895", UPS}}},
	"forwarded-attached":      {Cancelled, "102000987654321", false, nil},
	"marketing":               {"", "", false, nil},
	"verification-code":       {"", "", false, nil},
}

// TestFixturesReadAsAPersonReadsThem reads every fixture and checks what happened, the
// order number (the first the reading offers), the tracking numbers and carriers, and
// logs the share of fixtures each field gets right.
func TestFixturesReadAsAPersonReadsThem(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if len(files) != len(expected) {
		t.Errorf("%d fixtures, %d expectations", len(files), len(expected))
	}
	right := map[string]int{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".eml")
		want, ok := expected[name]
		if !ok {
			t.Errorf("%s: no expectation", name)
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(raw)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		r := Read(m)
		number := ""
		if len(r.Numbers) > 0 && want.number != "" {
			number = r.Numbers[0]
		}
		check := func(field string, ok bool, got, wanted any) {
			if ok {
				right[field]++
				return
			}
			t.Errorf("%s: %s %v, want %v", name, field, got, wanted)
		}
		check("event", r.Event == want.event, r.Event, want.event)
		check("partial", r.Partial == want.partial, r.Partial, want.partial)
		check("order number", number == want.number, r.Numbers, want.number)
		check("tracking", slices.Equal(r.Tracking, want.tracking), r.Tracking, want.tracking)
	}
	for _, field := range []string{"event", "partial", "order number", "tracking"} {
		t.Logf("%s right in %d of %d fixtures", field, right[field], len(files))
	}
}
