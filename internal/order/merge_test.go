package order

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func cents(v int64) *Money { m := Money(v); return &m }

var at = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func TestApply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		before  func(*Order)
		edit    Edit
		check   func(*Order) bool
		changed []string
	}{
		{
			name:    "absent fields never blank stored ones",
			before:  func(o *Order) { o.Product, o.Email = "Widget", "a@b.co" },
			edit:    Edit{Fields: Fields{Status: "shipped"}},
			check:   func(o *Order) bool { return o.Product == "Widget" && o.Email == "a@b.co" && o.Status == "shipped" },
			changed: []string{"status", "shipped_date"},
		},
		{
			name:    "same values change nothing",
			before:  func(o *Order) { o.Product, o.Price, o.Total = "Widget", cents(500), cents(500) },
			edit:    Edit{Fields: Fields{Product: "Widget", Price: cents(500)}},
			check:   func(o *Order) bool { return true },
			changed: nil,
		},
		{
			name:    "total follows price and quantity",
			edit:    Edit{Fields: Fields{Price: cents(9999), Quantity: ptr(3)}},
			check:   func(o *Order) bool { return *o.Total == 29997 },
			changed: []string{"price", "quantity", "total"},
		},
		{
			name:    "an explicit total is kept when the price changes",
			before:  func(o *Order) { o.Price, o.Total = cents(1000), cents(1250) },
			edit:    Edit{Fields: Fields{Price: cents(1100)}},
			check:   func(o *Order) bool { return *o.Total == 1250 },
			changed: []string{"price"},
		},
		{
			name:    "delivered is stamped once",
			before:  func(o *Order) { o.Status = "shipped" },
			edit:    Edit{Fields: Fields{Status: "delivered"}},
			check:   func(o *Order) bool { return o.DeliveredDate != nil && o.DeliveredDate.Equal(at) },
			changed: []string{"status", "delivered_date"},
		},
		{
			name:   "extra fields merge key by key",
			before: func(o *Order) { o.Extra = map[string]string{"Mode": "Fast", "Keep": "me"} },
			edit:   Edit{Fields: Fields{Extra: map[string]string{"Mode": "Safe", "New": "x"}}},
			check: func(o *Order) bool {
				return o.Extra["Mode"] == "Safe" && o.Extra["Keep"] == "me" && o.Extra["New"] == "x"
			},
			changed: []string{"extra.Mode", "extra.New"},
		},
		{
			name:    "tracking numbers add to the list without duplicates",
			before:  func(o *Order) { o.SetTracking([]string{"1Z999"}) },
			edit:    Edit{Fields: Fields{TrackingNumbers: []string{"1Z888", "1Z999", "1Z777"}}},
			check:   func(o *Order) bool { return o.TrackingNumber == "1Z999, 1Z888, 1Z777" && len(o.TrackingNumbers) == 3 },
			changed: []string{"tracking_numbers"},
		},
		{
			name:    "clearing then setting replaces a list",
			before:  func(o *Order) { o.SetTracking([]string{"1Z999", "1Z888"}) },
			edit:    Edit{Clear: []string{"tracking_numbers"}, Fields: Fields{TrackingNumbers: []string{"1Z777"}}},
			check:   func(o *Order) bool { return o.TrackingNumber == "1Z777" },
			changed: []string{"tracking_numbers", "tracking_numbers"},
		},
		{
			name:    "clearing blanks fields; quantity returns to one and the total is not re-derived",
			before:  func(o *Order) { o.Email, o.Price, o.Quantity, o.Total = "a@b.co", cents(1000), 2, cents(2000) },
			edit:    Edit{Clear: []string{"email", "quantity", "total", "notes"}},
			check:   func(o *Order) bool { return o.Email == "" && o.Quantity == 1 && o.Total == nil },
			changed: []string{"email", "quantity", "total"},
		},
		{
			name:    "delete stamps deleted_at once; restore removes it",
			edit:    Edit{Delete: true},
			check:   func(o *Order) bool { return o.DeletedAt != nil && o.DeletedAt.Equal(at) },
			changed: []string{"deleted_at"},
		},
		{
			name:    "restore of a live order changes nothing",
			edit:    Edit{Restore: true},
			check:   func(o *Order) bool { return o.DeletedAt == nil },
			changed: nil,
		},
		{
			name:    "an amount without a currency gets the default one",
			edit:    Edit{Fields: Fields{Price: cents(500)}, DefaultCurrency: "USD"},
			check:   func(o *Order) bool { return o.Currency == "USD" },
			changed: []string{"price", "total", "currency"},
		},
		{
			name:    "the default never replaces a currency",
			before:  func(o *Order) { o.Currency, o.Price = "EUR", cents(100) },
			edit:    Edit{Fields: Fields{Price: cents(500)}, DefaultCurrency: "USD"},
			check:   func(o *Order) bool { return o.Currency == "EUR" },
			changed: []string{"price", "total"},
		},
		{
			name:    "a price times a quantity that overflows leaves no derived total",
			edit:    Edit{Fields: Fields{Price: cents(int64(maxMoney)), Quantity: ptr(1000)}},
			check:   func(o *Order) bool { return o.Total == nil },
			changed: []string{"price", "quantity"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := New("A-1", Origin{Source: SourceHTTP}, at)
			if tt.before != nil {
				tt.before(&o)
			}
			changes := tt.edit.Apply(&o, at)
			if !tt.check(&o) {
				t.Errorf("order after Apply: %+v", o)
			}
			var got []string
			for _, c := range changes {
				got = append(got, c.Field)
			}
			if len(got) != len(tt.changed) {
				t.Fatalf("changed %v, want %v", got, tt.changed)
			}
			for i := range got {
				if got[i] != tt.changed[i] {
					t.Errorf("changed %v, want %v", got, tt.changed)
				}
			}
		})
	}
}

