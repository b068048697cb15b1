package order

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Edit is one change to an order, whoever makes it: the fields a message or a person
// sets, the fields to blank, and whether it deletes or restores the order.
type Edit struct {
	Fields
	// Clear names fields to blank, by their JSON names (see Clearable). Clearing happens
	// before setting, so an edit can replace a list.
	Clear []string
	// Delete leaves the order out of lists and totals, keeping it and its history;
	// Restore undoes that.
	Delete, Restore bool
	// DefaultCurrency is given to an order that has an amount but no currency (a price
	// written without a symbol, an order made by hand), so totals are not split between
	// "USD" and no currency.
	DefaultCurrency string
	// DefaultStatus is given to an order that has no status.
	DefaultStatus string
	// Test marks the order as a test order, left out of totals.
	Test bool
}

// Clearable are the fields an edit may blank. Clearing quantity sets it back to 1.
var Clearable = []string{
	"product", "price", "quantity", "total", "commission", "currency", "email", "customer_name", "profile",
	"proxy_list", "reference_number", "status", "tracking_numbers", "tracking_url", "qty_received",
	"posted_date", "shipped_date", "payment_method", "shipping_address", "shipping_method", "notes", "store", "share_link", "image_url",
	"items",
}

// Apply merges the edit into o and returns what changed. Fields the edit neither sets nor
// clears are left alone. at is the time of the change: it stamps the shipped, delivered
// and deleted dates.
func (e Edit) Apply(o *Order, at time.Time) []Change {
	var ch changes
	at = at.UTC()
	oldPrice, oldQty := o.Price, o.Quantity
	for _, name := range e.Clear {
		clearField(&ch, o, name)
	}
	f := e.Fields
	setString(&ch, "product", &o.Product, f.Product)
	setMoney(&ch, "price", &o.Price, f.Price)
	setString(&ch, "currency", &o.Currency, f.Currency)
	setInt(&ch, "quantity", &o.Quantity, f.Quantity)
	setMoney(&ch, "total", &o.Total, f.Total)
	setMoney(&ch, "commission", &o.Commission, f.Commission)
	setString(&ch, "email", &o.Email, f.Email)
	setString(&ch, "customer_name", &o.CustomerName, f.CustomerName)
	setString(&ch, "profile", &o.Profile, f.Profile)
	setString(&ch, "proxy_list", &o.ProxyList, f.ProxyList)
	setString(&ch, "reference_number", &o.ReferenceNumber, f.ReferenceNumber)
	setString(&ch, "status", &o.Status, f.Status)
	addTracking(&ch, o, f.TrackingNumbers)
	setString(&ch, "tracking_url", &o.TrackingURL, f.TrackingURL)
	setInt(&ch, "qty_received", &o.QtyReceived, f.QtyReceived)
	setTime(&ch, "posted_date", &o.PostedDate, f.PostedDate)
	setTime(&ch, "shipped_date", &o.ShippedDate, f.ShippedDate)
	setString(&ch, "payment_method", &o.PaymentMethod, f.PaymentMethod)
	setString(&ch, "shipping_address", &o.ShippingAddress, f.ShippingAddress)
	setString(&ch, "shipping_method", &o.ShippingMethod, f.ShippingMethod)
	setString(&ch, "notes", &o.Notes, f.Notes)
	setString(&ch, "store", &o.Store, f.Store)
	setString(&ch, "share_link", &o.ShareLink, f.ShareLink)
	setString(&ch, "image_url", &o.ImageURL, f.ImageURL)
	setString(&ch, "raw_header", &o.RawHeader, f.RawHeader)
	mergeExtra(&ch, o, f.Extra)
	setItems(&ch, o, f.Items)

	if f.Total == nil && !slices.Contains(e.Clear, "total") && totalIsDerived(o.Total, oldPrice, oldQty) {
		setMoney(&ch, "total", &o.Total, derivedTotal(o.Price, o.Quantity))
	}
	if o.Status == "" {
		setString(&ch, "status", &o.Status, e.DefaultStatus)
	}
	if f.Status == "" && (f.QtyReceived != nil || f.Quantity != nil) && allReceived(o) {
		setString(&ch, "status", &o.Status, StatusReceived)
	}
	if o.Currency == "" && (o.Price != nil || o.Total != nil || o.Commission != nil) {
		setString(&ch, "currency", &o.Currency, e.DefaultCurrency)
	}
	stampStatusDate(&ch, o, at)
	if e.Test && !o.Test {
		ch.add("test", false, true)
		o.Test = true
	}
	switch {
	case e.Delete && o.DeletedAt == nil:
		ch.add("deleted_at", nil, at)
		o.DeletedAt = &at
	case e.Restore && o.DeletedAt != nil:
		ch.add("deleted_at", *o.DeletedAt, nil)
		o.DeletedAt = nil
	}
	return ch
}

