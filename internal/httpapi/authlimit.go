package httpapi

import (
	"net/http"
	"sync"
	"time"

	"github.com/go-chi/chi/v5/middleware"
)

// Wrong tokens are limited per address, before the token is checked: a few mistakes are
// free, then each further one locks the address out for twice as long as the last (1 s,
// 2 s, 4 s... up to lockMax), so guessing the token takes lifetimes. A success, or
// forgetAfter without a failure, forgives the address. Every sender counts, this
// machine's too: a wrong token from a checkout bot beside ROMS is as much a guess.
const (
	freeFailures = 10
	lockMax      = 5 * time.Minute
	forgetAfter  = 15 * time.Minute
	maxGuessers  = 10_000
)

type authFailures struct {
	mu    sync.Mutex
	by    map[string]*failures
	now   func() time.Time
	limit int
}

type failures struct {
	count       int
	last, until time.Time
}

func newAuthFailures() *authFailures {
	return &authFailures{by: map[string]*failures{}, now: time.Now, limit: freeFailures}
}

// locked says how long the address must wait before its next try, or 0.
func (a *authFailures) locked(client string) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.by[client]
	if f == nil {
		return 0
	}
	return max(f.until.Sub(a.now()), 0)
}

// failed counts a wrong token from the address.
func (a *authFailures) failed(client string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	f := a.by[client]
	if f == nil || now.Sub(f.last) > forgetAfter {
		if len(a.by) >= maxGuessers {
			a.forgetOld(now)
		}
		f = &failures{}
		a.by[client] = f
	}
	f.count++
	f.last = now
	if over := f.count - a.limit; over > 0 {
		lock := lockMax
		if over < 20 {
			lock = min(time.Duration(1<<(over-1))*time.Second, lockMax)
		}
		f.until = now.Add(lock)
	}
}

// succeeded forgives the address.
func (a *authFailures) succeeded(client string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.by, client)
}

// forgetOld drops the addresses that have been quiet long enough to be forgiven, or, if
// none has, all of them: a flood of addresses must not grow the map without bound.
func (a *authFailures) forgetOld(now time.Time) {
	for k, f := range a.by {
		if now.Sub(f.last) > forgetAfter {
			delete(a.by, k)
		}
	}
	if len(a.by) >= maxGuessers {
		clear(a.by)
	}
}

// refuseGuesser answers 429 to an address that is locked out, and reports whether it did.
func (s *server) refuseGuesser(w http.ResponseWriter, r *http.Request) bool {
	wait := s.guesses.locked(middleware.GetClientIP(r.Context()))
	if wait <= 0 {
		return false
	}
	s.tooManyWith(w, wait, "too many wrong tokens from this address; try again in %d s (each further wrong token doubles the wait)")
	return true
}

// authResult counts a request's token check for its address. A request that offered no
// token, cookie or signature guessed nothing (a dashboard before its login, a bot not yet
// given the token) and is not counted.
func (s *server) authResult(r *http.Request, ok bool) {
	client := middleware.GetClientIP(r.Context())
	switch {
	case ok:
		s.guesses.succeeded(client)
	case offered(r):
		s.guesses.failed(client)
	}
}

// offered reports whether a request carries anything that could be a token.
func offered(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" || r.URL.Query().Has("token") || signature(r) != "" {
		return true
	}
	_, err := r.Cookie(sessionCookie)
	return err == nil
}

// tokenChecked is tokenGiven for an address that may be guessing: a locked-out address
// is answered 429 (answered), and each check counts for the address.
func (s *server) tokenChecked(w http.ResponseWriter, r *http.Request) (ok, answered bool) {
	if s.refuseGuesser(w, r) {
		return false, true
	}
	ok = s.tokenGiven(r)
	s.authResult(r, ok)
	return ok, false
}
