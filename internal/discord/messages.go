package discord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/roms-dev/roms/internal/gateway"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/embedtext"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// Reactions the bot adds to what it read.
const (
	emojiStored     = "✅"
	emojiUnreadable = "⚠️"
)

// addHandlers wires the events of one gateway session. Events of a session that is no
// longer the current one still deliver messages (they are stored once whatever their
// way in), but its disconnect is not this connection's.
func (l *Listener) addHandlers(gw *gatewaySession) {
	s := gw.session
	// READY is read raw: discordgo v0.28.1 has no field for resume_gateway_url.
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) {
		if e.Type == "READY" {
			l.guard("ready", func() { l.ready(gw, e.RawData) })
		}
	})
	s.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) {
		if l.cfg.Interactions != nil {
			l.guard("interaction", func() { l.interact(i.Interaction) })
		}
	})
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) {
		l.guard("resumed", func() { l.connected("resumed") })
	})
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
		l.mu.Lock()
		current := l.gw == gw
		l.mu.Unlock()
		if !current {
			return
		}
		select {
		case l.disconnected <- struct{}{}:
		default:
		}
	})
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) {
		l.guard("message create", func() { l.live(m.Message) })
	})
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageUpdate) {
		l.guard("message update", func() { l.live(m.Message) })
	})
}

// ready follows a new session. Discord accepted an IDENTIFY that asked for the message
// content intent, so the intent is on: a blank message from now on is really blank.
func (l *Listener) ready(gw *gatewaySession, raw json.RawMessage) {
	var r struct {
		SessionID   string `json:"session_id"`
		ResumeURL   string `json:"resume_gateway_url"`
		User        struct{ ID string }
		Application *struct{ ID string }
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		l.logger.Warn("read discord READY", "error", err)
	}
	gw.ready(r.SessionID, r.ResumeURL)
	l.setContent(contentOK)
	l.mu.Lock()
	l.botID = r.User.ID
	first := !l.registered
	l.registered = true
	l.mu.Unlock()
	l.connected("ready")
	if first && l.cfg.Interactions != nil && r.Application != nil {
		l.register(l.ctx, r.Application.ID)
	}
}

// guard runs a handler of discordgo's: in its own goroutine, where nothing would recover
// a panic, and counted so shutdown can wait for it.
func (l *Listener) guard(name string, fn func()) {
	l.inflight.Add(1)
	defer l.inflight.Done()
	defer func() {
		if r := recover(); r != nil {
			l.logger.Error("panic in discord handler", "handler", name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	fn()
}

// connected follows READY and RESUMED: events sent while the bot was away are only in
// channel history, so read it.
func (l *Listener) connected(how string) {
	l.setState(gateway.StateConnected, "")
	l.logger.Info("discord connected", "how", how, "channels", len(l.cfg.Channels))
	l.requestSync()
}

// live handles a message as the gateway delivers it.
func (l *Listener) live(m *discordgo.Message) {
	if m == nil || !l.channels[m.ChannelID] {
		return
	}
	l.mu.Lock()
	l.lastEvent = time.Now()
	l.mu.Unlock()
	if m.Author == nil {
		// An update can carry only what changed; the stored message has the rest.
		full, err := l.rest.ChannelMessage(m.ChannelID, m.ID, discordgo.WithContext(l.ctx))
		if err != nil {
			l.logger.Warn("fetch updated discord message", "message_id", m.ID, "error", err)
			return
		}
		m = full
	}
	if l.unreadable(m) {
		l.setContent(contentMissing) // history reads it once the intent is on: no cursor passed it
		return
	}
	if _, err := l.handle(l.ctx, m, order.SourceDiscord); err != nil {
		l.logger.Error("store discord message; catch-up will retry it", "message_id", m.ID, "error", err)
	}
}

// handle sends every checkout of a message to the orders service. Each embed is marked by
// message id and position, so a message delivered again (live, on resume, from history)
// changes nothing, and an edit updates the order. An error means a checkout could not be
// stored.
func (l *Listener) handle(ctx context.Context, m *discordgo.Message, source string) ([]orders.Ingested, error) {
	if !l.wanted(m) {
		return nil, nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode message %s: %w", m.ID, err)
	}
	version := m.Timestamp
	if m.EditedTimestamp != nil {
		version = *m.EditedTimestamp
	}
	var results []orders.Ingested
	for i, c := range embedtext.Checkouts(m.Content, m.Embeds) {
		res, err := l.orders.Ingest(ctx, orders.Input{
			Origin:      order.Origin{Source: source, GuildID: m.GuildID, ChannelID: m.ChannelID, MessageID: m.ID, Poster: poster(m)},
			Text:        c.Text,
			Embed:       c.Embed,
			Raw:         string(raw),
			ContentType: "application/json (discord message)",
			OccurredAt:  m.Timestamp,
			Mark:        &order.Mark{Key: fmt.Sprintf("discord:%s:%d", m.ID, i), Hash: hash(c.Text), Version: version.UnixNano()},
		})
		if err != nil {
			return results, err
		}
		results = append(results, res)
		if source != order.SourceBackfill { // old history gets no reactions
			l.react(m, res)
		}
	}
	return results, nil
}

// poster is the name a message was posted under: a webhook's name or a bot's.
func poster(m *discordgo.Message) string {
	if m.Author == nil {
		return ""
	}
	return m.Author.Username
}

// wanted says whether a message is one to read: not the bot's own, and from an allowed
// author when the allow-list is set. Webhook and bot messages are exactly what we want,
// unlike most bots. (Which channels to read is the caller's choice.)
func (l *Listener) wanted(m *discordgo.Message) bool {
	l.mu.Lock()
	self := l.botID
	l.mu.Unlock()
	if m.Author != nil && m.Author.ID == self {
		return false
	}
	if len(l.authors) == 0 {
		return true
	}
	return (m.WebhookID != "" && l.authors[m.WebhookID]) || (m.Author != nil && l.authors[m.Author.ID])
}

func hash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:16])
}

