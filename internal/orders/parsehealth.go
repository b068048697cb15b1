package orders

import (
	"time"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/parsehealth"
	"github.com/roms-dev/roms/internal/parser"
)

// alertQueue is how many parse-health alerts wait for whoever posts them; more are
// dropped (and logged), as the ingest of the post that raised one must not wait.
const alertQueue = 16

// Alerts receives each parse-health alert, for whoever posts them where the owner sees
// them (the Discord listener posts them to discord.alerts_channel). Every alert is
// logged as well.
func (s *Service) Alerts() <-chan parsehealth.Alert { return s.alerts }

// ParseHealth is the health of every source's posts since ROMS started.
func (s *Service) ParseHealth() []parsehealth.Source { return s.health.Sources() }

// ParseHealthAlerting lists the sources whose posts stopped being read.
func (s *Service) ParseHealthAlerting() []string { return s.health.Alerting() }

func (s *Service) alert(a parsehealth.Alert) {
	if a.Recovered {
		s.logger.Info("source read again", "source", a.Source)
	} else {
		s.logger.Warn("source no longer read", "source", a.Source, "detail", a.Text)
	}
	select {
	case s.alerts <- a:
	default:
		s.logger.Warn("parse-health alert queue full; not posted", "source", a.Source)
	}
}

// sourceKey is the parse-health source of a post, or "" for inputs that are no bot's
// posts (imports, edits).
func sourceKey(o order.Origin) string {
	switch o.Source {
	case order.SourceDiscord, order.SourceBackfill:
		return parsehealth.Key(order.SourceDiscord, o.ChannelID, o.Poster)
	case order.SourceHTTP:
		return parsehealth.Key(order.SourceHTTP, "", o.Poster)
	case order.SourceEmail:
		return order.ActorEmail(o.Poster) // emails are read by their own reader: no parse health
	}
	return ""
}

// recordHealth counts what became of a post for its source.
func (s *Service) recordHealth(in Input, msg *parser.Message, outcome string, at time.Time) {
	key := sourceKey(in.Origin)
	if key == "" || in.Message != nil || in.Origin.Source == order.SourceEmail || outcome == order.OutcomeDuplicate {
		return
	}
	s.health.Record(key, healthResult(msg, outcome), at)
}

// healthResult classes a post: an order (read or guessed), noise, or a post meant to be
// an order that could not be read as one.
func healthResult(msg *parser.Message, outcome string) parsehealth.Result {
	switch {
	case outcome == order.OutcomeRejected || msg == nil:
		return parsehealth.Unread
	case outcome != order.OutcomeIgnored && len(msg.Inferred) > 0:
		return parsehealth.Guessed
	case outcome != order.OutcomeIgnored:
		return parsehealth.Read
	case IsNoise(*msg):
		return parsehealth.Noise
	}
	return parsehealth.Unread
}

// IsNoise reports whether a message that gave no order was not meant to be one: a cart,
// or a post that names no product, price, email or status of a checkout (a monitor's
// restock, chat, a parcel tracker's post).
func IsNoise(msg parser.Message) bool {
	if msg.Kind == parser.KindCart {
		return true
	}
	if msg.Kind != parser.KindUnknown {
		return false // a checkout, a decline...: meant to be an order
	}
	fs := msg.Fields
	return fs.Product == "" && fs.Price == nil && fs.Total == nil && fs.Email == ""
}
