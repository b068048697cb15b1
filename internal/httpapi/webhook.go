package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roms-dev/roms/internal/embedtext"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
	"github.com/roms-dev/roms/internal/parser"
)

// MaxBody is the largest webhook body accepted. A checkout message is about 1 KiB.
const MaxBody = 1 << 20

// maxEmbeds is the most checkouts one request may carry: a Discord message holds at most
// 10 embeds, and no sender needs more.
const maxEmbeds = 10

const webhookDoc = "Send one checkout message in the shared label/value text format (`text/plain`), " +
	"as JSON `{\"content\": \"...\"}`, as a Discord webhook payload `{\"content\": ..., \"embeds\": [...]}`, " +
	"or as the JSON fields of an order, as ROMS V2 takes them (`{\"order_number\": ..., \"product\": ..., \"price\": ...}`; " +
	"V2's other names such as product_name, unit_price, qty and customer_email work too; unknown keys are kept as extra fields). " +
	"Refract can be given this URL in place of a Discord webhook URL; each embed is one checkout. " +
	"With http.webhook_secret set, a request signed with `X-Webhook-Signature: <hex HMAC-SHA256 of the body>` (or `sha256=<hex>`) " +
	"needs no token. A message for a known order number updates that order. A readable message without an order number " +
	"(a test ping) is answered 200 with action `ignored`. Every input is kept in the webhook log."

// Errors of a body that is not a message at all.
var (
	errTooLarge     = fmt.Errorf("body is larger than %d bytes", MaxBody)
	errReadBody     = errors.New("the body stopped arriving (the client was too slow or went away); what arrived is kept in the webhook log, marked incomplete")
	errTooManyItems = fmt.Errorf("the body carries more than %d checkouts (embeds); a Discord message holds at most %d: send them in several requests", maxEmbeds, maxEmbeds)
)

type webhookInput struct {
	ContentType string `header:"Content-Type"`
	Token       string `query:"token" doc:"The http.token, for bots that can only be given a URL"`
	body        []byte
	readErr     error
}

// Resolve reads the body itself, so an oversize body is logged and answered by us rather
// than cut off by the framework before anything is kept.
func (in *webhookInput) Resolve(ctx huma.Context) []error {
	in.body, in.readErr = io.ReadAll(io.LimitReader(ctx.BodyReader(), MaxBody+1))
	return nil
}

// WebhookResult is what became of one checkout of a webhook call.
type WebhookResult struct {
	Action      string       `json:"action" enum:"created,updated,unchanged,ignored"`
	OrderID     uint64       `json:"order_id,omitempty"`
	OrderNumber string       `json:"order_number,omitempty"`
	Message     string       `json:"message"`
	Warnings    []string     `json:"warnings,omitempty" doc:"Values that could not be read; they are kept as extra fields"`
	Order       *order.Order `json:"order,omitempty" doc:"The order as stored"`
}

// WebhookReply answers a webhook call. Its top-level fields describe the first checkout;
// results lists every checkout when a payload carried several embeds.
type WebhookReply struct {
	Success bool `json:"success"`
	WebhookResult
	Results []WebhookResult `json:"results,omitempty"`
}

func (h *messageRoutes) receiveWebhook(ctx context.Context, in *webhookInput) (*struct{ Body WebhookReply }, error) {
	base := orders.Input{Origin: order.Origin{Source: order.SourceHTTP}, Raw: string(in.body), ContentType: in.ContentType, ReceivedAt: time.Now(),
		Endpoint: pathWebhook, Method: http.MethodPost, StatusCode: http.StatusOK}
	checkouts, err := decodeWebhook(in.ContentType, in.body, in.readErr)
	if err != nil {
		base.StatusCode = statusOf(webhookError(err))
		return nil, webhookError(h.msgs.Reject(ctx, base, err))
	}
	var results []WebhookResult
	for i, c := range checkouts {
		input := base
		input.Text, input.OccurredAt, input.Embed, input.Object = c.Text, c.At, c.Embed, c.Object
		input.Origin.Poster = c.Poster
		if i > 0 {
			// The raw body is kept once, with the first checkout; each other entry keeps
			// its own checkout, so a body of many embeds is not stored many times.
			input.Raw = c.Text
		}
		res, err := h.msgs.Ingest(ctx, input)
		if err != nil {
			return nil, webhookError(err)
		}
		results = append(results, webhookResult(res))
	}
	reply := WebhookReply{Success: true, WebhookResult: results[0]}
	if len(results) > 1 {
		reply.Results = results
	}
	return &struct{ Body WebhookReply }{reply}, nil
}

