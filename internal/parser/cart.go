package parser

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/roms-dev/roms/internal/order"
)

// cartItem is one numbered product of a cart, as bots post carts: "Product (1)",
// "Price (1)", "Quantity (1)", "Product (2)"...
type cartItem struct {
	product string
	price   *order.Money
	qty     int
}

// numberedLabel is a label with an item number: "Product (2)", "Qty (2)".
var numberedLabel = regexp.MustCompile(`^(.+?)\s*\((\d{1,2})\)$`)

// isCart reports whether label numbers a cart's product, price or quantity.
func (l labels) isCart(label string) bool {
	if !strings.Contains(label, "(") { // most lines: spare them the normalisation
		return false
	}
	match := numberedLabel.FindStringSubmatch(labelText(label))
	if match == nil {
		return false
	}
	field, _ := l.lookup(match[1])
	return field == fProduct || field == fPrice || field == fQuantity
}

// addCartLine keeps a numbered product, price or quantity line for totalCart. It reports
// false for a line it could not read, which the caller keeps as an extra field, so
// nothing of the cart is lost.
func (m *Message) addCartLine(label, value string) bool {
	match := numberedLabel.FindStringSubmatch(label)
	if match == nil || value == "" {
		return false
	}
	field, _ := m.labels.lookup(match[1])
	if field != fProduct && field != fPrice && field != fQuantity {
		return false
	}
	n, _ := strconv.Atoi(match[2])
	if m.cart == nil {
		m.cart = map[int]*cartItem{}
	}
	item := m.cart[n]
	if item == nil {
		item = &cartItem{qty: 1}
		m.cart[n] = item
	}
	switch field {
	case fProduct:
		item.product = value
	case fPrice:
		amount, currency, err := parseMoney(value)
		if err != nil {
			m.warn("%s: %v; kept as text", label, err)
			return false
		}
		item.price = &amount
		if m.Fields.Currency == "" {
			m.Fields.Currency = currency
		}
	case fQuantity:
		q, err := parseCount(value)
		if err != nil {
			return false
		}
		item.qty = q
	}
	return true
}

// totalCart turns a cart into one order: the products named together, the quantities
// added up, and the total summed over the items, unless the message states them. A cart
// of one item gives that item's price.
func (m *Message) totalCart() {
	if len(m.cart) == 0 {
		return
	}
	numbers := slices.Sorted(maps.Keys(m.cart))
	var names []string
	var total order.Money
	qty, priced := 0, true
	for _, n := range numbers {
		item := m.cart[n]
		if item.product != "" {
			names = append(names, item.product)
		}
		m.Fields.Items = append(m.Fields.Items, order.Item{Product: item.product, Quantity: item.qty, Price: item.price})
		qty += item.qty
		line, ok := order.Money(0), item.price != nil
		if ok {
			line, ok = item.price.Times(item.qty)
		}
		if !ok || total+line < total {
			priced = false
			continue
		}
		total += line
	}
	fs := &m.Fields
	if fs.Product == "" && len(names) > 0 {
		fs.Product = strings.Join(names, " + ")
	}
	if len(numbers) == 1 {
		if fs.Price == nil {
			fs.Price = m.cart[numbers[0]].price
		}
		if fs.Quantity == nil && m.cart[numbers[0]].qty != 1 {
			fs.Quantity = &qty
		}
		return
	}
	if fs.Quantity == nil {
		fs.Quantity = &qty
	}
	if fs.Total == nil && priced {
		fs.Total = &total
	}
}