type reaction struct {
	channelID, messageID, emoji string
}

// react queues the bot's verdict on a message: stored, or unreadable. Plain chat without
// an order number gets nothing; an embed without one (a bot's failed checkout post) gets
// the warning. Repeats get nothing, they were answered the first time.
func (l *Listener) react(m *discordgo.Message, res orders.Ingested) {
	if !l.cfg.Reactions {
		return
	}
	emoji := ""
	switch res.Outcome {
	case order.OutcomeCreated, order.OutcomeUpdated, order.OutcomeUnchanged:
		emoji = emojiStored
	case order.OutcomeIgnored:
		if len(m.Embeds) > 0 {
			emoji = emojiUnreadable
		}
	}
	if emoji == "" {
		return
	}
	select {
	case l.reactions <- reaction{m.ChannelID, m.ID, emoji}:
	default:
		l.logger.Warn("reaction queue full; skipping a reaction", "message_id", m.ID)
	}
}

// reactLoop adds reactions one by one, so their rate limits never slow down storing.
func (l *Listener) reactLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-l.reactions:
			err := l.rest.MessageReactionAdd(r.channelID, r.messageID, r.emoji, discordgo.WithContext(ctx))
			if err != nil && ctx.Err() == nil {
				l.logger.Warn("add reaction (does the bot have the Add Reactions permission?)", "message_id", r.messageID, "error", err)
			}
		}
	}
}

// alertLoop posts the parse-health alerts of cfg.Alerts to the alerts channel
// (discord.alerts_channel) one by one, after the channel's rate limit if need be.
func (l *Listener) alertLoop(ctx context.Context) {
	if l.cfg.AlertsChannel == "" || l.cfg.Alerts == nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-l.cfg.Alerts:
			text := "⚠️ " + a.Text
			if a.Recovered {
				text = "✅ " + a.Text
			}
			_, err := l.rest.ChannelMessageSendComplex(l.cfg.AlertsChannel, &discordgo.MessageSend{
				Content: text, AllowedMentions: &discordgo.MessageAllowedMentions{},
			}, discordgo.WithContext(ctx))
			if err != nil && ctx.Err() == nil {
				l.logger.Warn("post an alert (can the bot send messages in discord.alerts_channel?)", "channel", l.cfg.AlertsChannel, "error", err)
			}
		}
	}
}
