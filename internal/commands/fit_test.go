package commands

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// TestFitHoldsAnyAnswerToDiscordsLimits builds answers over every limit and checks what
// fit leaves of them.
func TestFitHoldsAnyAnswerToDiscordsLimits(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 5000)
	embed := func() *discordgo.MessageEmbed {
		e := &discordgo.MessageEmbed{Title: long, Description: long, URL: "not a url",
			Footer:    &discordgo.MessageEmbedFooter{Text: long, IconURL: "ftp://x"},
			Author:    &discordgo.MessageEmbedAuthor{Name: long, URL: "https://example.com/" + strings.Repeat("p", 2100)},
			Image:     &discordgo.MessageEmbedImage{URL: "attachment://a.png"},
			Thumbnail: &discordgo.MessageEmbedThumbnail{URL: "javascript:alert(1)"}}
		for range 30 {
			e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: long, Value: long}, &discordgo.MessageEmbedField{Name: "", Value: " \n "})
		}
		return e
	}
	var embeds []*discordgo.MessageEmbed
	for range 12 {
		embeds = append(embeds, embed())
	}
	var choices []*discordgo.ApplicationCommandOptionChoice
	for range 30 {
		choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: long, Value: long})
	}
	resp := &discordgo.InteractionResponse{Type: 4, Data: &discordgo.InteractionResponseData{Content: long, Embeds: embeds, Choices: choices}}
	fit(resp)
	d := resp.Data
	n := utf8.RuneCountInString
	if n(d.Content) > maxContent || len(d.Embeds) > maxEmbeds || len(d.Embeds) == 0 || embedsSize(d.Embeds) > maxEmbedTotal || len(d.Choices) > maxChoices {
		t.Fatalf("content %d, %d embeds of %d characters, %d choices", n(d.Content), len(d.Embeds), embedsSize(d.Embeds), len(d.Choices))
	}
	for _, e := range d.Embeds {
		if n(e.Title) > maxTitle || n(e.Description) > maxEmbedText || len(e.Fields) > maxFields || e.URL != "" ||
			e.Thumbnail != nil || e.Image == nil || e.Footer.IconURL != "" || e.Author.URL != "" {
			t.Errorf("embed %q… %d fields, url %q", e.Title[:10], len(e.Fields), e.URL)
		}
		for _, f := range e.Fields {
			if strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Value) == "" || n(f.Name) > maxFieldName || n(f.Value) > maxFieldValue {
				t.Errorf("field of %d/%d characters", n(f.Name), n(f.Value))
			}
		}
	}
	for _, c := range d.Choices {
		if n(c.Name) > maxChoiceText || n(c.Value.(string)) > maxChoiceText {
			t.Errorf("choice of %d characters", n(c.Name))
		}
	}
}

// TestFitFillsFieldsDiscordWouldFindEmpty: Discord trims a field before it checks that it
// is not empty.
func TestFitFillsFieldsDiscordWouldFindEmpty(t *testing.T) {
	t.Parallel()
	resp := &discordgo.InteractionResponse{Type: 4, Data: &discordgo.InteractionResponseData{Embeds: []*discordgo.MessageEmbed{{
		Fields: []*discordgo.MessageEmbedField{{Name: " ", Value: "\n \t"}, {Name: "Price", Value: "$1"}}}}}}
	fit(resp)
	if f := resp.Data.Embeds[0].Fields; f[0].Name != "-" || f[0].Value != "-" || f[1].Value != "$1" {
		t.Errorf("fields %+v %+v", f[0], f[1])
	}
}
