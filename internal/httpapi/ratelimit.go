package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5/middleware"
)

// RateLimit bounds how fast one client (one address) may call the API: a steady rate and
// a burst on top. Zero PerMinute is no limit.
type RateLimit struct {
	PerMinute int
	Burst     int
}

// limiter keeps a token bucket per client address.
type limiter struct {
	limit   RateLimit
	mu      sync.Mutex
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxClients bounds the buckets kept; idle ones are dropped first.
const maxClients = 10_000

func newLimiter(l RateLimit) *limiter {
	return &limiter{limit: l, buckets: map[string]*bucket{}, now: time.Now}
}

// take spends one token of client's bucket; when there is none it says how long until
// there is.
func (l *limiter) take(client string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	rate := float64(l.limit.PerMinute) / 60 // tokens a second
	capacity := float64(l.limit.Burst + 1)
	b, ok := l.buckets[client]
	if !ok {
		if len(l.buckets) >= maxClients {
			l.dropIdle(now, capacity/rate)
		}
		b = &bucket{tokens: capacity, last: now}
		l.buckets[client] = b
	}
	b.tokens = math.Min(capacity, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rate * float64(time.Second))
}

// dropIdle forgets clients whose buckets have refilled: they are as good as new.
func (l *limiter) dropIdle(now time.Time, refill float64) {
	for k, b := range l.buckets {
		if now.Sub(b.last).Seconds() >= refill {
			delete(l.buckets, k)
		}
	}
}

// rateLimit answers 429 with Retry-After to a client over its limit. Health and metrics
// are never limited, so monitoring keeps working.
func (s *server) rateLimit(next http.Handler) http.Handler {
	if s.RateLimit.PerMinute <= 0 {
		return next
	}
	l := newLimiter(s.RateLimit)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" || r.URL.Path == pathMetrics {
			next.ServeHTTP(w, r)
			return
		}
		ok, wait := l.take(middleware.GetClientIP(r.Context()))
		if !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeProblem(w, http.StatusTooManyRequests, "too many requests from this address: at most "+
				strconv.Itoa(s.RateLimit.PerMinute)+" a minute (http.rate_limit); try again in "+strconv.Itoa(secs)+" s")
			return
		}
		next.ServeHTTP(w, r)
	})
}
