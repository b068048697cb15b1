package orders

import (
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// Summary counts what an import of many messages did (a Discord backfill).
type Summary struct {
	Messages  int `json:"messages"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Ignored   int `json:"ignored"`
	Duplicate int `json:"duplicate"`
}

// Count adds one result.
func (s *Summary) Count(outcome string) {
	switch outcome {
	case order.OutcomeCreated:
		s.Created++
	case order.OutcomeUpdated:
		s.Updated++
	case order.OutcomeUnchanged:
		s.Unchanged++
	case order.OutcomeIgnored:
		s.Ignored++
	case order.OutcomeDuplicate:
		s.Duplicate++
	}
}

// Progress is reported after each page of an import.
type Progress struct {
	Summary
	Through time.Time // the newest message time read so far
}
