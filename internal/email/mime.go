// Package email reads the emails retailers send after a checkout (order confirmed,
// shipped, out for delivery, delivered, cancelled, refunded, returned) into what they say
// about an order: its number, its new status, its tracking numbers by carrier. It knows
// MIME (multipart, quoted-printable, base64, other charsets, HTML-only mail, forwarded
// mail) and the words of English, French, German, Spanish and Italian retailers. It
// reads only: what to do with a reading is the orders service's business.
package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// Message is an email as its reader sees it: who sent it, when, about what, and its text.
// A forwarded email is the email that was forwarded: its sender, date and subject.
type Message struct {
	ID      string // the Message-ID, or a digest of the email when it has none
	From    string // the sender's address, lower case
	Subject string
	Date    time.Time
	// Text is the body as text: the plain part, or the HTML part as text without its
	// scripts and styles. Links are the HTML part's links (carriers' tracking pages).
	Text  string
	Links []string
}

// maxPart bounds what one part of an email is read to: retailers' emails are tens of
// kilobytes; a huge attachment is skipped, not read into memory.
const maxPart = 2 << 20

// Parse reads an email as it came from the server (RFC 5322).
func Parse(raw []byte) (Message, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, fmt.Errorf("read email: %w", err)
	}
	msg := Message{ID: strings.Trim(m.Header.Get("Message-Id"), "<> "), Subject: decodeHeader(m.Header.Get("Subject")),
		From: address(m.Header.Get("From"))}
	if msg.ID == "" {
		msg.ID = Digest(raw)
	}
	msg.Date, _ = mail.ParseDate(m.Header.Get("Date"))
	var plain, html strings.Builder
	var forwarded *Message
	if err := walk(m.Header, m.Body, &plain, &html, &forwarded, 0); err != nil {
		return Message{}, err
	}
	msg.Text = plain.String()
	if strings.TrimSpace(msg.Text) == "" || strings.Count(html.String(), "<") > 0 && len(strings.TrimSpace(msg.Text)) < 40 {
		msg.Text, msg.Links = htmlText(html.String())
	} else if html.Len() > 0 {
		_, msg.Links = htmlText(html.String())
	}
	if forwarded != nil { // an attached email (message/rfc822) is the one that counts
		forwarded.ID = msg.ID
		return *forwarded, nil
	}
	if inner, ok := inlineForward(msg); ok {
		return inner, nil
	}
	return msg, nil
}

// header is what a part's reading needs of its MIME header (mail.Header, textproto's).
type header interface{ Get(string) string }

// walk reads one MIME part (and its parts) into the plain and HTML texts.
func walk(h header, body io.Reader, plain, html *strings.Builder, forwarded **Message, depth int) error {
	if depth > 8 {
		return nil // nested past any real email
	}
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextRawPart() // raw: the transfer encoding is decoded here, once
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return nil // a broken last part: keep what was read
			}
			if err := walk(p.Header, p, plain, html, forwarded, depth+1); err != nil {
				return err
			}
		}
	}
	if disposition, _, _ := mime.ParseMediaType(h.Get("Content-Disposition")); disposition == "attachment" && mediaType != "message/rfc822" {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(decodeTransfer(h.Get("Content-Transfer-Encoding"), body), maxPart))
	if err != nil {
		return nil // an encoding error: the part is unreadable, the rest may not be
	}
	switch mediaType {
	case "message/rfc822":
		if *forwarded == nil {
			if inner, err := Parse(data); err == nil {
				*forwarded = &inner
			}
		}
	case "text/plain":
		plain.WriteString(toUTF8(data, params["charset"]) + "\n")
	case "text/html":
		html.WriteString(toUTF8(data, params["charset"]) + "\n")
	}
	return nil
}

func decodeTransfer(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64": // the decoder skips the line breaks
		return base64.NewDecoder(base64.StdEncoding, r)
	}
	return r
}

// Digest names an email by its content: its ID when it has no Message-ID, and what tells
// two versions of an email apart.
func Digest(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:12])
}

// toUTF8 is text in charset as UTF-8; an unknown charset is taken as it is.
func toUTF8(b []byte, charset string) string {
	charset = strings.ToLower(strings.TrimSpace(charset))
	if charset == "" || charset == "utf-8" || charset == "us-ascii" {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil || !utf8.Valid(out) {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

var wordDecoder = &mime.WordDecoder{CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, err
	}
	return enc.NewDecoder().Reader(input), nil
}}

// decodeHeader is a header's text with its encoded words (=?ISO-8859-1?Q?...?=) decoded.
func decodeHeader(s string) string {
	if out, err := wordDecoder.DecodeHeader(s); err == nil {
		return out
	}
	return s
}

// address is the address of a From header, lower case.
func address(from string) string {
	if a, err := (&mail.AddressParser{WordDecoder: wordDecoder}).Parse(from); err == nil {
		return strings.ToLower(a.Address)
	}
	if m := looseAddress.FindString(from); m != "" {
		return strings.ToLower(m)
	}
	return ""
}

var looseAddress = regexp.MustCompile(`[\w.+-]+@[\w.-]+\.[a-zA-Z]{2,}`)

// forwardMarker starts the forwarded email inside a forward's text, as mail programs
// write it (Gmail, Outlook, Apple Mail, in the languages read here).
var forwardMarker = regexp.MustCompile(`(?im)^[ >]*(-{2,} ?(forwarded message|original message|message transféré|message d'origine|weitergeleitete nachricht|ursprüngliche nachricht|mensaje reenviado|mensaje original|messaggio inoltrato|messaggio originale) ?-{2,}|begin forwarded message:|début du message réexpédié\s*:)`)

// inlineForward reads a forward whose forwarded email is in its text: its From, Date and
// Subject lines, and the text after them.
func inlineForward(m Message) (Message, bool) {
	loc := forwardMarker.FindStringIndex(m.Text)
	if loc == nil {
		return Message{}, false
	}
	inner := Message{ID: m.ID, Date: m.Date, Subject: m.Subject, Links: m.Links}
	rest := m.Text[loc[1]:]
	lines := strings.Split(rest, "\n")
	body := 0
	for i, line := range lines {
		line = strings.TrimLeft(line, "> ")
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			if strings.TrimSpace(line) == "" && i > 0 && inner.From != "" {
				body = i + 1
				break
			}
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "from", "de", "von", "da":
			inner.From = address(value)
		case "subject", "objet", "betreff", "asunto", "oggetto":
			inner.Subject = value
		case "date", "datum", "fecha", "data", "sent", "envoyé", "gesendet", "enviado", "inviato":
			if t, err := mail.ParseDate(value); err == nil {
				inner.Date = t
			}
		}
		if i > 12 {
			break
		}
	}
	if inner.From == "" {
		return Message{}, false
	}
	inner.Text = strings.Join(lines[body:], "\n")
	return inner, true
}
