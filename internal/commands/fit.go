package commands

import (
	"net/url"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// More of Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
const (
	maxEmbeds     = 10
	maxFields     = 25
	maxFieldName  = 256
	maxFooter     = 2048
	maxEmbedTotal = 6000
	maxURL        = 2048
)

// fit holds an answer to what Discord accepts, whatever the handlers put in it: order
// texts come from checkout bots and can be anything. Each text is cut to its own limit,
// fields without a value get a dash, URLs that are not http(s) or are too long are
// dropped, and embeds are shortened from the end until all of a message's embeds hold at
// most 6,000 characters. A message Discord refuses is an answer the user never sees.
func fit(resp *discordgo.InteractionResponse) {
	if resp == nil || resp.Data == nil {
		return
	}
	d := resp.Data
	d.Content = clip(d.Content, maxContent)
	if len(d.Embeds) > maxEmbeds {
		d.Embeds = d.Embeds[:maxEmbeds]
	}
	for _, e := range d.Embeds {
		fitEmbed(e)
	}
	for total := embedsSize(d.Embeds); total > maxEmbedTotal; total = embedsSize(d.Embeds) {
		d.Embeds = shorten(d.Embeds, total-maxEmbedTotal)
	}
	if len(d.Choices) > maxChoices {
		d.Choices = d.Choices[:maxChoices]
	}
	for _, c := range d.Choices {
		c.Name = clip(c.Name, maxChoiceText)
		if c.Name == "" {
			c.Name = "-"
		}
		if v, ok := c.Value.(string); ok {
			c.Value = clip(v, maxChoiceText)
		}
	}
}

func fitEmbed(e *discordgo.MessageEmbed) {
	e.Title = clip(e.Title, maxTitle)
	e.Description = clip(e.Description, maxEmbedText)
	e.URL = linkOrNothing(e.URL, false)
	if len(e.Fields) > maxFields {
		e.Fields = e.Fields[:maxFields]
	}
	for _, f := range e.Fields {
		f.Name, f.Value = orDash(clip(f.Name, maxFieldName)), orDash(clip(f.Value, maxFieldValue))
	}
	if e.Footer != nil {
		e.Footer.Text = clip(e.Footer.Text, maxFooter)
		e.Footer.IconURL = linkOrNothing(e.Footer.IconURL, true)
	}
	if e.Author != nil {
		e.Author.Name = clip(e.Author.Name, maxFieldName)
		e.Author.URL = linkOrNothing(e.Author.URL, false)
		e.Author.IconURL = linkOrNothing(e.Author.IconURL, true)
	}
	if e.Image != nil {
		if e.Image.URL = linkOrNothing(e.Image.URL, true); e.Image.URL == "" {
			e.Image = nil
		}
	}
	if e.Thumbnail != nil {
		if e.Thumbnail.URL = linkOrNothing(e.Thumbnail.URL, true); e.Thumbnail.URL == "" {
			e.Thumbnail = nil
		}
	}
}

// linkOrNothing keeps a URL Discord takes in an embed: http(s), or attachment:// for an
// image, at most 2,048 characters.
func linkOrNothing(v string, image bool) string {
	if v == "" || len(v) > maxURL {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil {
		return ""
	}
	if (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" || image && u.Scheme == "attachment" {
		return v
	}
	return ""
}

// embedsSize counts the characters Discord adds up toward the 6,000 of a message.
func embedsSize(embeds []*discordgo.MessageEmbed) int {
	n := 0
	for _, e := range embeds {
		n += utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
		for _, f := range e.Fields {
			n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
		}
		if e.Footer != nil {
			n += utf8.RuneCountInString(e.Footer.Text)
		}
		if e.Author != nil {
			n += utf8.RuneCountInString(e.Author.Name)
		}
	}
	return n
}

// shorten takes about over characters off the last embed that has any to give: its last
// field first, then its description; an embed with nothing left to shorten goes.
func shorten(embeds []*discordgo.MessageEmbed, over int) []*discordgo.MessageEmbed {
	for i := len(embeds) - 1; i >= 0; i-- {
		e := embeds[i]
		if n := len(e.Fields); n > 0 {
			f := e.Fields[n-1]
			if keep := utf8.RuneCountInString(f.Value) - over; keep >= 20 {
				f.Value = clip(f.Value, keep)
			} else {
				e.Fields = e.Fields[:n-1]
			}
			return embeds
		}
		if keep := utf8.RuneCountInString(e.Description) - over; keep >= 20 {
			e.Description = clip(e.Description, keep)
			return embeds
		}
		if e.Description != "" {
			e.Description = ""
			return embeds
		}
	}
	// Only titles, footers and author names are left: the last embed goes.
	return embeds[:len(embeds)-1]
}
