// Package gateway holds the state of a live source's connection (the Discord gateway) as
// /health, /metrics and the dashboard show it: the discord package reports it, the others
// only read it.
package gateway

import "time"

// Gateway states, as /health reports them.
const (
	StateDisabled     = "disabled"
	StateConnecting   = "connecting"
	StateConnected    = "connected"
	StateReconnecting = "reconnecting"
	StateRefused      = "refused"
	// StateStandby is an instance waiting while another one, on the same PostgreSQL
	// database, holds the gateway.
	StateStandby = "standby"
)

// Status is what /health says about a live source's connection (Discord).
type Status struct {
	State       string          `json:"state" enum:"disabled,connecting,connected,reconnecting,refused,standby" doc:"Gateway connection state"`
	Message     string          `json:"message,omitempty" doc:"What the state means or what to do about it, in plain words"`
	LastEventAt *time.Time      `json:"last_event_at,omitempty" doc:"When the last message event arrived from a watched channel"`
	Reconnects  int             `json:"reconnects" doc:"Times the connection was lost and made again since start"`
	Channels    []ChannelStatus `json:"channels,omitempty"`
	// MessageContent is what the bot knows of Discord's message content intent, without
	// which other apps' messages arrive blank.
	MessageContent string `json:"message_content,omitempty" enum:"ok,missing,unknown" doc:"Whether Discord lets the bot read other apps' messages (the Message Content Intent): ok once a session proved it, missing when messages arrive blank (nothing is skipped: they are read once it is on)"`
	Identifies     int    `json:"identifies_24h" doc:"New gateway sessions (IDENTIFY) this process started in the last 24 hours; Discord allows 1,000 a day and resets the token past that"`
	SessionsLeft   *int   `json:"sessions_left,omitempty" doc:"New sessions Discord still allows until its daily reset, as it last said"`
	// Holder is the instance that holds the gateway, when several share a PostgreSQL
	// database.
	Holder string `json:"holder,omitempty" doc:"The instance holding the gateway, when several instances share a PostgreSQL database"`
}

// ChannelStatus is how far history has been read in one watched channel.
type ChannelStatus struct {
	ID         string     `json:"id"`
	Cursor     string     `json:"cursor" doc:"Id of the last message read; empty before the first catch-up"`
	CursorTime *time.Time `json:"cursor_time,omitempty" doc:"When that message was posted"`
}

// Disabled is the status of a bot without a Discord token.
func Disabled() Status {
	return Status{State: StateDisabled, Message: "no discord.token set: running as an HTTP webhook only"}
}
