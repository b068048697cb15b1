package discord

import (
	"context"
	"strconv"
	"time"
)

// GatewayStatus is what /health says about the Discord connection.
type GatewayStatus struct {
	State       string          `json:"state" enum:"disabled,connecting,connected,reconnecting,refused" doc:"Gateway connection state"`
	Message     string          `json:"message,omitempty" doc:"What the state means or what to do about it, in plain words"`
	LastEventAt *time.Time      `json:"last_event_at,omitempty" doc:"When the last message event arrived from a watched channel"`
	Channels    []ChannelStatus `json:"channels,omitempty"`
}

// ChannelStatus is how far history has been read in one watched channel.
type ChannelStatus struct {
	ID         string     `json:"id"`
	Cursor     string     `json:"cursor" doc:"Id of the last message read; empty before the first catch-up"`
	CursorTime *time.Time `json:"cursor_time,omitempty" doc:"When that message was posted"`
}

// Disabled is the status of a bot without a Discord token.
func Disabled() GatewayStatus {
	return GatewayStatus{State: StateDisabled, Message: "no discord.token set: running as an HTTP webhook only"}
}

// Status reports the connection and each channel's cursor.
func (l *Listener) Status(ctx context.Context) GatewayStatus {
	l.mu.Lock()
	st := GatewayStatus{State: l.state, Message: l.detail}
	if !l.lastEvent.IsZero() {
		t := l.lastEvent.UTC()
		st.LastEventAt = &t
	}
	l.mu.Unlock()
	for _, ch := range l.cfg.Channels {
		cs := ChannelStatus{ID: ch}
		cs.Cursor, _ = l.positions.Position(ctx, cursorName(ch))
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