func webhookResult(res orders.Ingested) WebhookResult {
	r := WebhookResult{Action: res.Outcome, Warnings: res.Warnings}
	if res.Outcome == order.OutcomeIgnored {
		r.Message = "Ignored: " + res.Reason
		return r
	}
	o := res.Order
	r.OrderID, r.OrderNumber, r.Order = o.ID, o.OrderNumber, &o
	r.Message = map[string]string{
		order.OutcomeCreated:   "Order received and processed successfully",
		order.OutcomeUpdated:   fmt.Sprintf("Order updated (%d fields changed)", len(res.Changes)),
		order.OutcomeUnchanged: "Order already stored; nothing changed",
	}[res.Outcome]
	return r
}

// webhookError turns an ingest error into the HTTP error that says what is wrong.
func webhookError(err error) error {
	switch {
	case errors.Is(err, errTooLarge), errors.Is(err, errTooManyItems):
		return huma.Error413RequestEntityTooLarge(err.Error())
	case errors.Is(err, embedtext.ErrBinaryType), errors.Is(err, parser.ErrBinary):
		return huma.Error415UnsupportedMediaType(err.Error())
	case errors.Is(err, parser.ErrEmpty):
		return huma.Error400BadRequest("body is empty: send the checkout message")
	case errors.Is(err, parser.ErrNotUTF8), errors.Is(err, embedtext.ErrBadJSON), errors.Is(err, embedtext.ErrNoContent),
		errors.Is(err, parser.ErrNotAnOrder),
		errors.Is(err, embedtext.ErrBadForm), errors.Is(err, errReadBody):
		return huma.Error400BadRequest(err.Error())
	}
	return huma.Error500InternalServerError("could not store the order; the input is in the webhook log", err)
}

// statusOf is the HTTP status of an error the API answers with.
func statusOf(err error) int {
	var se huma.StatusError
	if errors.As(err, &se) {
		return se.GetStatus()
	}
	return http.StatusInternalServerError
}

// decodeWebhook finds the checkouts of a webhook body. readErr is how reading the body
// ended.
func decodeWebhook(contentType string, body []byte, readErr error) ([]embedtext.Checkout, error) {
	switch {
	case readErr != nil:
		return nil, fmt.Errorf("%w (incomplete after %d bytes: %v)", errReadBody, len(body), readErr)
	case len(body) > MaxBody:
		return nil, errTooLarge
	}
	checkouts, err := embedtext.Body(contentType, body)
	if len(checkouts) > maxEmbeds {
		return nil, errTooManyItems
	}
	return checkouts, err
}

func webhookRequestBody() *huma.RequestBody {
	return &huma.RequestBody{
		Description: "One checkout message (at most 1 MiB).",
		Required:    true,
		Content: map[string]*huma.MediaType{
			"text/plain": {
				Schema:  &huma.Schema{Type: "string"},
				Example: "Successful Checkout | Best Buy US\nProduct\nSTARLINK - Mini Kit\nPrice\n$299.99\nOrder Number\n#BBY01-807102506907\nEmail\nyou@example.com\n",
			},
			"application/json": {
				Schema: &huma.Schema{
					Type: "object",
					Properties: map[string]*huma.Schema{
						"content": {Type: "string", Description: "A message in the text format"},
						"embeds":  {Type: "array", Description: "Discord embeds; each is one checkout", Items: &huma.Schema{Type: "object"}},
					},
				},
			},
		},
	}
}
