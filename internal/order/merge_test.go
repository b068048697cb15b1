package order

import (
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func cents(v int64) *Money { m := Money(v); return &m }

var at = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func TestApply(t *testing.T) {
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

func TestEveryClearableFieldClears(t *testing.T) {
	for _, name := range Clearable {
		o := New("A-1", Origin{Source: SourceHTTP}, at)
		Edit{Clear: []string{name}}.Apply(&o, at) // panics on a name clearField lacks
	}
}

func TestSplitTracking(t *testing.T) {
	if got := SplitTracking(" 1Z999, 1Z888;1Z999\n 1Z777 "); len(got) != 3 || got[0] != "1Z999" || got[2] != "1Z777" {
		t.Errorf("got %q", got)
	}
}

func TestKeyIgnoresCaseAndHash(t *testing.T) {
	if Key(" #bby01-1 ") != Key("BBY01-1") || CleanNumber(" ##A-1 ") != "A-1" {
		t.Error("order numbers that differ only in case, '#' or spaces must be the same order")
	}
}

// TestAllUnitsReceivedMeansReceived: the rule of the received status, whatever the edit
// comes from.
func TestAllUnitsReceivedMeansReceived(t *testing.T) {
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
