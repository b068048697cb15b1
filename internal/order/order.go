// Package order holds the domain types every other package shares: an order, the fields
// one message carries, the events of an order's history, and the rule for merging a
// message into an order. It knows nothing about where messages come from or how orders
// are stored.
package order

import (
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Statuses an order can have. The parser derives the first four from a message header;
// the rest come from later messages and from people.
const (
	StatusVerified   = "verified"
	StatusDeclined   = "declined"
	StatusCancelled  = "cancelled"
	StatusReviewHold = "review_hold"
	StatusPending    = "pending"
	StatusProcessing = "processing"
	StatusUnverified = "unverified"
	StatusShipped    = "shipped"
	StatusDelivered  = "delivered"
	StatusReceived   = "received"
	StatusReturned   = "returned"
	StatusRefunded   = "refunded"
)

// Statuses is the documented set, in the order a checkout usually moves through them.
// Only these are stored, so that every order shows up under some status filter.
var Statuses = []string{
	StatusVerified, StatusPending, StatusProcessing, StatusUnverified, StatusReviewHold, StatusDeclined,
	StatusCancelled, StatusShipped, StatusDelivered, StatusReceived, StatusReturned, StatusRefunded,
}

// ValidStatus reports whether s is one of Statuses.
func ValidStatus(s string) bool {
	return slices.Contains(Statuses, s)
}

// NoSpend are the statuses whose money was never spent or came back: totals leave them out
// of spend.
var NoSpend = []string{StatusDeclined, StatusCancelled, StatusRefunded}

// Sources of an order or an event.
const (
	SourceHTTP     = "http"
	SourceDiscord  = "discord"
	SourceBackfill = "backfill"
	SourceAPI      = "api"
	SourceImport   = "import"
	SourceEmail    = "email" // a retailer's email, read from a mailbox (mail.accounts)
)

// Fields are the values one message carries. An empty string or a nil pointer means the
// message did not carry that field, so merging it never blanks a stored value.
type Fields struct {
	OrderNumber     string            `json:"order_number,omitempty"`
	Product         string            `json:"product,omitempty"`
	Price           *Money            `json:"price,omitempty"`
	Currency        string            `json:"currency,omitempty"`
	Quantity        *int              `json:"quantity,omitempty"`
	Total           *Money            `json:"total,omitempty"`
	Commission      *Money            `json:"commission,omitempty"`
	Email           string            `json:"email,omitempty"`
	CustomerName    string            `json:"customer_name,omitempty"`
	Profile         string            `json:"profile,omitempty"`
	ProxyList       string            `json:"proxy_list,omitempty"`
	ReferenceNumber string            `json:"reference_number,omitempty"`
	Status          string            `json:"status,omitempty"`
	TrackingNumbers []string          `json:"tracking_numbers,omitempty"` // added to the order's list
	TrackingURL     string            `json:"tracking_url,omitempty"`
	QtyReceived     *int              `json:"qty_received,omitempty"`
	PostedDate      *time.Time        `json:"posted_date,omitempty"`
	ShippedDate     *time.Time        `json:"shipped_date,omitempty"`
	PaymentMethod   string            `json:"payment_method,omitempty"`
	ShippingAddress string            `json:"shipping_address,omitempty"`
	ShippingMethod  string            `json:"shipping_method,omitempty"`
	Notes           string            `json:"notes,omitempty"`
	Store           string            `json:"store,omitempty"`
	ShareLink       string            `json:"share_link,omitempty"`
	ImageURL        string            `json:"image_url,omitempty"`
	RawHeader       string            `json:"raw_header,omitempty"`
	Extra           map[string]string `json:"extra,omitempty"`
	Items           []Item            `json:"items,omitempty"` // replaces the order's list
}

// Item is one product of a cart: a checkout of several products is one order, with its
// products joined in Product, its quantities added in Quantity, its prices summed in
// Total, and each product kept here.
type Item struct {
	Product  string `json:"product"`
	Quantity int    `json:"quantity"`
	Price    *Money `json:"price,omitempty" doc:"The price of one"`
}

// Origin says where a message came from. The Discord ids are empty for other sources;
// an email's MessageID is its Message-ID.
type Origin struct {
	Source    string `json:"source"`
	GuildID   string `json:"guild_id,omitempty"`
	ChannelID string `json:"channel_id,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	// Poster is who posted it: a Discord webhook's or bot's name, or the username a
	// webhook body gives. With the channel it names the source whose parse health ROMS
	// follows.
	Poster string `json:"poster,omitempty"`
}

// Order is one checkout, keyed by its order number. It has every column of the original
// service's orders table plus what ROMS adds (store, links, currency, raw header, extra
// fields and origin).
type Order struct {
	ID              uint64            `json:"id"`
	OrderNumber     string            `json:"order_number"`
	Product         string            `json:"product"`
	Price           *Money            `json:"price"`
	Total           *Money            `json:"total"`
	Commission      *Money            `json:"commission"`
	Currency        string            `json:"currency"`
	Quantity        int               `json:"quantity"`
	Email           string            `json:"email"`
	CustomerName    string            `json:"customer_name"`
	Profile         string            `json:"profile"`
	ProxyList       string            `json:"proxy_list"`
	ReferenceNumber string            `json:"reference_number"`
	Status          string            `json:"status"`
	TrackingNumbers []string          `json:"tracking_numbers"`
	TrackingNumber  string            `json:"tracking_number" doc:"tracking_numbers joined by \", \" (the original service's column)"`
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
	Items           []Item            `json:"items,omitempty" doc:"The products of a cart, each with its quantity and price"`
	Origin          Origin            `json:"origin"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
	DeletedAt       *time.Time        `json:"deleted_at,omitempty" doc:"Set while the order is deleted: it is then left out of lists and totals"`
	Test            bool              `json:"test,omitempty" doc:"A test order (POST /api/v2/webhooks/test-order): listed, but left out of totals"`
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
	Number  string    `json:"order_number,omitempty"`
	Type    string    `json:"type" enum:"created,updated,deleted,restored"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor,omitempty" doc:"Who made the change: api, discord-user:ID, import:BATCH, or message:SOURCE for a checkout message"`
	Origin  Origin    `json:"origin"`
	Changes []Change  `json:"changes"`
	// Inferred names the fields the parser guessed from a label's words or a value's
	// shape (see README "When a bot changes its posts").
	Inferred []string `json:"inferred,omitempty" doc:"Fields of the message read by meaning, not by a known label"`
}

// Event types.
const (
	EventCreated  = "created"
	EventUpdated  = "updated"
	EventDeleted  = "deleted"
	EventRestored = "restored"
)

// Actors of changes, as events record them.
const ActorAPI = "api"

// ActorDiscordUser is a change made by a Discord user through a slash command.
func ActorDiscordUser(id string) string { return "discord-user:" + id }

// ActorImport is a change made by one row of an import batch.
func ActorImport(batch string) string { return "import:" + batch }

// ActorEmail is the actor of a change a retailer's email made, by its mailbox's name.
func ActorEmail(account string) string { return "email:" + account }

// ActorMessage is a change made by a checkout message from a source.
func ActorMessage(o Origin) string {
	if o.MessageID != "" {
		return "message:" + o.Source + ":" + o.ChannelID + "/" + o.MessageID
	}
	return "message:" + o.Source
}

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

// ErrNoNumber refuses a write whose order number is empty once cleaned: there is nothing
// to key it by.
var ErrNoNumber = errors.New("order number is empty")

// KeyOf is Key of a write's order number, or ErrNoNumber.
func KeyOf(number string) (string, error) {
	if key := Key(number); key != "" {
		return key, nil
	}
	return "", ErrNoNumber
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

// SplitList reads tracking or order numbers as people paste them: "1Z999, 1Z888", one
// per line, or separated by semicolons or spaces. Duplicates are dropped, order is kept.
func SplitList(s string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
