package order

import (
	"context"
	"iter"
	"time"
)

// PruneChunk is the most log entries one pruning transaction deletes, so that a long
// trim never holds a write lock for long and inputs keep being stored meanwhile.
const PruneChunk = 1000

// Kept is one log entry as pruning sees it.
type Kept struct {
	ReceivedAt time.Time
	Bytes      int64
}

// Drop says how many of the oldest entries go, given how many entries and bytes the log
// keeps in all: those beyond the count, the size or the age, at most PruneChunk. Entries
// are appended in time order, so the first one young enough ends it, and oldest (the
// entries, oldest first) is read no further.
func (r Retention) Drop(entries int, size int64, now time.Time, oldest iter.Seq[Kept]) int {
	n, freed := 0, int64(0)
	for e := range oldest {
		if n == PruneChunk {
			break
		}
		overCount := r.MaxEntries > 0 && entries-n > r.MaxEntries
		overSize := r.MaxBytes > 0 && size-freed > r.MaxBytes
		if !overCount && !overSize && !(r.MaxAge > 0 && e.ReceivedAt.Before(now.Add(-r.MaxAge))) {
			break
		}
		n++
		freed += e.Bytes
	}
	return n
}

// PruneInChunks calls pruneSome, which deletes at most PruneChunk entries a call, until a
// call deletes fewer, and returns how many went in all.
func PruneInChunks(ctx context.Context, pruneSome func() (int, error)) (int, error) {
	deleted := 0
	for {
		if err := ctx.Err(); err != nil {
			return deleted, err
		}
		n, err := pruneSome()
		deleted += n
		if err != nil || n < PruneChunk {
			return deleted, err
		}
	}
}
