package order

import (
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

var at = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		before  func(*Order)
		fields  Fields
		check   func(*Order) bool
		changed []string
	}{
		{
			name:    "absent fields never blank stored ones",
			before:  func(o *Order) { o.Product, o.Email = "Widget", "a@b.co" },
			fields:  Fields{Status: "shipped"},
			check:   func(o *Order) bool { return o.Product == "Widget" && o.Email == "a@b.co" && o.Status == "shipped" },
			changed: []string{"status", "shipped_date"},
		},
		{
			name:    "same values change nothing",
			before:  func(o *Order) { o.Product, o.Price, o.Total = "Widget", ptr(5.0), ptr(5.0) },
			fields:  Fields{Product: "Widget", Price: ptr(5.0)},
			check:   func(o *Order) bool { return true },
			changed: nil,
		},
		{
			name:    "total follows price and quantity",
			fields:  Fields{Price: ptr(99.99), Quantity: ptr(3)},
			check:   func(o *Order) bool { return *o.Total == 299.97 },
			changed: []string{"price", "quantity", "total"},
		},
		{
			name:    "an explicit total is kept when the price changes",
			before:  func(o *Order) { o.Price, o.Total = ptr(10.0), ptr(12.5) },
			fields:  Fields{Price: ptr(11.0)},
			check:   func(o *Order) bool { return *o.Total == 12.5 },
			changed: []string{"price"},
		},
		{
			name:    "delivered is stamped once",
			before:  func(o *Order) { o.Status = "shipped" },
			fields:  Fields{Status: "delivered"},
			check:   func(o *Order) bool { return o.DeliveredDate != nil && o.DeliveredDate.Equal(at) },
			changed: []string{"status", "delivered_date"},
		},
		{
			name:   "extra fields merge key by key",
			before: func(o *Order) { o.Extra = map[string]string{"Mode": "Fast", "Keep": "me"} },
			fields: Fields{Extra: map[string]string{"Mode": "Safe", "New": "x"}},
			check: func(o *Order) bool {
				return o.Extra["Mode"] == "Safe" && o.Extra["Keep"] == "me" && o.Extra["New"] == "x"
			},
			changed: []string{"extra.Mode", "extra.New"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := New("A-1", Origin{Source: SourceHTTP}, at)
			if tt.before != nil {
				tt.before(&o)
			}
			changes := Apply(&o, tt.fields, at)
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

func TestKeyIgnoresCaseAndHash(t *testing.T) {
	if Key(" #bby01-1 ") != Key("BBY01-1") || CleanNumber(" ##A-1 ") != "A-1" {
		t.Error("order numbers that differ only in case, '#' or spaces must be the same order")
	}
}
