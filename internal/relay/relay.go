// Package relay posts each new checkout of an ACO service to a public success channel and
// tells its client, and follows the order after: a checkout the retailer cancels later
// has its public post edited or deleted, and its client told.
//
// Every post, edit and delete goes through an outbox kept in the store, so each is sent
// exactly once across restarts, Discord outages and a change of the instance that
// leads: an item leaves the outbox only once it is sent, a new message is sent with a
// nonce Discord enforces (a repeat after a lost answer returns the first message), and
// edits and deletes are the same however often they are made.
package relay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/roms-dev/roms/internal/aco"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
)

// Collections of the relay's documents.
const (
	colState  = "relay-state"  // order key -> state
	colOutbox = "relay-outbox" // order key "/" action -> item
	// posSince is the position that holds when the relay started: orders made before it
	// are never posted, so that turning the relay on does not post a whole history.
	posSince = "relay:since"
)

// Actions of the outbox, in the order one order's are sent.
const (
	actPost         = "1-post"        // the public post of a checkout
	actTell         = "2-tell"        // the client's own message of it
	actPostFailed   = "3-post-failed" // the public post edited or deleted: the order failed
	actTellFailed   = "4-tell-failed" // the client told it failed
	onCancelEdit    = "edit"
	onCancelDelete  = "delete"
	maxNonce        = 25 // Discord's limit on a nonce's length
	attemptsLogged  = 3  // an item failing this many times in a row is logged as a warning
	deliverInterval = 2 * time.Second
)

// Message is what the relay sends: text, an embed, and the users it may mention.
type Message struct {
	Content  string
	Embed    *Embed
	Mentions []string // user ids the message may ping; no one else is pinged
}

// Embed is the card of a message.
type Embed struct {
	Title       string
	Description string
	Color       int
	Thumbnail   string
	Fields      [][2]string // name, value
}

// Poster is what the relay needs of Discord.
type Poster interface {
	// Send posts a message once: a repeat with the same nonce returns the first one's id.
	Send(ctx context.Context, channel string, m Message, nonce string) (string, error)
	Edit(ctx context.Context, channel, id string, m Message) error
	Delete(ctx context.Context, channel, id string) error
	// DM is the bot's direct-message channel with a user.
	DM(ctx context.Context, user string) (string, error)
}

// ErrGone is a message or channel Discord no longer has: editing or deleting it is done.
var ErrGone = errors.New("gone from Discord")

// Store is what the relay needs of storage.
type Store interface {
	Get(ctx context.Context, number string) (order.Order, error)
	Each(ctx context.Context, f order.Filter, fn func(*order.Order) error) error
	order.Documents
	Position(ctx context.Context, name string) (string, error)
	Advance(ctx context.Context, name, pos string) error
}

// Clients says whose an order is.
type Clients interface {
	Clients(ctx context.Context) ([]aco.Client, error)
	Whose(ctx context.Context, o *order.Order, clients []aco.Client) (aco.Match, error)
}

// Settings are relay.* of the settings.
type Settings struct {
	PublicChannel string
	Notify        string   // ping, dm or none: a client's own setting wins
	OnCancel      string   // edit, delete or keep
	Show          []string // private fields the public post shows: price, order_number, email, profile, address, proxy
}

// state is what the relay did for one order.
type state struct {
	Order  string   `json:"order"`
	Client string   `json:"client,omitempty"`
	Queued []string `json:"queued,omitempty"` // actions put in the outbox
	Sent   []string `json:"sent,omitempty"`   // actions done
	Public *post    `json:"public,omitempty"` // the public post
	Told   *post    `json:"told,omitempty"`   // the client's message
}

type post struct {
	Channel string `json:"channel"`
	ID      string `json:"id"`
}

// item is one message to send, edit or delete.
type item struct {
	Key      string    `json:"key"`
	Order    string    `json:"order"`
	Action   string    `json:"action"`
	Queued   time.Time `json:"queued"`
	Attempts int       `json:"attempts,omitempty"`
	Error    string    `json:"error,omitempty"`
	Next     time.Time `json:"next,omitempty"` // not before: a failed item waits
}

// Backlog is the relay as /health and /metrics show it.
type Backlog struct {
	Enabled   bool      `json:"enabled"`
	Backlog   int       `json:"backlog" doc:"Posts, edits and deletes waiting to be sent"`
	Sent      int64     `json:"sent" doc:"Sent since the start"`
	Failing   int       `json:"failing" doc:"Items of the backlog whose last try failed"`
	LastError string    `json:"last_error,omitempty"`
	Oldest    time.Time `json:"oldest,omitempty" doc:"When the oldest waiting item was queued"`
}

// Relay follows orders and keeps their posts.
type Relay struct {
	store    Store
	clients  Clients
	poster   Poster
	settings Settings
	logger   *slog.Logger
	now      func() time.Time
	wake     chan struct{}
	// mu makes each read-change-write of an order's state one step: the follower queues
	// while the sender records what it sent.
	mu     sync.Mutex
	status Backlog
	since  time.Time
}

