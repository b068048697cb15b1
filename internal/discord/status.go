package discord

import (
	"context"
	"strconv"
	"time"

	"github.com/roms-dev/roms/internal/gateway"
)

// Status reports the connection and each channel's cursor.
func (l *Listener) Status(ctx context.Context) gateway.Status {
	l.mu.Lock()
	st := gateway.Status{State: l.state, Message: l.detail, Reconnects: l.reconnects,
		MessageContent: l.content, Identifies: len(recent(l.identifies, time.Now()))}
	if l.content == contentMissing && l.state != gateway.StateRefused {
		st.State, st.Message = gateway.StateRefused, contentHelp
	}
	if l.limit.Total > 0 {
		left := l.limit.Remaining
		st.SessionsLeft = &left
	}
	if !l.lastEvent.IsZero() {
		t := l.lastEvent.UTC()
		st.LastEventAt = &t
	}
	l.mu.Unlock()
	for _, ch := range l.cfg.Channels {
		cs := gateway.ChannelStatus{ID: ch}
		cs.Cursor, _ = l.orders.Position(ctx, cursorName(ch))
		if t := idTime(cs.Cursor); !t.IsZero() {
			cs.CursorTime = &t
		}
		st.Channels = append(st.Channels, cs)
	}
	return st
}

// idTime is when the message with a Discord id was posted.
func idTime(id string) time.Time {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(n>>22) + discordEpoch).UTC()
}
