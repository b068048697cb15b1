// Package metrics is what ROMS reports to Prometheus: inputs by source and outcome and how
// long they took, and, read from the running parts at each scrape, the database, the
// webhook log, the Discord gateway, live subscribers and the Go runtime.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/roms-dev/roms/internal/gateway"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/parsehealth"
)

// Sources are the parts the gauges read at each scrape. Gateway may be nil (no Discord).
type Sources struct {
	Counts      func(context.Context) (order.Counts, error)
	Problem     func() error
	Gateway     func(context.Context) gateway.Status
	Subscribers func() int
	ParseHealth func() []parsehealth.Source
	// RelayBacklog is how many posts, edits and deletes the success relay has waiting.
	RelayBacklog func() int
}

// Metrics holds the counters the service feeds.
type Metrics struct {
	inputs *prometheus.CounterVec
	ingest *prometheus.HistogramVec
}

// New makes the counters.
func New() *Metrics {
	return &Metrics{
		inputs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "roms_inputs_total",
			Help: "Checkout messages received, by source (http, discord, backfill, import) and outcome (created, updated, unchanged, ignored, duplicate, rejected)."},
			[]string{"source", "outcome"}),
		ingest: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "roms_ingest_duration_seconds",
			Help:    "Time from an input's arrival to its order on disk, by source.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"source"}),
	}
}

// Input counts one input; the orders service calls it for each.
func (m *Metrics) Input(source, outcome string, took time.Duration) {
	m.inputs.WithLabelValues(source, outcome).Inc()
	m.ingest.WithLabelValues(source).Observe(took.Seconds())
}

// Handler serves the metrics in Prometheus's text format: the counters, the Go runtime's
// and the process's, and the gauges that src gives at each scrape.
func (m *Metrics) Handler(src Sources) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(m.inputs, m.ingest, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&partsCollector{src: src})
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

var (
	descOrders     = prometheus.NewDesc("roms_orders", "Orders stored, deleted ones included.", nil, nil)
	descLogEntries = prometheus.NewDesc("roms_webhook_log_entries", "Inputs kept in the webhook log.", nil, nil)
	descLogBytes   = prometheus.NewDesc("roms_webhook_log_bytes", "What the webhook log's entries take.", nil, nil)
	descDBBytes    = prometheus.NewDesc("roms_database_bytes", "Size of the database.", nil, nil)
	descDBOK       = prometheus.NewDesc("roms_database_ok", "1 while the database reads and writes well; 0 on damage or failing writes (a full disk).", nil, nil)
	descGateway    = prometheus.NewDesc("roms_discord_state", "1 for the Discord gateway's current state.", []string{"state"}, nil)
	descReconnects = prometheus.NewDesc("roms_discord_reconnects_total", "Times the Discord gateway connection was lost and made again.", nil, nil)
	descLastEvent  = prometheus.NewDesc("roms_discord_last_event_timestamp_seconds", "When the last message event arrived from a watched channel.", nil, nil)
	descCursor     = prometheus.NewDesc("roms_discord_channel_cursor_timestamp_seconds", "How far history has been read in each watched channel: the time of the last message read.", []string{"channel"}, nil)
	descContent    = prometheus.NewDesc("roms_discord_message_content", "1 for what the bot knows of the Message Content Intent (ok, missing: messages arrive blank and wait, unknown).", []string{"state"}, nil)
	descIdentifies = prometheus.NewDesc("roms_discord_identifies_24h", "New gateway sessions (IDENTIFY) in the last 24 hours; Discord allows 1,000 a day.", nil, nil)
	descSessions   = prometheus.NewDesc("roms_discord_sessions_left", "New gateway sessions Discord still allows until its daily reset, as it last said.", nil, nil)
	descLive       = prometheus.NewDesc("roms_live_subscribers", "Clients following live updates (the live stream and /ws).", nil, nil)
	descRelay      = prometheus.NewDesc("roms_relay_backlog", "Success relay posts, edits and deletes waiting to be sent.", nil, nil)
	descParsed     = prometheus.NewDesc("roms_parse_posts_total", "Posts of each source since start, by what became of them: read (every label known), guessed (some fields inferred), noise (not an order), unread (meant to be an order, not read).", []string{"source", "result"}, nil)
	descAlerting   = prometheus.NewDesc("roms_parse_source_alerting", "1 while a source that used to be read is not read any more (a bot changed its posts).", []string{"source"}, nil)
)

// partsCollector reads the running parts at each scrape, so nothing has to push values.
type partsCollector struct{ src Sources }

func (c *partsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOrders, descLogEntries, descLogBytes, descDBBytes, descDBOK, descGateway, descReconnects, descLastEvent, descCursor, descContent, descIdentifies, descSessions, descLive, descRelay, descParsed, descAlerting} {
		ch <- d
	}
}

func (c *partsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if counts, err := c.src.Counts(ctx); err == nil {
		gauge(descOrders, float64(counts.Orders))
		gauge(descLogEntries, float64(counts.LogItems))
		gauge(descLogBytes, float64(counts.LogBytes))
		gauge(descDBBytes, float64(counts.SizeBytes))
	}
	ok := 1.0
	if c.src.Problem != nil && c.src.Problem() != nil {
		ok = 0
	}
	gauge(descDBOK, ok)
	if c.src.Subscribers != nil {
		gauge(descLive, float64(c.src.Subscribers()))
	}
	if c.src.RelayBacklog != nil {
		gauge(descRelay, float64(c.src.RelayBacklog()))
	}
	if c.src.ParseHealth != nil {
		for _, s := range c.src.ParseHealth() {
			for result, n := range map[string]int{"read": s.Read, "guessed": s.Guessed, "noise": s.Noise, "unread": s.Unread} {
				ch <- prometheus.MustNewConstMetric(descParsed, prometheus.CounterValue, float64(n), s.Key, result)
			}
			alerting := 0.0
			if s.Alerting {
				alerting = 1
			}
			gauge(descAlerting, alerting, s.Key)
		}
	}
	status := gateway.Disabled()
	if c.src.Gateway != nil {
		status = c.src.Gateway(ctx)
	}
	// One series a state, 1 for the current one.
	current := func(d *prometheus.Desc, now string, states ...string) {
		for _, state := range states {
			v := 0.0
			if state == now {
				v = 1
			}
			gauge(d, v, state)
		}
	}
	current(descGateway, status.State, gateway.StateDisabled, gateway.StateConnecting, gateway.StateConnected,
		gateway.StateReconnecting, gateway.StateRefused, gateway.StateStandby)
	ch <- prometheus.MustNewConstMetric(descReconnects, prometheus.CounterValue, float64(status.Reconnects))
	if status.LastEventAt != nil {
		gauge(descLastEvent, float64(status.LastEventAt.Unix()))
	}
	if status.MessageContent != "" {
		current(descContent, status.MessageContent, "ok", "missing", "unknown")
	}
	gauge(descIdentifies, float64(status.Identifies))
	if status.SessionsLeft != nil {
		gauge(descSessions, float64(*status.SessionsLeft))
	}
	for _, chn := range status.Channels {
		if chn.CursorTime != nil {
			gauge(descCursor, float64(chn.CursorTime.Unix()), chn.ID)
		}
	}
}