// New returns a relay; poster may be nil (no Discord), and then nothing is sent.
func New(store Store, clients Clients, poster Poster, s Settings, logger *slog.Logger) *Relay {
	if logger == nil {
		logger = slog.Default()
	}
	return &Relay{store: store, clients: clients, poster: poster, settings: s, logger: logger, now: time.Now,
		wake: make(chan struct{}, 1), status: Backlog{Enabled: poster != nil}}
}

// Health is the relay's state now.
func (r *Relay) Health() Backlog {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// Run follows the hub and sends the outbox until ctx ends. It belongs to the instance
// that leads: two instances sending the same outbox would race on it.
func (r *Relay) Run(ctx context.Context, hub *live.Hub) {
	if r.poster == nil {
		return
	}
	if err := r.start(ctx); err != nil {
		r.logger.Error("the relay could not start", "error", err)
		return
	}
	var work sync.WaitGroup
	work.Go(func() { r.follow(ctx, hub) })
	work.Go(func() { r.deliverLoop(ctx) })
	work.Wait()
}

// catchUpWindow is how far back a catch-up looks: the orders a relay that was not
// running (a restart, another instance that led before) may not have queued.
const catchUpWindow = 48 * time.Hour

// CatchUp follows every recent order again, as Follow would have: what makes a change
// the relay never heard (it was stopped between the order's write and its queueing, or
// another instance led then) posted all the same, once.
func (r *Relay) CatchUp(ctx context.Context) error {
	from := r.now().Add(-catchUpWindow)
	if r.since.After(from) {
		from = r.since.Add(-time.Hour) // an order's date is its checkout's, a little before ROMS heard of it
	}
	var recent []order.Order // read first: a store may hold a read transaction open through Each
	for _, deleted := range []bool{false, true} {
		err := r.store.Each(ctx, order.Filter{From: from, Deleted: deleted, Sort: order.SortDateAsc}, func(o *order.Order) error {
			recent = append(recent, *o)
			return nil
		})
		if err != nil {
			return err
		}
	}
	clients, err := r.clients.Clients(ctx) // once, not once an order
	if err != nil {
		return err
	}
	for i := range recent {
		if err := r.queue(ctx, &recent[i], clients); err != nil {
			return fmt.Errorf("catch up %s: %w", recent[i].OrderNumber, err)
		}
	}
	return nil
}

// start reads (or, the first time, sets) when the relay started.
func (r *Relay) start(ctx context.Context) error {
	pos, err := r.store.Position(ctx, posSince)
	if err != nil {
		return err
	}
	if pos == "" {
		pos = fmt.Sprint(r.now().UnixNano())
		if err := r.store.Advance(ctx, posSince, pos); err != nil {
			return err
		}
	}
	var ns int64
	if _, err := fmt.Sscan(pos, &ns); err != nil {
		return fmt.Errorf("relay start %q: %w", pos, err)
	}
	r.since = time.Unix(0, ns)
	return nil
}

// follow queues what each change of an order asks for, and catches up at the start,
// every few minutes and whenever it fell behind the hub.
func (r *Relay) follow(ctx context.Context, hub *live.Hub) {
	hub.FollowChanges(ctx, catchUpEvery, r.catchUp, r.catchUp, func(ctx context.Context, c live.OrderChange) {
		if err := r.Follow(ctx, c.Order.OrderNumber); err != nil && ctx.Err() == nil {
			r.logger.Warn("relay: could not queue the posts of an order; the next catch-up tries again", "order", c.Order.OrderNumber, "error", err)
		}
	})
}

// catchUpEvery is how often the relay looks at every recent order again.
const catchUpEvery = 5 * time.Minute

func (r *Relay) catchUp(ctx context.Context) {
	if err := r.CatchUp(ctx); err != nil && ctx.Err() == nil {
		r.logger.Warn("relay catch-up", "error", err)
	}
}

// Follow queues the posts, edits and client messages one order's state asks for now and
// has not had: safe to call any number of times.
func (r *Relay) Follow(ctx context.Context, number string) error {
	o, err := r.store.Get(ctx, number)
	if err != nil {
		return err
	}
	clients, err := r.clients.Clients(ctx)
	if err != nil {
		return err
	}
	return r.queue(ctx, &o, clients)
}

// queue is Follow of an order as read, with the clients.
func (r *Relay) queue(ctx context.Context, o *order.Order, clients []aco.Client) error {
	if o.CreatedAt.Before(r.since) || o.Test {
		return nil
	}
	m, err := r.clients.Whose(ctx, o, clients)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.state(ctx, o.OrderNumber)
	if err != nil {
		return err
	}
	if st.Client == "" {
		st.Client = m.Client // who was told of the checkout is who is told of its end
	}
	var wants []string
	failed := o.DeletedAt != nil || slices.Contains(order.Closed, o.Status)
	started := len(st.Queued) > 0
	if !failed || started {
		if !started && o.Status == order.StatusDeclined {
			return nil // a decline is no success to post
		}
		if r.settings.PublicChannel != "" {
			wants = append(wants, actPost)
		}
		if r.mode(clientByID(clients, st.Client)) != aco.NotifyNone {
			wants = append(wants, actTell)
		}
	}
	if failed && started {
		if r.settings.PublicChannel != "" && r.settings.OnCancel != "keep" {
			wants = append(wants, actPostFailed)
		}
		if r.mode(clientByID(clients, st.Client)) != aco.NotifyNone {
			wants = append(wants, actTellFailed)
		}
	}
	queued := false
	for _, a := range wants {
		if slices.Contains(st.Queued, a) || slices.Contains(st.Sent, a) {
			continue
		}
		it := item{Key: order.Key(o.OrderNumber) + "/" + a, Order: o.OrderNumber, Action: a, Queued: r.now()}
		if err := order.PutJSON(ctx, r.store, colOutbox, it.Key, it); err != nil {
			return err
		}
		st.Queued = append(st.Queued, a)
		queued = true
	}
	if !queued {
		return nil
	}
	if err := order.PutJSON(ctx, r.store, colState, order.Key(o.OrderNumber), st); err != nil {
		return err
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return nil
}

// mode is how a client hears of their orders: their own setting, else relay.notify;
// nothing for no client (or one since removed) or one without a Discord user.
func (r *Relay) mode(c *aco.Client) string {
	switch {
	case c == nil || c.DiscordUser == "":
		return aco.NotifyNone
	case c.Notify != "":
		return c.Notify
	}
	return r.settings.Notify
}

func (r *Relay) state(ctx context.Context, number string) (state, error) {
	st, err := order.GetJSON[state](ctx, r.store, colState, order.Key(number))
	if errors.Is(err, order.ErrNotFound) {
		return state{Order: number}, nil
	}
	return st, err
}

// deliverLoop sends the outbox whenever something is queued, and every few seconds.
func (r *Relay) deliverLoop(ctx context.Context) {
	tick := time.NewTicker(deliverInterval)
	defer tick.Stop()
	for {
		r.Deliver(ctx)
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-tick.C:
		}
	}
}

// Deliver sends what the outbox holds, oldest first, one order's items in their order;
// an item that fails holds back the later items of its order until it goes.
func (r *Relay) Deliver(ctx context.Context) {
	items, err := r.outbox(ctx)
	if err != nil {
		r.logger.Warn("relay: read the outbox", "error", err)
		return
	}
	clients, err := r.clients.Clients(ctx) // once a round, not once an item
	if err != nil {
		r.logger.Warn("relay: read the clients", "error", err)
		return
	}
	blocked := map[string]bool{}
	var left []item // what is still waiting once the round is done
	for _, it := range items {
		if ctx.Err() != nil {
			return
		}
		key := order.Key(it.Order)
		if blocked[key] || r.now().Before(it.Next) {
			blocked[key] = true
			left = append(left, it)
			continue
		}
		if err := r.deliver(ctx, it, clients); err != nil {
			blocked[key] = true
			if ctx.Err() == nil {
				it = r.failed(ctx, it, err)
			}
			left = append(left, it)
		}
	}
	r.count(left)
}

// outbox is every waiting item, oldest first, each order's in its actions' order.
func (r *Relay) outbox(ctx context.Context) ([]item, error) {
	items, err := order.AllJSON[item](ctx, r.store, colOutbox)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(items, func(i, j int) bool {
		if !items[i].Queued.Equal(items[j].Queued) {
			return items[i].Queued.Before(items[j].Queued)
		}
		return items[i].Action < items[j].Action
	})
	return items, nil
}

// count sets the backlog figures from what a round left waiting (an item queued during
// the round is counted by the next, which it wakes).
func (r *Relay) count(items []item) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status.Backlog, r.status.Failing, r.status.Oldest = len(items), 0, time.Time{}
	for _, it := range items {
		if it.Error != "" {
			r.status.Failing++
		}
		if r.status.Oldest.IsZero() || it.Queued.Before(r.status.Oldest) {
			r.status.Oldest = it.Queued
		}
	}
}

// failed records a failed try, and returns the item as recorded: it waits longer each
// time, up to ten minutes.
func (r *Relay) failed(ctx context.Context, it item, err error) item {
	it.Attempts++
	it.Error = err.Error()
	it.Next = r.now().Add(min(time.Duration(1<<min(it.Attempts, 10))*time.Second, 10*time.Minute))
	if it.Attempts >= attemptsLogged {
		r.logger.Warn("relay: a post keeps failing; it is tried again", "order", it.Order, "action", it.Action, "attempts", it.Attempts, "error", err)
	}
	r.mu.Lock()
	r.status.LastError = fmt.Sprintf("%s of %s: %v", it.Action[2:], it.Order, err)
	r.mu.Unlock()
	if err := order.PutJSON(ctx, r.store, colOutbox, it.Key, it); err != nil {
		r.logger.Warn("relay: record a failed post", "error", err)
	}
	return it
}

// nonce is an item's nonce: the same for every try of it, and no other item's.
func nonce(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])[:maxNonce]
}
