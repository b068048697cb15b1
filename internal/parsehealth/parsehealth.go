// Package parsehealth follows how well the posts of each source are read, a source being
// a channel and the bot posting in it (or an HTTP sender), and says when a source that
// used to be read stops being read: a bot changed its posts.
package parsehealth

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Result is what became of one post.
type Result int

const (
	Read    Result = iota // an order, every field by a known label
	Guessed               // an order, some fields inferred
	Noise                 // not an order, and not meant to be (a cart, a monitor's post)
	Unread                // meant to be an order, but no order could be read from it
)

// Rules of the alert: this many unread posts in a row, or fewer than half read of the
// last window posts that were not noise.
const (
	alertStreak = 3
	window      = 20
	maxSources  = 500 // the least recently seen go first
)

// Source is the health of one source.
type Source struct {
	Key      string    `json:"source" doc:"discord:CHANNEL:POSTER, or http:POSTER"`
	Seen     int       `json:"seen" doc:"Posts seen since ROMS started"`
	Read     int       `json:"read" doc:"Read as orders by known labels"`
	Guessed  int       `json:"guessed" doc:"Read as orders with some fields inferred"`
	Noise    int       `json:"noise" doc:"Not orders, and not meant to be: carts, monitors, chat"`
	Unread   int       `json:"unread" doc:"Meant to be orders but not read as one"`
	Recent   float64   `json:"recent_read_ratio" doc:"Share of the last 20 posts that were read (noise left out)"`
	LastSeen time.Time `json:"last_seen"`
	Alerting bool      `json:"alerting" doc:"The source used to be read and is not any more"`
}

// Alert says that a source stopped being read, or that it is read again.
type Alert struct {
	Source    string
	Recovered bool
	Text      string
}

// Tracker keeps the health of every source. It is safe for concurrent use.
type Tracker struct {
	mu      sync.Mutex
	sources map[string]*source
	notify  func(Alert)
}

type source struct {
	Source
	everRead bool
	streak   int
	recent   []bool // read or not, of the last window posts that were not noise
}

// New returns a tracker that calls notify (which may be nil) for each alert, outside
// its lock.
func New(notify func(Alert)) *Tracker {
	return &Tracker{sources: map[string]*source{}, notify: notify}
}

// Key names a source: the channel and poster of a Discord post, or "http" and the
// poster of a webhook call.
func Key(kind, channel, poster string) string {
	parts := []string{kind}
	if channel != "" {
		parts = append(parts, channel)
	}
	if poster == "" {
		poster = "unnamed"
	}
	return strings.Join(append(parts, poster), ":")
}

// Record counts one post of a source.
func (t *Tracker) Record(key string, r Result, at time.Time) {
	t.mu.Lock()
	s := t.sources[key]
	if s == nil {
		t.evict()
		s = &source{Source: Source{Key: key}}
		t.sources[key] = s
	}
	alert := s.record(r, at)
	t.mu.Unlock()
	if alert != nil && t.notify != nil {
		t.notify(*alert)
	}
}

func (s *source) record(r Result, at time.Time) *Alert {
	s.Seen++
	s.LastSeen = at
	switch r {
	case Read:
		s.Read++
	case Guessed:
		s.Guessed++
	case Noise:
		s.Noise++
		return nil
	case Unread:
		s.Unread++
	}
	read := r == Read || r == Guessed
	s.recent = append(s.recent, read)
	if len(s.recent) > window {
		s.recent = s.recent[1:]
	}
	s.Recent = ratio(s.recent)
	if read {
		s.streak = 0
		s.everRead = true
		if s.Alerting {
			s.Alerting = false
			return &Alert{Source: s.Key, Recovered: true,
				Text: fmt.Sprintf("Posts from %s are read as orders again.", s.Key)}
		}
		return nil
	}
	s.streak++
	failing := s.streak >= alertStreak || len(s.recent) == window && s.Recent < 0.5
	if !s.everRead || s.Alerting || !failing {
		return nil
	}
	s.Alerting = true
	return &Alert{Source: s.Key, Text: fmt.Sprintf("Posts from %s are no longer read as orders (%d in a row not read, %.0f%% of the last %d read): "+
		"the bot may have changed its posts. Look at them in the review list and teach ROMS the new labels.",
		s.Key, s.streak, 100*s.Recent, len(s.recent))}
}

func ratio(recent []bool) float64 {
	if len(recent) == 0 {
		return 1
	}
	n := 0
	for _, read := range recent {
		if read {
			n++
		}
	}
	return float64(n) / float64(len(recent))
}

// evict forgets the least recently seen source when there are too many.
func (t *Tracker) evict() {
	if len(t.sources) < maxSources {
		return
	}
	var oldest *source
	for _, s := range t.sources {
		if oldest == nil || s.LastSeen.Before(oldest.LastSeen) {
			oldest = s
		}
	}
	delete(t.sources, oldest.Key)
}

// Sources returns every source's health, the ones alerting first, then by key.
func (t *Tracker) Sources() []Source {
	t.mu.Lock()
	out := make([]Source, 0, len(t.sources))
	for _, s := range t.sources {
		out = append(out, s.Source)
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b Source) int {
		if a.Alerting != b.Alerting {
			if a.Alerting {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

// Alerting returns the keys of the sources that are alerting.
func (t *Tracker) Alerting() []string {
	var out []string
	for _, s := range t.Sources() {
		if s.Alerting {
			out = append(out, s.Key)
		}
	}
	return out
}
