package summaries

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// A summary is the fields of an order that filters, sorts and totals read, in a compact
// binary form that a store keeps beside the order and writes in the same transaction, so
// that opening a store loads the index without decoding any order whole.
//
// Layout, after a version byte: varint order date (unix nanos); flags; uvarint quantity
// and quantity received; varint price, total and commission when their flag is set; then
// length-prefixed strings: number, product, email, profile, store, status, currency, and
// the tracking numbers (a count, then each).
const summaryVersion = 1

// The flags of a row. The low five are stored in a summary; the high three are worked
// out in memory from the rest whenever a row is set, whatever a summary says.
const (
	flagDeleted = 1 << iota
	flagPrice
	flagTotal
	flagCommission
	flagTest

	flagReceived // every unit is received: quantity received >= quantity
	flagTracked  // it has tracking numbers
	flagPresent  // there is an order with this id
)

// ErrCorrupt is a summary that does not decode.
var ErrCorrupt = errors.New("summary is corrupt")

// Encode is the summary of o.
func Encode(o *order.Order) []byte {
	b := make([]byte, 0, 128)
	b = append(b, summaryVersion)
	b = binary.AppendVarint(b, o.OrderDate.UnixNano())
	var flags byte
	if o.DeletedAt != nil {
		flags |= flagDeleted
	}
	if o.Price != nil {
		flags |= flagPrice
	}
	if o.Total != nil {
		flags |= flagTotal
	}
	if o.Commission != nil {
		flags |= flagCommission
	}
	if o.Test {
		flags |= flagTest
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(max(o.Quantity, 0)))
	b = binary.AppendUvarint(b, uint64(max(o.QtyReceived, 0)))
	for _, m := range []*order.Money{o.Price, o.Total, o.Commission} {
		if m != nil {
			b = binary.AppendVarint(b, int64(*m))
		}
	}
	for _, s := range []string{o.OrderNumber, o.Product, o.Email, o.Profile, o.Store, o.Status, o.Currency} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(o.TrackingNumbers)))
	for _, t := range o.TrackingNumbers {
		b = appendString(b, t)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// summaryReader walks an encoded summary; the first error sticks.
type summaryReader struct {
	b   []byte
	err error
}

func (r *summaryReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = ErrCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *summaryReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = ErrCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *summaryReader) string() string {
	return string(r.bytes())
}

// bytes is the next string's bytes, valid as long as the summary's.
func (r *summaryReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = ErrCorrupt
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}

func (r *summaryReader) money(set bool) *order.Money {
	if !set {
		return nil
	}
	m := order.Money(r.varint())
	return &m
}

// Decode returns the order of a summary, with only the summary's fields set: what lists
// of numbers read without decoding the whole order.
func Decode(id uint64, b []byte) (order.Order, error) {
	if len(b) < 2 || b[0] != summaryVersion {
		return order.Order{}, ErrCorrupt
	}
	r := &summaryReader{b: b[1:]}
	o := order.Order{ID: id, OrderDate: time.Unix(0, r.varint()).UTC()}
	if len(r.b) == 0 {
		return order.Order{}, ErrCorrupt
	}
	flags := r.b[0]
	r.b = r.b[1:]
	if flags&flagDeleted != 0 {
		o.DeletedAt = &o.OrderDate // only whether it is set matters to a summary
	}
	o.Test = flags&flagTest != 0
	o.Quantity, o.QtyReceived = int(r.uvarint()), int(r.uvarint())
	o.Price, o.Total, o.Commission = r.money(flags&flagPrice != 0), r.money(flags&flagTotal != 0), r.money(flags&flagCommission != 0)
	for _, dst := range []*string{&o.OrderNumber, &o.Product, &o.Email, &o.Profile, &o.Store, &o.Status, &o.Currency} {
		*dst = r.string()
	}
	switch n := r.uvarint(); {
	case n > uint64(len(r.b)): // each number takes a byte at least
		r.err = ErrCorrupt
	case n > 0:
		o.TrackingNumbers = make([]string, n)
		for i := range o.TrackingNumbers {
			o.TrackingNumbers[i] = r.string()
		}
	}
	if r.err != nil {
		return order.Order{}, r.err
	}
	return o, nil
}
