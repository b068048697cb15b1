package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-chi/chi/v5/middleware"
)

// A browser cannot keep the token in every request's header, so it trades the token
// once for a session cookie: HttpOnly (no script reads it), SameSite=Strict (no other
// site's page sends it), expiring, and signed with the token itself, so changing the
// token ends every session.
const (
	sessionCookie = "roms_session"
	sessionLife   = 7 * 24 * time.Hour
)

// sessionValue is "expiry.signature": the expiry in unix seconds and its HMAC under the token.
func sessionValue(token string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	return exp + "." + sessionSignature(token, exp)
}

func sessionSignature(token, exp string) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("roms-session:" + exp))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// sessionValid reports whether r carries an unexpired session signed with token.
func sessionValid(r *http.Request, token string, now time.Time) bool {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return false
	}
	exp, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return false
	}
	secs, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.After(time.Unix(secs, 0)) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(sig), []byte(sessionSignature(token, exp))) == 1
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
	if s.Token == "" {
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
	ok := subtle.ConstantTimeCompare([]byte(strings.TrimSpace(in.Body.Token)), []byte(s.Token)) == 1
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
	cookie := &http.Cookie{Name: sessionCookie, Value: sessionValue(s.Token, expires), Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteStrictMode}
	return &sessionOutput{SetCookie: cookie.String(), Body: SessionState{Authenticated: true, TokenRequired: true, Expires: expires}}, nil
}

// logout ends the browser's session.
func (s *server) logout(_ context.Context, _ *struct{}) (*sessionOutput, error) {
	cookie := &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode}
	return &sessionOutput{SetCookie: cookie.String(), Body: SessionState{TokenRequired: s.Token != ""}}, nil
}

// sessionState tells the page whether it needs to ask for the token.
func (s *server) sessionState(ctx context.Context, _ *struct{}) (*struct{ Body SessionState }, error) {
	st := SessionState{TokenRequired: s.Token != "", Authenticated: s.Token == ""}
	if r, ok := ctx.Value(requestKey{}).(*http.Request); ok && s.Token != "" {
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
