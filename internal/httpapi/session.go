package httpapi

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-chi/chi/v5/middleware"
)

// A browser cannot keep the token in every request's header, so it trades the token
// once for a session cookie: HttpOnly (no script reads it), SameSite=Strict (no other
// site's page sends it), expiring, and signed with the token itself, so changing the
// token ends every session. Each session also names the session epoch it was made in,
// a number kept in the database: logging out moves it on, which ends every session
// made before, a copied cookie's too, on every instance.
const (
	sessionCookie = "roms_session"
	sessionLife   = 7 * 24 * time.Hour
	// epochPosition is the position (order.Store) that holds the session epoch.
	epochPosition = "http_session_epoch"
	// epochRefresh is how often an instance reads the epoch again, for logouts made on
	// another instance sharing the database.
	epochRefresh = 30 * time.Second
)

// sessionValue is "epoch:expiry.signature": the epoch, the expiry in unix seconds and
// their HMAC under the token.
func sessionValue(token, epoch string, expires time.Time) string {
	claim := epoch + ":" + strconv.FormatInt(expires.Unix(), 10)
	return claim + "." + sessionSignature(token, claim)
}

func sessionSignature(token, claim string) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("roms-session:" + claim))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// sessionValid reports whether r carries an unexpired session of this epoch signed
// with token.
func sessionValid(r *http.Request, token, epoch string, now time.Time) bool {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return false
	}
	claim, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return false
	}
	from, exp, ok := strings.Cut(claim, ":")
	if !ok || from != epoch {
		return false
	}
	secs, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.After(time.Unix(secs, 0)) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(sig), []byte(sessionSignature(token, claim))) == 1
}

// Positions keep the session epoch in the database (the orders service's positions).
type Positions interface {
	Position(ctx context.Context, name string) (string, error)
	Advance(ctx context.Context, name, pos string) error
}

// sessionEpoch caches the epoch; nil positions keep it at "0" (tests without a store).
type sessionEpoch struct {
	mu        sync.Mutex
	positions Positions
	value     string
	read      time.Time
}

// current is the epoch, read again when the cached one is older than epochRefresh.
func (e *sessionEpoch) current() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.positions == nil {
		return "0"
	}
	if e.value == "" || time.Since(e.read) > epochRefresh {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if pos, err := e.positions.Position(ctx, epochPosition); err == nil {
			e.value, e.read = cmp.Or(pos, "0"), time.Now()
		} else if e.value == "" {
			return "unreadable" // no session is valid until the epoch can be read
		}
	}
	return e.value
}

// next moves the epoch on, ending every session made before.
func (e *sessionEpoch) next(ctx context.Context) error {
	now := e.current()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.positions == nil {
		return nil
	}
	n, _ := strconv.ParseInt(now, 10, 64)
	next := strconv.FormatInt(n+1, 10)
	if err := e.positions.Advance(ctx, epochPosition, next); err != nil {
		return err
	}
	e.value, e.read = next, time.Now()
	return nil
}

type loginInput struct {
	Body struct {
		Token string `json:"token" doc:"The http.token setting"`
	}
}

// SessionState says whether the browser may use the API.
type SessionState struct {
	Authenticated bool      `json:"authenticated"`
	TokenRequired bool      `json:"token_required" doc:"Whether this ROMS has a token (without one, loopback only, no login)"`
	Expires       time.Time `json:"expires,omitzero"`
}

type sessionOutput struct {
	SetCookie string `header:"Set-Cookie"`
	Body      SessionState
}

// login trades the token for a session cookie.
func (s *server) login(ctx context.Context, in *loginInput) (*sessionOutput, error) {
	if s.token == "" {
		return &sessionOutput{Body: SessionState{Authenticated: true}}, nil
	}
	r, _ := ctx.Value(requestKey{}).(*http.Request)
	if r != nil {
		if wait := s.guesses.locked(middleware.GetClientIP(r.Context())); wait > 0 {
			secs := strconv.Itoa(int(math.Ceil(wait.Seconds())))
			return nil, huma.ErrorWithHeaders(huma.Error429TooManyRequests("too many wrong tokens from this address; try again in "+secs+" s"),
				http.Header{"Retry-After": {secs}})
		}
	}
	ok := subtle.ConstantTimeCompare([]byte(strings.TrimSpace(in.Body.Token)), []byte(s.token)) == 1
	if r != nil {
		if client := middleware.GetClientIP(r.Context()); ok {
			s.guesses.succeeded(client)
		} else {
			s.guesses.failed(client) // the token is in the body, which offered() does not read
		}
	}
	if !ok {
		return nil, huma.Error401Unauthorized("wrong token: it is the http.token setting (ROMS_HTTP_TOKEN)")
	}
	expires := time.Now().Add(sessionLife)
	cookie := &http.Cookie{Name: sessionCookie, Value: sessionValue(s.token, s.epoch.current(), expires), Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteStrictMode}
	return &sessionOutput{SetCookie: cookie.String(), Body: SessionState{Authenticated: true, TokenRequired: true, Expires: expires}}, nil
}

// logout ends the browser's session, and every other made before it: a copied cookie
// stops working too.
func (s *server) logout(ctx context.Context, _ *struct{}) (*sessionOutput, error) {
	if r, ok := ctx.Value(requestKey{}).(*http.Request); ok && s.token != "" && s.tokenGiven(r) {
		if err := s.epoch.next(ctx); err != nil {
			return nil, fmt.Errorf("end the sessions: %w", err)
		}
	}
	cookie := &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode}
	return &sessionOutput{SetCookie: cookie.String(), Body: SessionState{TokenRequired: s.token != ""}}, nil
}

// sessionState tells the page whether it needs to ask for the token.
func (s *server) sessionState(ctx context.Context, _ *struct{}) (*struct{ Body SessionState }, error) {
	st := SessionState{TokenRequired: s.token != "", Authenticated: s.token == ""}
	if r, ok := ctx.Value(requestKey{}).(*http.Request); ok && s.token != "" {
		st.Authenticated = s.tokenGiven(r)
	}
	return &struct{ Body SessionState }{st}, nil
}

// requestKey keeps the request in its context for the few handlers that read cookies.
type requestKey struct{}

func keepRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, r)))
	})
}
