// Package order holds the domain types every other package shares: an order, the fields
// one message carries, the events of an order's history, and the rule for merging a
// message into an order. It knows nothing about where messages come from or how orders
// are stored.
package order

import (
	"strings"
	"time"
)

// Statuses the parser derives from a message header. Any other status a message or a
// user gives (shipped, delivered, ...) is kept as its normalised slug.
const (
	StatusVerified   = "verified"
	StatusDeclined   = "declined"
	StatusCancelled  = "cancelled"
	StatusReviewHold = "review_hold"
	StatusShipped    = "shipped"
	StatusDelivered  = "delivered"
)

// Sources of an order or an event.
const (
	SourceHTTP     = "http"
	SourceDiscord  = "discord"
	SourceBackfill = "backfill"
	SourceAPI      = "api"
)

// Fields are the values one message carries. An empty string or a nil pointer means the
// message did not carry that field, so merging it never blanks a stored value.
type Fields struct {
	OrderNumber     string            `json:"order_number,omitempty"`
	Product         string            `json:"product,omitempty"`
	Price           *float64          `json:"price,omitempty"`
	Currency        string            `json:"currency,omitempty"`
	Quantity        *int              `json:"quantity,omitempty"`
	Total           *float64          `json:"total,omitempty"`
	Commission      *float64          `json:"commission,omitempty"`
	Email           string            `json:"email,omitempty"`
	CustomerName    string            `json:"customer_name,omitempty"`
	Profile         string            `json:"profile,omitempty"`
	ProxyList       string            `json:"proxy_list,omitempty"`
	ReferenceNumber string            `json:"reference_number,omitempty"`
	Status          string            `json:"status,omitempty"`
	TrackingNumber  string            `json:"tracking_number,omitempty"`
	TrackingURL     string            `json:"tracking_url,omitempty"`
	QtyReceived     *int              `json:"qty_received,omitempty"`
	PaymentMethod   string            `json:"payment_method,omitempty"`
	ShippingAddress string            `json:"shipping_address,omitempty"`
	ShippingMethod  string            `json:"shipping_method,omitempty"`
	Notes           string            `json:"notes,omitempty"`
	Store           string            `json:"store,omitempty"`
	ShareLink       string            `json:"share_link,omitempty"`
	ImageURL        string            `json:"image_url,omitempty"`
	RawHeader       string            `json:"raw_header,omitempty"`
	Extra           map[string]string `json:"extra,omitempty"`
}

// Origin says where a message came from. The Discord ids are empty for other sources.
type Origin struct {
	Source    string `json:"source"`
	GuildID   string `json:"guild_id,omitempty"`
	ChannelID string `json:"channel_id,omitempty"`
	MessageID string `json:"message_id,omitempty"`
}

// Order is one checkout, keyed by its order number. It has every column of the original
// service's orders table plus what ROMS adds (store, links, currency, raw header, extra
// fields and origin).
type Order struct {
	ID              uint64            `json:"id"`
	OrderNumber     string            `json:"order_number"`
	Product         string            `json:"product"`
	Price           *float64          `json:"price"`
	Total           *float64          `json:"total"`
	Commission      *float64          `json:"commission"`
	Currency        string            `json:"currency"`
	Quantity        int               `json:"quantity"`
	Email           string            `json:"email"`
	CustomerName    string            `json:"customer_name"`
	Profile         string            `json:"profile"`
	ProxyList       string            `json:"proxy_list"`
	ReferenceNumber string            `json:"reference_number"`
	Status          string            `json:"status"`
	TrackingNumber  string            `json:"tracking_number"`
	TrackingURL     string            `json:"tracking_url"`
	QtyReceived     int               `json:"qty_received"`
	PaymentMethod   string            `json:"payment_method"`
	ShippingAddress string            `json:"shipping_address"`
	ShippingMethod  string            `json:"shipping_method"`
	Notes           string            `json:"notes"`
	OrderDate       time.Time         `json:"order_date"`
	OrderTime       string            `json:"order_time"`
	PostedDate      *time.Time        `json:"posted_date"`
	ShippedDate     *time.Time        `json:"shipped_date"`
	DeliveredDate   *time.Time        `json:"delivered_date"`
	Source          string            `json:"source"`
	WorksheetName   string            `json:"worksheet_name"`
	Store           string            `json:"store"`
	ShareLink       string            `json:"share_link"`
	ImageURL        string            `json:"image_url"`
	RawHeader       string            `json:"raw_header"`
	Extra           map[string]string `json:"extra"`
	Origin          Origin            `json:"origin"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
}

// Change is one field an event changed. Old is nil when the field was unset.
type Change struct {
	Field string `json:"field"`
	Old   any    `json:"old"`
	New   any    `json:"new"`
}

// Event is one entry of an order's history.
type Event struct {
	ID      uint64    `json:"id"`
	OrderID uint64    `json:"order_id"`
	Type    string    `json:"type"` // "created" or "updated"
	At      time.Time `json:"at"`
	Origin  Origin    `json:"origin"`
	Changes []Change  `json:"changes"`
}

// Event types.
const (
	EventCreated = "created"
	EventUpdated = "updated"
)

// CleanNumber is how an order number is shown: trimmed, without a leading '#'.
func CleanNumber(number string) string {
	return strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(number), "#"))
}

// Key is the store key of an order number. Retailers print order numbers in one case
// but users type them in any, so "bby01-1" and "BBY01-1" are the same order: the key is
// upper-cased, while the order keeps the spelling it was first seen with.
func Key(number string) string {
	return strings.ToUpper(CleanNumber(number))
}

// New starts an order from its first message. at is when the checkout happened.
func New(number string, origin Origin, at time.Time) Order {
	at = at.UTC()
	return Order{
		OrderNumber: CleanNumber(number),
		Quantity:    1,
		OrderDate:   at,
		OrderTime:   at.Format("15:04:05"),
		Source:      origin.Source,
		Origin:      origin,
		Extra:       map[string]string{},
	}
}