// EventType names what a set of changes did to an order that existed.
func EventType(changes []Change) string {
	for _, c := range changes {
		if c.Field == "deleted_at" {
			if c.New == nil {
				return EventRestored
			}
			return EventDeleted
		}
	}
	return EventUpdated
}

type changes []Change

func (c *changes) add(field string, old, new any) {
	*c = append(*c, Change{Field: field, Old: old, New: new})
}

// setItems replaces the order's cart items when the edit gives a different list.
func setItems(c *changes, o *Order, items []Item) {
	if items == nil || slices.EqualFunc(o.Items, items, sameItem) {
		return
	}
	c.add("items", o.Items, items)
	o.Items = slices.Clone(items)
}

func sameItem(a, b Item) bool {
	return a.Product == b.Product && a.Quantity == b.Quantity && (a.Price == nil) == (b.Price == nil) &&
		(a.Price == nil || *a.Price == *b.Price)
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

func setMoney(c *changes, field string, dst **Money, v *Money) {
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

func setTime(c *changes, field string, dst **time.Time, v *time.Time) {
	if v == nil || (*dst != nil && (*dst).Equal(*v)) {
		return
	}
	var old any
	if *dst != nil {
		old = **dst
	}
	t := v.UTC()
	c.add(field, old, t)
	*dst = &t
}

// addTracking adds tracking numbers the order does not have yet, in the order given.
func addTracking(c *changes, o *Order, numbers []string) {
	list := slices.Clone(o.TrackingNumbers)
	for _, n := range numbers {
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(list, n) {
			list = append(list, n)
		}
	}
	if len(list) == len(o.TrackingNumbers) {
		return
	}
	c.add("tracking_numbers", trackingValue(o.TrackingNumbers), list)
	o.SetTracking(list)
}

func trackingValue(list []string) any {
	if len(list) == 0 {
		return nil
	}
	return list
}

// SetTracking replaces the tracking list and the joined column shown beside it.
func (o *Order) SetTracking(list []string) {
	o.TrackingNumbers = list
	o.TrackingNumber = strings.Join(list, ", ")
}

// clearField blanks one field, recording the change when it had a value.
func clearField(c *changes, o *Order, name string) {
	clearString := func(dst *string) {
		if *dst != "" {
			c.add(name, *dst, nil)
			*dst = ""
		}
	}
	clearMoney := func(dst **Money) {
		if *dst != nil {
			c.add(name, **dst, nil)
			*dst = nil
		}
	}
	clearTime := func(dst **time.Time) {
		if *dst != nil {
			c.add(name, **dst, nil)
			*dst = nil
		}
	}
	switch name {
	case "product":
		clearString(&o.Product)
	case "price":
		clearMoney(&o.Price)
	case "quantity":
		setInt(c, name, &o.Quantity, ptrTo(1))
	case "total":
		clearMoney(&o.Total)
	case "commission":
		clearMoney(&o.Commission)
	case "currency":
		clearString(&o.Currency)
	case "email":
		clearString(&o.Email)
	case "customer_name":
		clearString(&o.CustomerName)
	case "profile":
		clearString(&o.Profile)
	case "proxy_list":
		clearString(&o.ProxyList)
	case "reference_number":
		clearString(&o.ReferenceNumber)
	case "status":
		clearString(&o.Status)
	case "tracking_numbers", "tracking_number":
		if len(o.TrackingNumbers) > 0 {
			c.add("tracking_numbers", o.TrackingNumbers, nil)
			o.SetTracking(nil)
		}
	case "tracking_url":
		clearString(&o.TrackingURL)
	case "qty_received":
		setInt(c, name, &o.QtyReceived, ptrTo(0))
	case "posted_date":
		clearTime(&o.PostedDate)
	case "shipped_date":
		clearTime(&o.ShippedDate)
	case "payment_method":
		clearString(&o.PaymentMethod)
	case "shipping_address":
		clearString(&o.ShippingAddress)
	case "shipping_method":
		clearString(&o.ShippingMethod)
	case "notes":
		clearString(&o.Notes)
	case "store":
		clearString(&o.Store)
	case "share_link":
		clearString(&o.ShareLink)
	case "image_url":
		clearString(&o.ImageURL)
	case "items":
		if o.Items != nil {
			c.add(name, o.Items, nil)
			o.Items = nil
		}
	default:
		panic(fmt.Sprintf("order: %q is not clearable", name)) // callers check against Clearable
	}
}

func ptrTo[T any](v T) *T { return &v }

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
func totalIsDerived(total, oldPrice *Money, oldQty int) bool {
	if total == nil {
		return true
	}
	if oldPrice == nil {
		return false
	}
	derived, ok := oldPrice.Times(oldQty)
	return ok && *total == derived
}

func derivedTotal(price *Money, qty int) *Money {
	if price == nil {
		return nil
	}
	t, ok := price.Times(qty)
	if !ok {
		return nil
	}
	return &t
}

// allReceived is the rule of the received status, the same for every way in (an import,
// a correction, a command, a message): an edit that brings the units received up to the
// units ordered makes the order received, unless it was declined, cancelled, returned or
// refunded, or the same edit set its status itself.
func allReceived(o *Order) bool {
	switch o.Status {
	case StatusDeclined, StatusCancelled, StatusReturned, StatusRefunded, StatusReceived:
		return false
	}
	return o.Quantity > 0 && o.QtyReceived >= o.Quantity
}

func stampStatusDate(c *changes, o *Order, at time.Time) {
	switch {
	case o.Status == StatusShipped && o.ShippedDate == nil:
		c.add("shipped_date", nil, at)
		o.ShippedDate = &at
	case o.Status == StatusDelivered && o.DeliveredDate == nil:
		c.add("delivered_date", nil, at)
		o.DeliveredDate = &at
	}
}

// Without is the edit less the fields named (by their JSON names, "extra.NAME" for an
// extra field): what an old message may still change of an order whose named fields
// were changed since it arrived. It returns the names it took out.
func (e Edit) Without(names map[string]bool) (Edit, []string) {
	raw, err := json.Marshal(e.Fields)
	if err != nil {
		return e, nil
	}
	var carried map[string]json.RawMessage
	if err := json.Unmarshal(raw, &carried); err != nil {
		return e, nil
	}
	var dropped []string
	for name := range carried {
		if name != "extra" && names[name] {
			delete(carried, name)
			dropped = append(dropped, name)
		}
	}
	extra := carried["extra"]
	delete(carried, "extra")
	raw, _ = json.Marshal(carried)
	out := e
	out.Fields = Fields{}
	if err := json.Unmarshal(raw, &out.Fields); err != nil {
		return e, nil
	}
	if extra != nil {
		for k, v := range e.Fields.Extra {
			if names["extra."+k] {
				dropped = append(dropped, "extra."+k)
				continue
			}
			if out.Fields.Extra == nil {
				out.Fields.Extra = map[string]string{}
			}
			out.Fields.Extra[k] = v
		}
	}
	sort.Strings(dropped)
	return out, dropped
}
