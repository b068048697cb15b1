package httpapi

import (
	"net/http"
	"sync"
	"time"

	"github.com/go-chi/chi/v5/middleware"
)

// Live clients (the event stream and /ws) hold a connection each for as long as they
// like, so they are bounded: per address, so one address cannot take them all, and in
// all, so memory stays bounded whoever connects. A client that does not read is dropped
// by its write deadline, and by the hub when it falls behind.
const (
	liveMaxPerAddress = 32
	liveMaxTotal      = 1000
	liveWriteWait     = 10 * time.Second
)

type liveSlots struct {
	mu    sync.Mutex
	by    map[string]int
	total int
}

func newLiveSlots() *liveSlots { return &liveSlots{by: map[string]int{}} }

// take reserves a slot for client: "" when it did, else why not.
func (l *liveSlots) take(client string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.by[client] >= liveMaxPerAddress:
		return "this address already has the most live connections allowed (32): close some tabs or clients"
	case l.total >= liveMaxTotal:
		return "the server has the most live connections it takes (1000); try again later"
	}
	l.by[client]++
	l.total++
	return ""
}

func (l *liveSlots) give(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by[client]--; l.by[client] <= 0 {
		delete(l.by, client)
	}
	l.total--
}

// boundLive gives the live routes their slots, and the event stream a write deadline on
// every write, so a stream that is not read ends instead of holding its goroutine.
func (s *server) boundLive(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != pathLive && r.URL.Path != pathWS {
			next.ServeHTTP(w, r)
			return
		}
		client := middleware.GetClientIP(r.Context())
		if why := s.live.take(client); why != "" {
			w.Header().Set("Retry-After", "30")
			writeProblem(w, http.StatusTooManyRequests, why)
			return
		}
		defer s.live.give(client)
		if r.URL.Path == pathLive {
			w = &deadlineWriter{ResponseWriter: w, rc: http.NewResponseController(w)}
		}
		next.ServeHTTP(w, r)
	})
}

// deadlineWriter sets a write deadline before each write of a long-lived response.
type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	_ = d.rc.SetWriteDeadline(time.Now().Add(liveWriteWait))
	return d.ResponseWriter.Write(p)
}

func (d *deadlineWriter) Flush() { _ = d.rc.Flush() }

func (d *deadlineWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }
