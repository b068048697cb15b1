package discord

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// pageSize is the most messages Discord returns per history request.
const pageSize = 100

// discordEpoch is where Discord ids start counting milliseconds.
const discordEpoch = 1420070400000

// historyAttempts bounds retries of a failing history request (429s are waited out by
// discordgo itself and do not count).
const historyAttempts = 4

func cursorName(channelID string) string { return "discord:channel:" + channelID }

// requestSync asks the sync loop to read history now; requests while it runs coalesce.
func (l *Listener) requestSync() {
	select {
	case l.syncNow <- struct{}{}:
	default:
	}
}

// syncLoop reads each channel's history after its cursor on every (re)connect and every
// syncEvery, one channel at a time, so cursors only ever pass stored messages.
func (l *Listener) syncLoop(ctx context.Context) {
	tick := time.NewTicker(l.cfg.SyncEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.syncNow:
		case <-tick.C:
		}
		for _, ch := range l.cfg.Channels {
			if err := l.catchUp(ctx, ch); err != nil && ctx.Err() == nil {
				l.logger.Error("discord catch-up failed; trying again later", "channel_id", ch, "error", err)
			}
		}
	}
}

// catchUp ingests what was posted in a channel after its cursor, oldest first, and moves
// the cursor past each stored page. A channel without a cursor starts at the configured
// initial backfill.
func (l *Listener) catchUp(ctx context.Context, channelID string) error {
	name := cursorName(channelID)
	pos, err := l.orders.Position(ctx, name)
	if err != nil {
		return err
	}
	if pos == "" {
		pos = idAt(l.cfg.InitialSince)
		if err := l.orders.Advance(ctx, name, pos); err != nil {
			return err
		}
	}
	return l.readHistory(ctx, channelID, pos, order.SourceDiscord, func(page []*discordgo.Message, _ [][]orders.Ingested) error {
		return l.orders.Advance(ctx, name, page[len(page)-1].ID)
	})
}

// Backfill imports a channel's history since a time, on demand, whether or not the
// channel is watched. It needs no gateway connection.
func (l *Listener) Backfill(ctx context.Context, channelID string, since time.Time, progress func(orders.Progress)) (orders.Summary, error) {
	var p orders.Progress
	err := l.readHistory(ctx, channelID, idAt(since), order.SourceBackfill, func(page []*discordgo.Message, results [][]orders.Ingested) error {
		p.Messages += len(page)
		for _, rs := range results {
			for _, r := range rs {
				p.Count(r.Outcome)
			}
		}
		p.Through = page[len(page)-1].Timestamp
		if progress != nil {
			progress(p)
		}
		return nil
	})
	return p.Summary, err
}

// readHistory ingests the messages after an id, oldest first, page by page, and calls
// stored with each page and its results once the page is stored. It stops at the first
// message that could not be stored, so no cursor passes it.
func (l *Listener) readHistory(ctx context.Context, channelID, after, source string,
	stored func([]*discordgo.Message, [][]orders.Ingested) error) error {
	for {
		page, err := l.historyPage(ctx, channelID, after)
		if err != nil {
			return err
		}
		results := make([][]orders.Ingested, 0, len(page))
		for i, m := range page {
			if l.unreadable(m) {
				// Blank is "cannot read", never "nothing there": no cursor passes it.
				l.setContent(contentMissing)
				if i > 0 {
					if err := stored(page[:i], results); err != nil {
						return err
					}
				}
				return errContentMissing
			}
			if l.readable(m) {
				l.setContent(contentUnknown)
			}
			rs, err := l.handle(ctx, m, source)
			if err != nil {
				return fmt.Errorf("message %s: %w", m.ID, err)
			}
			results = append(results, rs)
			after = m.ID
		}
		if len(page) > 0 {
			if err := stored(page, results); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
	}
}

// historyPage fetches up to pageSize messages after an id, oldest first, retrying
// failures with backoff.
func (l *Listener) historyPage(ctx context.Context, channelID, after string) ([]*discordgo.Message, error) {
	wait := retryMin
	for attempt := 1; ; attempt++ {
		page, err := l.rest.ChannelMessages(channelID, pageSize, "", after, "", discordgo.WithContext(ctx))
		if err == nil {
			slices.SortFunc(page, func(a, b *discordgo.Message) int { return compareIDs(a.ID, b.ID) })
			return page, nil
		}
		if attempt == historyAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("read history of channel %s: %w", channelID, err)
		}
		l.logger.Warn("discord history request failed; retrying", "channel_id", channelID, "error", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return nil, ctx.Err()
		}
		wait *= 2
	}
}

