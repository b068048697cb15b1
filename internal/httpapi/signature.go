package httpapi

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5/middleware"
)

// signatureHeader carries the HMAC-SHA256 of a webhook body, hex, as ROMS V2 takes it;
// altSignatureHeader is the other common spelling, with the same meaning.
const (
	signatureHeader    = "X-Webhook-Signature"
	altSignatureHeader = "X-Signature"
	// timestampHeader, when sent, is the Unix time of signing, signed with the body
	// ("TIMESTAMP.BODY"): a body older than timestampSkew is refused, so a captured one
	// cannot be sent again later.
	timestampHeader = "X-Webhook-Timestamp"
	timestampSkew   = 5 * time.Minute
	// replayWindow is how long a signature already taken is refused again.
	replayWindow = time.Hour
)

// signature is the signature a request carries, under either header.
func signature(r *http.Request) string {
	if v := r.Header.Get(signatureHeader); v != "" {
		return v
	}
	return r.Header.Get(altSignatureHeader)
}

// checkSignature checks the webhook body's signature. It reads the body (up to the
// webhook's limit) and puts it back for the handler.
func (s *server) checkSignature(r *http.Request) error {
	given := strings.TrimSpace(signature(r))
	switch {
	case given == "":
		return errors.New("this webhook needs a signature: send X-Webhook-Signature: <hex HMAC-SHA256 of the body with http.webhook_secret>, or the token")
	case s.webhookSecret == "":
		return errors.New("the request is signed (X-Webhook-Signature), but http.webhook_secret is not set: set it to the secret the sender signs with")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return errors.New("could not read the body to check its signature")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	mac := hmac.New(sha256.New, []byte(s.webhookSecret))
	if ts := strings.TrimSpace(r.Header.Get(timestampHeader)); ts != "" {
		if err := checkTimestamp(ts, time.Now()); err != nil {
			return err
		}
		mac.Write([]byte(ts + "."))
	}
	mac.Write(body)
	want := mac.Sum(nil)
	got, err := hex.DecodeString(strings.TrimPrefix(given, "sha256="))
	if err != nil || !hmac.Equal(got, want) {
		return errors.New("wrong X-Webhook-Signature: it must be the hex HMAC-SHA256 of the exact body bytes (with X-Webhook-Timestamp, of TIMESTAMP.BODY), made with http.webhook_secret")
	}
	return nil
}

// checkTimestamp refuses a signing time too far from now.
func checkTimestamp(ts string, now time.Time) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("X-Webhook-Timestamp must be the Unix time of signing, in seconds")
	}
	if age := now.Sub(time.Unix(sec, 0)); age > timestampSkew || age < -timestampSkew {
		return fmt.Errorf("X-Webhook-Timestamp is %s from now, more than %s: refused, since a captured body must not be sent again later (is the sender's clock right?)",
			age.Round(time.Second), timestampSkew)
	}
	return nil
}

// signatures remembers the signatures of webhook bodies already taken, so the same
// signed body sent again within replayWindow is refused: after "checkout", "cancel",
// "checkout" again, the order stays cancelled. A body is claimed while it is handled and
// forgotten if that fails, so a sender's retry after an error is still taken.
type signatures struct {
	mu   sync.Mutex
	seen map[string]time.Time
	now  func() time.Time
}

const maxSignatures = 100_000

func newSignatures() *signatures {
	return &signatures{seen: map[string]time.Time{}, now: time.Now}
}

// claim reports false when the signature was taken within the window.
func (s *signatures) claim(sig string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if at, ok := s.seen[sig]; ok && now.Sub(at) < replayWindow {
		return false
	}
	if len(s.seen) >= maxSignatures {
		for k, at := range s.seen {
			if now.Sub(at) >= replayWindow {
				delete(s.seen, k)
			}
		}
	}
	s.seen[sig] = now
	return true
}

// release forgets a claim whose body was not taken.
func (s *signatures) release(sig string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.seen, sig)
}

