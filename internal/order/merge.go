package order

import (
	"math"
	"sort"
	"time"
)

// Apply merges the fields of one message into o and returns what changed. Fields the
// message does not carry are left alone. at is the time of the change: it stamps the
// shipped and delivered dates when the status first reaches them.
func Apply(o *Order, f Fields, at time.Time) []Change {
	var ch changes
	oldPrice, oldQty := o.Price, o.Quantity

	setString(&ch, "product", &o.Product, f.Product)
	setFloat(&ch, "price", &o.Price, f.Price)
	setString(&ch, "currency", &o.Currency, f.Currency)
	setInt(&ch, "quantity", &o.Quantity, f.Quantity)
	setFloat(&ch, "total", &o.Total, f.Total)
	setFloat(&ch, "commission", &o.Commission, f.Commission)
	setString(&ch, "email", &o.Email, f.Email)
	setString(&ch, "customer_name", &o.CustomerName, f.CustomerName)
	setString(&ch, "profile", &o.Profile, f.Profile)
	setString(&ch, "proxy_list", &o.ProxyList, f.ProxyList)
	setString(&ch, "reference_number", &o.ReferenceNumber, f.ReferenceNumber)
	setString(&ch, "status", &o.Status, f.Status)
	setString(&ch, "tracking_number", &o.TrackingNumber, f.TrackingNumber)
	setString(&ch, "tracking_url", &o.TrackingURL, f.TrackingURL)
	setInt(&ch, "qty_received", &o.QtyReceived, f.QtyReceived)
	setString(&ch, "payment_method", &o.PaymentMethod, f.PaymentMethod)
	setString(&ch, "shipping_address", &o.ShippingAddress, f.ShippingAddress)
	setString(&ch, "shipping_method", &o.ShippingMethod, f.ShippingMethod)
	setString(&ch, "notes", &o.Notes, f.Notes)
	setString(&ch, "store", &o.Store, f.Store)
	setString(&ch, "share_link", &o.ShareLink, f.ShareLink)
	setString(&ch, "image_url", &o.ImageURL, f.ImageURL)
	setString(&ch, "raw_header", &o.RawHeader, f.RawHeader)
	mergeExtra(&ch, o, f.Extra)

	if f.Total == nil && totalIsDerived(o.Total, oldPrice, oldQty) {
		setFloat(&ch, "total", &o.Total, derivedTotal(o.Price, o.Quantity))
	}
	stampStatusDate(&ch, o, at)
	return ch
}

type changes []Change

func (c *changes) add(field string, old, new any) {
	*c = append(*c, Change{Field: field, Old: old, New: new})
}

func setString(c *changes, field string, dst *string, v string) {
	if v == "" || v == *dst {
		return
	}
	c.add(field, nilIfZero(*dst), v)
	*dst = v
}

func setInt(c *changes, field string, dst *int, v *int) {
	if v == nil || *v == *dst {
		return
	}
	c.add(field, *dst, *v)
	*dst = *v
}

func setFloat(c *changes, field string, dst **float64, v *float64) {
	if v == nil || (*dst != nil && **dst == *v) {
		return
	}
	var old any
	if *dst != nil {
		old = **dst
	}
	c.add(field, old, *v)
	n := *v
	*dst = &n
}

func nilIfZero(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// mergeExtra adds or replaces extra fields key by key, in a stable order.
func mergeExtra(c *changes, o *Order, extra map[string]string) {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, had := o.Extra[k]
		if had && v == extra[k] {
			continue
		}
		if o.Extra == nil {
			o.Extra = map[string]string{}
		}
		var old any
		if had {
			old = v
		}
		c.add("extra."+k, old, extra[k])
		o.Extra[k] = extra[k]
	}
}

// totalIsDerived reports whether the stored total is the one ROMS computed rather than one
// a message gave: unset, or exactly the old price times the old quantity. Only then does a
// new price or quantity recompute it, so an explicit total (with shipping or tax) survives.
func totalIsDerived(total, oldPrice *float64, oldQty int) bool {
	if total == nil {
		return true
	}
	return oldPrice != nil && *total == roundCents(*oldPrice*float64(oldQty))
}

func derivedTotal(price *float64, qty int) *float64 {
	if price == nil {
		return nil
	}
	t := roundCents(*price * float64(qty))
	return &t
}

// roundCents keeps float noise (99.99*3 = 299.96999...) out of stored totals.
func roundCents(v float64) float64 {
	return math.Round(v*100) / 100
}

func stampStatusDate(c *changes, o *Order, at time.Time) {
	at = at.UTC()
	switch {
	case o.Status == StatusShipped && o.ShippedDate == nil:
		c.add("shipped_date", nil, at)
		o.ShippedDate = &at
	case o.Status == StatusDelivered && o.DeliveredDate == nil:
		c.add("delivered_date", nil, at)
		o.DeliveredDate = &at
	}
}
