package embedtext

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"

	"github.com/roms-dev/roms/internal/parser"
)

// Errors of a body that is not a message at all.
var (
	ErrBinaryType = errors.New("body is binary; send the checkout message as text/plain or JSON")
	ErrBadForm    = errors.New("form body could not be read")
)

// Body finds the checkouts in what a webhook received (or a Discord message kept in the
// webhook log), by its declared type and, for bots that label JSON as text, by its look:
// text, a Discord payload or message, a form with payload_json, or an order's JSON fields
// as ROMS V2's senders post them.
func Body(contentType string, body []byte) ([]Checkout, error) {
	found, err := decodeBody(contentType, body)
	if !errors.Is(err, ErrNoContent) {
		return found, err
	}
	if !LooksLikeJSON(body) {
		return nil, fmt.Errorf("%w: not an object", ErrBadJSON)
	}
	// An object with neither content nor embeds is an order as JSON fields. Whether it
	// has an order number is the parser's to say (parser.ErrNotAnOrder).
	return []Checkout{{Object: bytes.TrimSpace(body)}}, nil
}

func decodeBody(contentType string, body []byte) ([]Checkout, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, parser.ErrEmpty
	}
	media, params, _ := mime.ParseMediaType(contentType)
	switch {
	case isBinaryMedia(media):
		return nil, ErrBinaryType
	case media == "multipart/form-data":
		fields, err := multipartFields(body, params["boundary"])
		if err != nil {
			return nil, err
		}
		return decodeForm(fields)
	case media == "application/x-www-form-urlencoded" && LooksLikeJSON(body):
		return Payload(body) // curl -d '{"order_number": ...}' labels JSON as a form
	case media == "application/x-www-form-urlencoded":
		// curl -d @message.txt labels plain text as a form: a form without the fields
		// Discord takes is that text.
		values, err := url.ParseQuery(string(body))
		if err != nil || (!values.Has("payload_json") && !values.Has("content")) {
			return []Checkout{{Text: string(body)}}, nil
		}
		return decodeForm(map[string]string{"payload_json": values.Get("payload_json"), "content": values.Get("content")})
	case media == "application/json" || strings.HasSuffix(media, "+json"):
		return Payload(body)
	case LooksLikeJSON(body):
		return Payload(body)
	}
	return []Checkout{{Text: string(body)}}, nil
}

func isBinaryMedia(media string) bool {
	for _, p := range []string{"image/", "audio/", "video/", "font/"} {
		if strings.HasPrefix(media, p) {
			return true
		}
	}
	switch media {
	case "application/octet-stream", "application/pdf", "application/zip", "application/gzip":
		return true
	}
	return false
}

// decodeForm reads a form body as Discord takes it: payload_json, or a content field.
func decodeForm(fields map[string]string) ([]Checkout, error) {
	if p := fields["payload_json"]; p != "" {
		return Payload([]byte(p))
	}
	if c := fields["content"]; strings.TrimSpace(c) != "" {
		return []Checkout{{Text: c}}, nil
	}
	return nil, ErrNoContent
}

// multipartFields reads the text fields of a multipart body; attached files are skipped.
func multipartFields(body []byte, boundary string) (map[string]string, error) {
	if boundary == "" {
		return nil, ErrBadForm
	}
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	fields := map[string]string{}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			return fields, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadForm, err)
		}
		if part.FileName() == "" {
			value, err := io.ReadAll(part)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrBadForm, err)
			}
			fields[part.FormName()] = string(value)
		}
	}
}
