// Package embedtext turns Discord messages and embeds into the shared label/value text
// format, so that an embed read from the gateway and one posted to the webhook reach the
// parser as the same text.
package embedtext

import (
	"strings"
	"time"
	"unicode"

	"github.com/bwmarrin/discordgo"
)

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

// Message gives the texts of one Discord message: one per embed, each a checkout of its
// own, or the plain content when the message has no embed.
func Message(content string, embeds []*discordgo.MessageEmbed) []string {
	var texts []string
	for _, e := range embeds {
		if e == nil {
			continue
		}
		if t := Embed(e); strings.TrimSpace(t) != "" {
			texts = append(texts, t)
		}
	}
	if len(texts) == 0 && strings.TrimSpace(content) != "" {
		texts = append(texts, content)
	}
	return texts
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
