package summaries

import (
	"reflect"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

func TestSummaryKeepsWhatFiltersSortsAndTotalsRead(t *testing.T) {
	price, total := order.Money(29999), order.Money(59998)
	deleted := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	full := order.Order{
		ID: 7, OrderNumber: "BBY01-1", Product: "Starlink Mini ✓", Email: "bob@x.co", Profile: "Chase 2", Store: "Best Buy US",
		Status: "shipped", Currency: "USD", Quantity: 2, QtyReceived: 1, Price: &price, Total: &total,
		TrackingNumbers: []string{"1Z999", "1Z888"}, OrderDate: time.Date(2026, 11, 20, 18, 0, 0, 5, time.UTC),
		DeletedAt: &deleted, Notes: "not in the summary", Test: true,
	}
	got, err := Decode(7, Encode(&full))
	if err != nil {
		t.Fatal(err)
	}
	want := full
	want.Notes, want.DeletedAt = "", &want.OrderDate
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	empty, err := Decode(1, Encode(&order.Order{OrderDate: full.OrderDate}))
	if err != nil || empty.Price != nil || empty.DeletedAt != nil || empty.TrackingNumbers != nil {
		t.Errorf("empty order: %+v %v", empty, err)
	}
	enc := Encode(&full)
	for cut := range len(enc) - 1 {
		if _, err := Decode(7, enc[:cut]); err == nil {
			t.Errorf("a summary cut at %d bytes decoded", cut)
		}
	}
}