func TestEventTypeOfDeleteAndRestore(t *testing.T) {
	t.Parallel()
	o := New("A-1", Origin{Source: SourceHTTP}, at)
	if got := EventType(Edit{Delete: true}.Apply(&o, at)); got != EventDeleted {
		t.Errorf("delete: %s", got)
	}
	if got := EventType(Edit{Restore: true}.Apply(&o, at)); got != EventRestored || o.DeletedAt != nil {
		t.Errorf("restore: %s %v", got, o.DeletedAt)
	}
	if got := EventType(Edit{Fields: Fields{Notes: "x"}}.Apply(&o, at)); got != EventUpdated {
		t.Errorf("update: %s", got)
	}
}

// TestEveryClearableFieldClears starts from an order with every clearable field set and
// clears each in turn: the field must read blank afterwards (quantity 1), the change must
// name it, and no other field may move.
func TestEveryClearableFieldClears(t *testing.T) {
	t.Parallel()
	full := New("A-1", Origin{Source: SourceHTTP}, at)
	day := at.Add(-time.Hour)
	full.Product, full.Price, full.Total, full.Commission, full.Currency = "Switch 2", cents(100), cents(300), cents(50), "USD"
	full.Quantity, full.Email, full.CustomerName, full.Profile, full.ProxyList = 3, "a@b.co", "Ann", "Amex 1", "1.2.3.4:80"
	// Verified rather than shipped: a shipped order without a shipped date gets one again
	// from the edit's time (stampStatusDate), which is the rule, not a clear that failed.
	full.ReferenceNumber, full.Status, full.TrackingURL, full.QtyReceived = "REF-1", StatusVerified, "https://t.example/1", 2
	full.SetTracking([]string{"1Z999"})
	full.PostedDate, full.ShippedDate, full.PaymentMethod, full.ShippingAddress = &day, &day, "Visa", "1 Main St"
	full.ShippingMethod, full.Notes, full.Store, full.ShareLink, full.ImageURL = "Ground", "gift", "Target", "https://s.example", "https://i.example/a.png"
	full.Items = []Item{{Product: "Switch 2", Quantity: 1}}
	before := fieldsOf(t, &full)
	for _, name := range Clearable {
		t.Run(name, func(t *testing.T) {
			if blank(before[name]) {
				t.Fatalf("the test's order has no %s to clear", name)
			}
			o := full
			changes := Edit{Clear: []string{name}}.Apply(&o, at)
			after := fieldsOf(t, &o)
			want := any(nil)
			if name == "quantity" {
				want = float64(1)
			}
			if got := after[name]; !blank(got) && got != want {
				t.Errorf("%s reads %v after clearing it", name, got)
			}
			if !slices.ContainsFunc(changes, func(c Change) bool { return c.Field == name }) {
				t.Errorf("clearing %s changed %v, not %s", name, changes, name)
			}
			for field, v := range before {
				if field != name && !related(name, field) && fmt.Sprint(after[field]) != fmt.Sprint(v) {
					t.Errorf("clearing %s changed %s too: %v, was %v", name, field, after[field], v)
				}
			}
		})
	}
}

// related are fields a clear moves along with its own: the total follows price and
// quantity, the joined tracking number its list, and the status what the units say.
func related(cleared, field string) bool {
	switch cleared {
	case "price", "quantity":
		return field == "total" || field == "status"
	case "tracking_numbers":
		return field == "tracking_number" || field == "status"
	case "qty_received", "status":
		return field == "status" || field == "delivered_date"
	}
	return field == "updated_at"
}

// fieldsOf is an order as its JSON reads.
func fieldsOf(t *testing.T, o *Order) map[string]any {
	t.Helper()
	raw, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// blank is a JSON value that says nothing: absent, null, 0, "", or an empty list.
func blank(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case float64:
		return v == 0
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	}
	return false
}

func TestSplitList(t *testing.T) {
	t.Parallel()
	if got := SplitList(" 1Z999, 1Z888;1Z999\n 1Z777 "); len(got) != 3 || got[0] != "1Z999" || got[2] != "1Z777" {
		t.Errorf("got %q", got)
	}
}

func TestKeyIgnoresCaseAndHash(t *testing.T) {
	t.Parallel()
	if Key(" #bby01-1 ") != Key("BBY01-1") || CleanNumber(" ##A-1 ") != "A-1" {
		t.Error("order numbers that differ only in case, '#' or spaces must be the same order")
	}
}

// TestAllUnitsReceivedMeansReceived: the rule of the received status, whatever the edit
// comes from.
func TestAllUnitsReceivedMeansReceived(t *testing.T) {
	t.Parallel()
	two, one := 2, 1
	for _, tt := range []struct {
		name   string
		status string
		edit   Fields
		want   string
	}{
		{"all units in", StatusShipped, Fields{QtyReceived: &two}, StatusReceived},
		{"some units in", StatusShipped, Fields{QtyReceived: &one}, StatusShipped},
		{"a cancelled order stays cancelled", StatusCancelled, Fields{QtyReceived: &two}, StatusCancelled},
		{"the edit's own status wins", StatusShipped, Fields{QtyReceived: &two, Status: StatusDelivered}, StatusDelivered},
		{"an edit of something else", StatusShipped, Fields{Notes: "n"}, StatusShipped},
	} {
		o := Order{Status: tt.status, Quantity: 2}
		if tt.name == "an edit of something else" {
			o.QtyReceived = 2
		}
		Edit{Fields: tt.edit}.Apply(&o, time.Now())
		if o.Status != tt.want {
			t.Errorf("%s: status %q, want %q", tt.name, o.Status, tt.want)
		}
	}
}
