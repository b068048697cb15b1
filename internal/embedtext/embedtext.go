// Package embedtext turns Discord messages and embeds into the shared label/value text
// format, so that an embed read from the gateway and one posted to the webhook reach the
// parser as the same text.
package embedtext

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/parser"
)

// Errors of a JSON body that holds no message.
var (
	ErrBadJSON   = errors.New("body is not valid JSON")
	ErrNoContent = errors.New(`JSON body has neither "content" nor "embeds"`)
)

// Checkout is one message to read, and when its source says it happened (zero when it
// does not say). Text is the message in the shared text format, what the log and the
// duplicate check keep; an embed is also given as its structure, which the parser reads
// instead of the text, and an order given as JSON fields only as that object.
type Checkout struct {
	Text   string
	At     time.Time
	Embed  *parser.Embed
	Object []byte
	// Poster is the name a Discord-style body posts under ("username"), or "".
	Poster string
}

// Read reads the checkout with r: its embed, its JSON object or its text. Dates of a JSON
// object that carry no zone are in loc; the time it gives replaces At.
func (c Checkout) Read(r *parser.Reader, loc *time.Location) (parser.Message, time.Time, error) {
	switch {
	case c.Embed != nil:
		msg, err := r.ParseEmbed(*c.Embed)
		return msg, c.At, err
	case c.Object != nil:
		msg, at, err := r.Structured(c.Object, loc)
		if at.IsZero() {
			at = c.At
		}
		return msg, at, err
	}
	msg, err := r.Parse(c.Text)
	return msg, c.At, err
}

// payload is what Discord's "execute webhook" call and a message object have in common.
type payload struct {
	Content  string                    `json:"content"`
	Embeds   []*discordgo.MessageEmbed `json:"embeds"`
	Username string                    `json:"username"`
	Author   *discordgo.User           `json:"author"` // a message object
}

// Payload reads a Discord webhook payload or message object: one checkout per embed, or
// the content when there is no embed.
func Payload(body []byte) ([]Checkout, error) {
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJSON, err)
	}
	out := Checkouts(p.Content, p.Embeds)
	if len(out) == 0 {
		return nil, ErrNoContent
	}
	poster := p.Username
	if poster == "" && p.Author != nil {
		poster = p.Author.Username
	}
	for i := range out {
		out[i].Poster = poster
	}
	return out, nil
}

// LooksLikeJSON tells a JSON object from a text message, for senders that label JSON as
// text.
func LooksLikeJSON(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// Embed writes one embed as text: the title (or the author's name) as the header, the
// description lines, each field as its name and value lines, and the image or thumbnail
// URL as an Image field. A field with a blank name (a zero-width spacer) gives only its
// value, which the parser recognises when it is a link like "[Track Order](...)".
func Embed(e *discordgo.MessageEmbed) string {
	var b strings.Builder
	header := e.Title
	if header == "" && e.Author != nil {
		header = e.Author.Name
	}
	writeLines(&b, header)
	writeLines(&b, e.Description)
	for _, f := range e.Fields {
		if f == nil {
			continue
		}
		writeLines(&b, f.Name)
		writeLines(&b, f.Value)
	}
	if url := imageURL(e); url != "" {
		writeLines(&b, "Image")
		writeLines(&b, url)
	}
	return b.String()
}

// Checkouts gives the messages of one Discord message: one per embed, each a checkout
// of its own (or one for the embeds of a cart, see oneCart), or the plain content when
// the message has no embed.
func Checkouts(content string, embeds []*discordgo.MessageEmbed) []Checkout {
	var out []Checkout
	for _, e := range oneCart(embeds) {
		if e == nil {
			continue
		}
		if text := Embed(e); text != "" {
			out = append(out, Checkout{Text: text, At: Timestamp(e), Embed: Structure(e)})
		}
	}
	if len(out) == 0 && strings.TrimSpace(content) != "" {
		out = append(out, Checkout{Text: content})
	}
	return out
}

// Structure is an embed as the parser reads it.
func Structure(e *discordgo.MessageEmbed) *parser.Embed {
	out := &parser.Embed{Title: e.Title, Description: e.Description, Image: imageURL(e)}
	if e.Author != nil {
		out.Author = e.Author.Name
	}
	for _, f := range e.Fields {
		if f != nil {
			out.Fields = append(out.Fields, parser.EmbedField{Name: f.Name, Value: f.Value})
		}
	}
	return out
}

// Timestamp is when an embed says its event happened, or the zero time.
func Timestamp(e *discordgo.MessageEmbed) time.Time {
	if e == nil || e.Timestamp == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, e.Timestamp)
	if err != nil {
		return time.Time{}
	}
	return t
}

func imageURL(e *discordgo.MessageEmbed) string {
	if e.Image != nil && e.Image.URL != "" {
		return e.Image.URL
	}
	if e.Thumbnail != nil {
		return e.Thumbnail.URL
	}
	return ""
}

func writeLines(b *strings.Builder, s string) {
	for line := range strings.Lines(s) {
		if line = strings.TrimFunc(line, isBlank); line != "" {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
}

// isBlank is white space or a zero-width spacer, which Discord users put in field names
// that should show nothing.
func isBlank(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200B' || r == '\u200C' || r == '\u200D' || r == '\u2060' || r == '\uFEFF'
}
