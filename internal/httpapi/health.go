package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/roms-dev/roms/internal/gateway"
	"github.com/roms-dev/roms/internal/mailbox"
	"github.com/roms-dev/roms/internal/relay"

	"github.com/roms-dev/roms/internal/order"
)

// DatabaseHealth describes the database.
type DatabaseHealth struct {
	State string `json:"state" enum:"ok,error"`
	Path  string `json:"path"`
	order.Counts
	Error string `json:"error,omitempty"`
}

// Health is the answer of /health.
type Health struct {
	Status          string                  `json:"status" enum:"ok,error"`
	Version         string                  `json:"version"`
	StartedAt       time.Time               `json:"started_at"`
	UptimeSeconds   int64                   `json:"uptime_seconds"`
	Database        DatabaseHealth          `json:"database"`
	Discord         gateway.Status          `json:"discord"`
	LiveSubscribers int                     `json:"live_subscribers"`
	ParseHealth     ParseHealthSummary      `json:"parse_health"`
	LiveRelay       string                  `json:"live_relay,omitempty" enum:"listening,not listening" doc:"With PostgreSQL: whether the other instances' changes reach this one's live clients"`
	TimeZone        string                  `json:"time_zone,omitempty" doc:"The timezone setting's zone (IANA name) that days and totals are counted in; empty: the machine's own"`
	Mail            []mailbox.AccountStatus `json:"mail" doc:"Each mailbox of mail.accounts: whether it is read, when it last was, what to fix"`
	Relay           *relay.Backlog          `json:"relay,omitempty" doc:"The success relay: posts waiting, sent, failing"`
}

// ParseHealthSummary says whether every source's posts are still read; the detail is at
// /api/v2/parse-health.
type ParseHealthSummary struct {
	Sources  int      `json:"sources" doc:"Sources seen since the bot started"`
	Alerting []string `json:"alerting" doc:"Sources whose posts stopped being read as orders: a bot changed its posts"`
}

type healthOutput struct {
	Status int
	Body   Health
}

func (hs *healthRoutes) health(ctx context.Context, _ *struct{}) (*healthOutput, error) {
	h := Health{
		Status: "ok", Version: hs.version, StartedAt: hs.started.UTC(),
		UptimeSeconds:   int64(time.Since(hs.started).Seconds()),
		Database:        DatabaseHealth{State: "ok", Path: hs.database.Path},
		Discord:         gateway.Disabled(),
		LiveSubscribers: hs.hub.Subscribers(),
		ParseHealth:     ParseHealthSummary{Alerting: []string{}},
		Mail:            []mailbox.AccountStatus{},
	}
	if hs.zone != nil && hs.zone.String() != "Local" {
		h.TimeZone = hs.zone.String()
	}
	if hs.mail != nil {
		h.Mail = hs.mail()
	}
	if hs.relay != nil {
		r := hs.relay()
		h.Relay = &r
	}
	if hs.relayListening != nil {
		h.LiveRelay = map[bool]string{true: "listening", false: "not listening"}[hs.relayListening()]
	}
	for _, src := range hs.parseHealth() {
		h.ParseHealth.Sources++
		if src.Alerting {
			h.ParseHealth.Alerting = append(h.ParseHealth.Alerting, src.Key)
		}
	}
	if hs.gateway != nil {
		h.Discord = hs.gateway(ctx)
	}
	counts, err := hs.database.Counts(ctx)
	if err == nil && hs.database.Problem != nil {
		err = hs.database.Problem()
		h.Database.Counts = counts
	}
	if err != nil {
		h.Status, h.Database.State, h.Database.Error = "error", "error", err.Error()
		return &healthOutput{Status: http.StatusServiceUnavailable, Body: h}, nil
	}
	h.Database.Counts = counts
	return &healthOutput{Status: http.StatusOK, Body: h}, nil
}
