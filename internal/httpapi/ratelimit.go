package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
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

// rateLimit answers 429 with Retry-After to a client over its limit. It limits only
// strangers: a sender on this machine (a checkout bot beside ROMS, a forwarder, the CLI)
// or one with the token is never turned away, since a checkout refused in a drop is a
// checkout lost when its sender does not retry. Health and metrics are never limited, so
// monitoring keeps working.
func (s *server) rateLimit(next http.Handler) http.Handler {
	if s.rateLimits.PerMinute <= 0 {
		return next
	}
	l := newLimiter(s.rateLimits)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := middleware.GetClientIP(r.Context())
		if r.URL.Path == "/health" || r.URL.Path == pathMetrics || loopback(client) || s.tokenGiven(r) {
			next.ServeHTTP(w, r)
			return
		}
		if ok, wait := l.take(client); !ok {
			s.keepRefused(r)
			s.tooMany(w, wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func loopback(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && a.Unmap().IsLoopback()
}

// limited is a 429's body: a problem, with Discord's fields as well, so that senders
// written for Discord's webhooks back off as they do there.
type limited struct {
	huma.ErrorModel
	RetryAfter float64 `json:"retry_after"`
	Global     bool    `json:"global"`
}

func (s *server) tooMany(w http.ResponseWriter, wait time.Duration) {
	s.tooManyWith(w, wait, "too many requests from this address: at most "+strconv.Itoa(s.rateLimits.PerMinute)+
		" a minute (http.rate_limit) without the token; try again in %d s")
}

// tooManyWith answers 429 with Retry-After; detail says why, %d standing for the seconds.
func (s *server) tooManyWith(w http.ResponseWriter, wait time.Duration, detail string) {
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(limited{ErrorModel: huma.ErrorModel{Title: http.StatusText(http.StatusTooManyRequests),
		Status: http.StatusTooManyRequests, Detail: fmt.Sprintf(detail, secs)},
		RetryAfter: wait.Seconds(), Global: false})
}

// errLimited is why a webhook body refused by the rate limit is in the log.
var errLimited = errors.New("refused: too many requests from this address (http.rate_limit); kept here, replay it with retry-failed")

// keepRefused logs a webhook body that the rate limit refuses, before the 429, so a
// checkout from a sender that does not retry is not lost: it is a dead letter that
// retry-failed (or a replay) stores.
func (s *server) keepRefused(r *http.Request) {
	if r.URL.Path != pathWebhook || r.Method != http.MethodPost {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil && len(body) == 0 {
		return
	}
	in := orders.Input{Origin: order.Origin{Source: order.SourceHTTP}, Raw: string(body), Text: string(body),
		ContentType: r.Header.Get("Content-Type"), ReceivedAt: time.Now(), Endpoint: pathWebhook, Method: http.MethodPost,
		StatusCode: http.StatusTooManyRequests}
	_ = s.reject(r.Context(), in, errLimited)
}