// WebhookTest is the answer of GET /api/v2/webhooks/test, as ROMS V2 gives it.
type WebhookTest struct {
	Status            string    `json:"status" enum:"ok"`
	Message           string    `json:"message"`
	Timestamp         time.Time `json:"timestamp"`
	SignatureRequired bool      `json:"signature_required" doc:"Whether the webhook needs X-Webhook-Signature (or the token)"`
}

func (s *server) webhookTest(_ context.Context, _ *struct{}) (*struct{ Body WebhookTest }, error) {
	return &struct{ Body WebhookTest }{WebhookTest{Status: "ok", Message: "Webhook endpoint is operational",
		Timestamp: time.Now().UTC(), SignatureRequired: s.webhookSecret != ""}}, nil
}

// SignatureHelp explains how to sign a webhook body.
type SignatureHelp struct {
	Message    string            `json:"message"`
	Algorithm  string            `json:"algorithm"`
	Secret     string            `json:"secret"`
	HeaderName string            `json:"header_name"`
	Examples   map[string]string `json:"examples"`
	Note       string            `json:"note"`
}

func (s *server) signatureHelp(_ context.Context, _ *struct{}) (*struct{ Body SignatureHelp }, error) {
	return &struct{ Body SignatureHelp }{SignatureHelp{
		Message:    "How to sign a webhook body",
		Algorithm:  "HMAC-SHA256, hex digest (a sha256= prefix is also accepted)",
		Secret:     "The http.webhook_secret setting (ROMS_HTTP_WEBHOOK_SECRET); ROMS V2 called it WEBHOOK_SECRET",
		HeaderName: signatureHeader,
		Examples: map[string]string{
			"python": "import hmac, hashlib, json\nbody = json.dumps({\"order_number\": \"12345\", \"product\": \"Nike Shoes\"}).encode()\n" +
				"signature = hmac.new(b\"your-webhook-secret\", body, hashlib.sha256).hexdigest()\n" +
				"requests.post(url, data=body, headers={\"Content-Type\": \"application/json\", \"X-Webhook-Signature\": signature})",
			"node": "const crypto = require('crypto');\nconst body = JSON.stringify({order_number: '12345', product: 'Nike Shoes'});\n" +
				"const signature = crypto.createHmac('sha256', 'your-webhook-secret').update(body).digest('hex');\n" +
				"// send body as is, with the header X-Webhook-Signature: signature",
			"curl": "BODY='{\"order_number\":\"12345\",\"product\":\"Nike Shoes\",\"price\":99.99}'\n" +
				"SIG=$(printf %s \"$BODY\" | openssl dgst -sha256 -hmac 'your-webhook-secret' | cut -d' ' -f2)\n" +
				"curl -X POST http://localhost:8001/api/v2/webhooks/orders -H 'Content-Type: application/json' -H \"X-Webhook-Signature: $SIG\" -d \"$BODY\"",
		},
		Note: "Sign the exact bytes you send: re-encoding the JSON after signing changes them. With a secret set, " +
			"the webhook needs the signature or the token. To stop a captured body being sent again, also send " +
			"X-Webhook-Timestamp: <Unix seconds> and sign TIMESTAMP.BODY (the timestamp, a dot, the body): bodies more than 5 minutes " +
			"old are refused. The same signature is refused for an hour after it was taken (409).",
	}}, nil
}

// takeSigned handles a signed webhook body once: the same signature again within the
// window is refused with 409, unless the first was not taken.
func (s *server) takeSigned(w http.ResponseWriter, r *http.Request, next http.Handler) {
	sig := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(signature(r)), "sha256="))
	if !s.signed.claim(sig) {
		writeProblem(w, http.StatusConflict, "this signed body was already received in the last hour: refused as a replay "+
			"(send X-Webhook-Timestamp with each body, signed with it, to sign each post apart)")
		return
	}
	ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
	next.ServeHTTP(ww, r)
	if ww.Status() >= 300 {
		s.signed.release(sig)
	}
}