// idAt is the position just before every message posted at or after t ("after" in a
// history request is exclusive): "0" for the zero time.
func idAt(t time.Time) string {
	ms := t.UnixMilli() - discordEpoch
	if t.IsZero() || ms <= 0 {
		return "0"
	}
	return strconv.FormatUint(uint64(ms)<<22-1, 10)
}

func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// What the listener knows of the message content intent, as /health says it.
const (
	contentOK      = "ok"
	contentMissing = "missing"
	contentUnknown = "unknown"
)

// errContentMissing stops a history read at a blank message, before any cursor passes it.
var errContentMissing = errors.New("discord sends other apps' messages blank: turn on MESSAGE CONTENT INTENT in " +
	"https://discord.com/developers/applications (your application > Bot > Privileged Gateway Intents); " +
	"nothing was skipped, the messages are read once it is on")

const contentHelp = "Discord sends the bot other apps' messages blank: the Message Content Intent is off. " +
	"Open https://discord.com/developers/applications, choose your application, go to Bot, turn on " +
	"MESSAGE CONTENT INTENT under Privileged Gateway Intents and save. Nothing is skipped meanwhile: " +
	"ROMS reads every message since its place in each channel as soon as the intent is on."

// unreadable says whether a message is one the bot was not allowed to read: a user's or
// app's message with content, embeds, attachments, components and stickers all empty.
// Discord sends those blank to an app without the message content intent, over REST as
// well as the gateway (https://discord.com/developers/docs/events/gateway#message-content-intent);
// no message is sent blank otherwise, except in ways a READY with the intent rules out.
func (l *Listener) unreadable(m *discordgo.Message) bool {
	l.mu.Lock()
	known := l.content == contentOK
	self := l.botID
	l.mu.Unlock()
	return !known && blank(m) && m.Author != nil && m.Author.ID != self
}

// readable says whether a message was read in full from another author: either the
// intent is back on or the message was addressed to the bot (readable without it), so it
// clears "missing" without proving the intent on. Only a READY proves that.
func (l *Listener) readable(m *discordgo.Message) bool {
	l.mu.Lock()
	self := l.botID
	l.mu.Unlock()
	return !blank(m) && m.Author != nil && m.Author.ID != self &&
		(m.Type == discordgo.MessageTypeDefault || m.Type == discordgo.MessageTypeReply)
}

func blank(m *discordgo.Message) bool {
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return false // system messages (joins, pins, boosts) have no content of their own
	}
	return m.Content == "" && len(m.Embeds) == 0 && len(m.Attachments) == 0 && len(m.Components) == 0 && len(m.StickerItems) == 0
}

// setContent records what a READY or a message showed of the intent. "unknown" only
// replaces "missing": a message read in full does not prove the intent on, but does not
// undo a READY's proof either. Leaving "missing" wakes the connection loop, which may be
// waiting out a refusal.
func (l *Listener) setContent(state string) {
	l.mu.Lock()
	was := l.content
	if state == contentUnknown && was != contentMissing {
		state = was
	}
	l.content = state
	l.mu.Unlock()
	if was == contentMissing && state != contentMissing {
		l.logger.Info("discord messages are readable again; reading what was missed")
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
	if was != contentMissing && state == contentMissing {
		l.logger.Error("discord sends blank messages: the message content intent is off", "help", contentHelp)
	}
}
