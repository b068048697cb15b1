package orders

import (
	"sync"
)

// logBudget asks for the webhook log to be trimmed as entries are added, not only on the
// trimmer's clock: a burst of large bodies (120 of 1 MB in a minute) must not take the
// log far past its bound. A trim is asked for whenever a twentieth of the bound (in
// entries or bytes) has been added since the last one.
type logBudget struct {
	mu               sync.Mutex
	entries, bytes   int64
	maxEntries, maxB int64
	trim             chan struct{}
}

// LogTrims receives when the webhook log may be past its bounds and should be trimmed.
func (s *Service) LogTrims() <-chan struct{} { return s.logs.trim }

// logged counts one entry of n bytes added to the webhook log.
func (s *Service) logged(n int) {
	b := &s.logs
	b.mu.Lock()
	defer b.mu.Unlock()
	b.entries++
	b.bytes += int64(n)
	if (b.maxEntries > 0 && b.entries*20 >= b.maxEntries) || (b.maxB > 0 && b.bytes*20 >= b.maxB) {
		b.entries, b.bytes = 0, 0
		select {
		case b.trim <- struct{}{}:
		default: // a trim is already asked for
		}
	}
}
