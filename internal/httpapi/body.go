package httpapi

import (
	"encoding/json"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roms-dev/roms/internal/order"
)

// Optional is a JSON field that can be left out (no change), null (clear the field), or
// a value (set it). Plain pointers cannot tell the first two apart.
type Optional[T any] struct {
	Set   bool // the field was in the body
	Null  bool // it was null
	Value T
}

// UnmarshalJSON is only called for fields present in the body.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// Schema documents the field as its value type, nullable.
func (o Optional[T]) Schema(r huma.Registry) *huma.Schema {
	s := *r.Schema(reflect.TypeFor[T](), false, "")
	s.Nullable = true
	return &s
}

// OrderFields are an order's fields as the API takes them to create or change an order.
type OrderFields struct {
	OrderNumber     Optional[string]      `json:"order_number,omitempty" doc:"Required to create an order; cannot be changed"`
	Product         Optional[string]      `json:"product,omitempty" maxLength:"1000"`
	Price           Optional[order.Money] `json:"price,omitempty" doc:"Unit price, such as 299.99"`
	Quantity        Optional[int]         `json:"quantity,omitempty" doc:"At least 1; null sets it back to 1"`
	Total           Optional[order.Money] `json:"total,omitempty" doc:"Without it, price x quantity"`
	Commission      Optional[order.Money] `json:"commission,omitempty"`
	Currency        Optional[string]      `json:"currency,omitempty" doc:"Three-letter code such as USD"`
	Email           Optional[string]      `json:"email,omitempty"`
	CustomerName    Optional[string]      `json:"customer_name,omitempty"`
	Profile         Optional[string]      `json:"profile,omitempty"`
	ProxyList       Optional[string]      `json:"proxy_list,omitempty"`
	ReferenceNumber Optional[string]      `json:"reference_number,omitempty"`
	Status          Optional[string]      `json:"status,omitempty" doc:"One of verified, pending, processing, unverified, review_hold, declined, cancelled, shipped, delivered, received, returned, refunded (any case)"`
	TrackingNumber  Optional[string]      `json:"tracking_number,omitempty" doc:"Adds tracking numbers (\"1Z999, 1Z888\" adds two) to those the order has; null removes them all"`
	TrackingNumbers Optional[[]string]    `json:"tracking_numbers,omitempty" doc:"Replaces the list of tracking numbers"`
	QtyReceived     Optional[int]         `json:"qty_received,omitempty" doc:"From 0 to the quantity"`
	PostedDate      Optional[time.Time]   `json:"posted_date,omitempty" doc:"When the charge posted on the card statement"`
	ShippedDate     Optional[time.Time]   `json:"shipped_date,omitempty" doc:"Set by itself when the status first becomes shipped"`
	PaymentMethod   Optional[string]      `json:"payment_method,omitempty"`
	ShippingAddress Optional[string]      `json:"shipping_address,omitempty"`
	ShippingMethod  Optional[string]      `json:"shipping_method,omitempty"`
	Notes           Optional[string]      `json:"notes,omitempty" maxLength:"5000"`
	Store           Optional[string]      `json:"store,omitempty"`
}

// edit turns the body into an edit: null or an empty string clears a field, a value sets
// it.
func (b OrderFields) edit() order.Edit {
	var e order.Edit
	f := &e.Fields
	str := func(name string, o Optional[string], dst *string) {
		switch {
		case !o.Set:
		case o.Null || o.Value == "":
			e.Clear = append(e.Clear, name)
		default:
			*dst = o.Value
		}
	}
	str("product", b.Product, &f.Product)
	setValue(&e, "price", b.Price, &f.Price)
	setValue(&e, "quantity", b.Quantity, &f.Quantity)
	setValue(&e, "total", b.Total, &f.Total)
	setValue(&e, "commission", b.Commission, &f.Commission)
	str("currency", b.Currency, &f.Currency)
	str("email", b.Email, &f.Email)
	str("customer_name", b.CustomerName, &f.CustomerName)
	str("profile", b.Profile, &f.Profile)
	str("proxy_list", b.ProxyList, &f.ProxyList)
	str("reference_number", b.ReferenceNumber, &f.ReferenceNumber)
	str("status", b.Status, &f.Status)
	var added string
	str("tracking_numbers", b.TrackingNumber, &added)
	if added != "" {
		f.TrackingNumbers = []string{added}
	}
	if b.TrackingNumbers.Set { // a whole new list: clear, then add
		e.Clear = append(e.Clear, "tracking_numbers")
		f.TrackingNumbers = append(f.TrackingNumbers, b.TrackingNumbers.Value...)
	}
	setValue(&e, "qty_received", b.QtyReceived, &f.QtyReceived)
	setValue(&e, "posted_date", b.PostedDate, &f.PostedDate)
	setValue(&e, "shipped_date", b.ShippedDate, &f.ShippedDate)
	str("payment_method", b.PaymentMethod, &f.PaymentMethod)
	str("shipping_address", b.ShippingAddress, &f.ShippingAddress)
	str("shipping_method", b.ShippingMethod, &f.ShippingMethod)
	str("notes", b.Notes, &f.Notes)
	str("store", b.Store, &f.Store)
	return e
}

// setValue sets an optional field of an edit from the body: null clears it.
func setValue[T any](e *order.Edit, name string, o Optional[T], dst **T) {
	switch {
	case !o.Set:
	case o.Null:
		e.Clear = append(e.Clear, name)
	default:
		v := o.Value
		*dst = &v
	}
}
