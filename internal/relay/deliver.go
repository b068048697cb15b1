package relay

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/roms-dev/roms/internal/aco"
	"github.com/roms-dev/roms/internal/order"
)

// Colours of the posts' cards.
const (
	colorSuccess = 0x2e9e5b
	colorFailed  = 0xc0392b
)

// deliver sends one item, records what it made and takes it out of the outbox. A crash
// after the send and before the record sends it again: Discord answers a new message's
// repeat with the first (the nonce), and an edit or a delete twice is the same as once.
func (r *Relay) deliver(ctx context.Context, it item, clients []aco.Client) error {
	o, err := r.store.Get(ctx, it.Order)
	if err != nil && !errors.Is(err, order.ErrNotFound) {
		return err
	}
	r.mu.Lock()
	st, err := r.state(ctx, it.Order)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	made, err := r.send(ctx, it, &o, st, clientByID(clients, st.Client))
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if st, err = r.state(ctx, it.Order); err != nil {
		return err
	}
	switch it.Action {
	case actPost:
		st.Public = made
	case actTell:
		st.Told = made
	}
	if !slices.Contains(st.Sent, it.Action) {
		st.Sent = append(st.Sent, it.Action)
	}
	if err := order.PutJSON(ctx, r.store, colState, order.Key(it.Order), st); err != nil {
		return err
	}
	r.status.Sent++
	return r.store.DeleteDocument(ctx, colOutbox, it.Key)
}

// clientByID is a client by id, nil for none (or one since removed).
func clientByID(clients []aco.Client, id string) *aco.Client {
	if i := slices.IndexFunc(clients, func(c aco.Client) bool { return c.ID == id }); id != "" && i >= 0 {
		return &clients[i]
	}
	return nil
}

// send does an item's work on Discord, and returns the message a new one made.
func (r *Relay) send(ctx context.Context, it item, o *order.Order, st state, c *aco.Client) (*post, error) {
	switch it.Action {
	case actPost:
		id, err := r.poster.Send(ctx, r.settings.PublicChannel, r.publicPost(o), nonce(it.Key))
		return &post{Channel: r.settings.PublicChannel, ID: id}, err
	case actPostFailed:
		if st.Public == nil {
			return nil, nil // never posted: nothing to take back
		}
		var err error
		if r.settings.OnCancel == onCancelDelete {
			err = r.poster.Delete(ctx, st.Public.Channel, st.Public.ID)
		} else {
			err = r.poster.Edit(ctx, st.Public.Channel, st.Public.ID, r.failedPost(o))
		}
		if errors.Is(err, ErrGone) {
			err = nil // someone deleted it by hand
		}
		return nil, err
	case actTell, actTellFailed:
		if c == nil || c.DiscordUser == "" {
			return nil, nil // the client was removed, or has no Discord user
		}
		channel, err := r.clientChannel(ctx, c)
		if err != nil {
			return nil, err
		}
		m := r.clientPost(o, c, it.Action == actTellFailed)
		id, err := r.poster.Send(ctx, channel, m, nonce(it.Key))
		return &post{Channel: channel, ID: id}, err
	}
	return nil, fmt.Errorf("unknown relay action %q", it.Action)
}

// clientChannel is where a client hears of their orders: their own channel for a ping,
// or a direct message. A ping with their details never goes to the public channel.
func (r *Relay) clientChannel(ctx context.Context, c *aco.Client) (string, error) {
	if r.mode(c) == aco.NotifyPing && c.Channel != "" {
		return c.Channel, nil
	}
	return r.poster.DM(ctx, c.DiscordUser)
}

// publicPost is a checkout as everyone sees it: product, store, image, size and the
// bot, and of the private fields only those relay.show names.
func (r *Relay) publicPost(o *order.Order) Message {
	e := &Embed{Title: "Successful Checkout | " + orNone(o.Store), Color: colorSuccess, Thumbnail: o.ImageURL}
	e.Fields = append(e.Fields, [2]string{"Product", orNone(o.Product)})
	if size := extra(o, "size"); size != "" {
		e.Fields = append(e.Fields, [2]string{"Size", size})
	}
	shown := func(f string) bool { return slices.Contains(r.settings.Show, f) }
	for _, f := range []struct {
		key, name, value string
	}{
		{"price", "Price", money(o.Price, o.Currency)}, {"order_number", "Order Number", o.OrderNumber},
		{"email", "Email", o.Email}, {"profile", "Profile", o.Profile}, {"address", "Shipping Address", o.ShippingAddress},
		{"proxy", "Proxy", o.ProxyList},
	} {
		if shown(f.key) && f.value != "" {
			e.Fields = append(e.Fields, [2]string{f.name, f.value})
		}
	}
	if bot := o.Origin.Poster; bot != "" {
		e.Fields = append(e.Fields, [2]string{"Bot", bot})
	}
	return Message{Embed: e}
}

// failedPost is the public post once its order failed.
func (r *Relay) failedPost(o *order.Order) Message {
	m := r.publicPost(o)
	m.Embed.Title = strings.Replace(m.Embed.Title, "Successful Checkout", titleCase(outcome(o)), 1)
	m.Embed.Color = colorFailed
	m.Embed.Description = "This checkout did not go through: the order was " + outcome(o) + "."
	return m
}

// clientPost is the client's own message: their details, or that the order failed.
func (r *Relay) clientPost(o *order.Order, c *aco.Client, failed bool) Message {
	mention := "<@" + c.DiscordUser + ">"
	e := &Embed{Title: "Your checkout | " + orNone(o.Store), Color: colorSuccess, Thumbnail: o.ImageURL}
	content := mention + " a checkout on your profile went through."
	if failed {
		e.Title, e.Color = "Order "+outcome(o)+" | "+orNone(o.Store), colorFailed
		content = mention + " an order of yours was " + outcome(o) + "; its fee does not count."
	}
	e.Fields = [][2]string{{"Product", orNone(o.Product)}, {"Price", orNone(money(o.Price, o.Currency))}, {"Store", orNone(o.Store)},
		{"Order Number", o.OrderNumber}, {"Profile", orNone(o.Profile)}}
	return Message{Content: content, Embed: e, Mentions: []string{c.DiscordUser}}
}

// outcome is what became of a failed order, in a word.
func outcome(o *order.Order) string {
	if o.DeletedAt != nil || o.Status == "" {
		return "removed"
	}
	return o.Status
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func extra(o *order.Order, name string) string {
	for k, v := range o.Extra {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func money(m *order.Money, currency string) string {
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m.String() + " " + currency)
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
