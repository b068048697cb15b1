package embedtext

import (
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/parser"
)

// oneCart merges the embeds of one message that are one cart, as some bots post a cart:
// one embed per item, and the order's number on one of them (or the same number on all).
// Embeds with different order numbers stay separate checkouts, as a bot that posts
// several successes in one message means them; so does a message whose embeds carry no
// order number at all.
func oneCart(embeds []*discordgo.MessageEmbed) []*discordgo.MessageEmbed {
	if len(embeds) < 2 {
		return embeds
	}
	lead, number := -1, ""
	for i, e := range embeds {
		n := orderNumberOf(e)
		switch {
		case n == "":
		case number == "":
			lead, number = i, n
		case n != number:
			return embeds // several orders
		}
	}
	if lead < 0 {
		return embeds
	}
	merged := *embeds[lead]
	merged.Fields = nil
	item := 0
	for _, e := range embeds {
		numbered := hasProduct(e)
		if numbered {
			item++
		}
		for _, f := range e.Fields {
			if f == nil {
				continue
			}
			field := parser.LabelField(f.Name)
			if e != embeds[lead] && field == "order_number" {
				continue // the same number again
			}
			name := f.Name
			if label, ok := itemLabels[field]; ok && numbered {
				name = fmt.Sprintf("%s (%d)", label, item) // a cart's line, as the parser reads it
			}
			merged.Fields = append(merged.Fields, &discordgo.MessageEmbedField{Name: name, Value: f.Value})
		}
		if merged.Image == nil && merged.Thumbnail == nil {
			merged.Image, merged.Thumbnail = e.Image, e.Thumbnail
		}
	}
	return []*discordgo.MessageEmbed{&merged}
}

// orderNumberOf is the value of an embed's order-number field, or "".
func orderNumberOf(e *discordgo.MessageEmbed) string {
	if e == nil {
		return ""
	}
	for _, f := range e.Fields {
		if f != nil && parser.LabelField(f.Name) == "order_number" {
			if v := strings.TrimSpace(strings.Trim(f.Value, "|*`# ")); v != "" {
				return v
			}
		}
	}
	return ""
}

func hasProduct(e *discordgo.MessageEmbed) bool {
	if e == nil {
		return false
	}
	for _, f := range e.Fields {
		if f != nil && parser.LabelField(f.Name) == "product" {
			return true
		}
	}
	return false
}

// itemLabels are the fields a cart numbers per item, with the label the parser reads
// numbered: "Product (2)".
var itemLabels = map[string]string{"product": "Product", "price": "Price", "quantity": "Quantity"}
