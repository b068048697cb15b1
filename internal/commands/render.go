package commands

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/order"
)

// Embed colours: green for a checkout that went through, red for one that did not.
const (
	colorInfo = 0x5865F2
	colorGood = 0x57F287
	colorBad  = 0xED4245
	colorWait = 0xFEE75C
)

func statusColor(status string) int {
	switch status {
	case order.StatusDeclined, order.StatusCancelled, order.StatusRefunded, order.StatusReturned:
		return colorBad
	case order.StatusReviewHold, order.StatusPending, order.StatusProcessing, order.StatusUnverified:
		return colorWait
	}
	return colorGood
}

// historyShown is how many of an order's latest events /order shows.
const historyShown = 5

// orderEmbed shows one order: what a reseller checks after a drop first, then its
// latest history.
func orderEmbed(loc *time.Location, o *order.Order, events []order.Event) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{
		Title:       clip("Order "+o.OrderNumber, maxTitle),
		Description: clip(o.Product, maxEmbedText),
		Color:       statusColor(o.Status),
		URL:         o.ShareLink,
	}
	if o.ImageURL != "" {
		e.Thumbnail = &discordgo.MessageEmbedThumbnail{URL: o.ImageURL}
	}
	add := func(name, value string, inline bool) {
		if value != "" {
			e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: name, Value: clip(value, maxFieldValue), Inline: inline})
		}
	}
	add("Status", orDash(o.Status), true)
	add("Store", o.Store, true)
	add("Ordered", o.OrderDate.In(loc).Format("Jan 2, 2006 15:04"), true)
	add("Price", amount(o.Price, o.Currency), true)
	add("Total", amount(o.Total, o.Currency), true)
	add("Quantity", fmt.Sprintf("%d ordered, %d received", o.Quantity, o.QtyReceived), true)
	add("Profile", o.Profile, true)
	add("Email", o.Email, true)
	add("Commission", amount(o.Commission, o.Currency), true)
	add("Items", itemsText(*o), false)
	add("Tracking", strings.Join(o.TrackingNumbers, "\n"), false)
	add("Reference #", o.ReferenceNumber, true)
	if o.PostedDate != nil {
		add("Posted", o.PostedDate.In(loc).Format("Jan 2, 2006"), true)
	}
	add("Notes", o.Notes, false)
	if o.DeletedAt != nil {
		add("Deleted", "This order is deleted: it is left out of lists and totals.", false)
	}
	add("History", historyText(events, loc), false)
	return e
}

// itemsText is a cart's products, one a line: "2 × Booster Bundle @ 26.94".
func itemsText(o order.Order) string {
	var lines []string
	for _, it := range o.Items {
		line := fmt.Sprintf("%d × %s", it.Quantity, it.Product)
		if it.Price != nil {
			line += " @ " + amount(it.Price, o.Currency)
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// historyText is the latest events, one a line: when, what, who, which fields.
func historyText(events []order.Event, loc *time.Location) string {
	var lines []string
	for _, ev := range events[max(0, len(events)-historyShown):] {
		var fields []string
		for _, c := range ev.Changes {
			fields = append(fields, c.Field)
		}
		line := fmt.Sprintf("%s %s by %s", ev.At.In(loc).Format("Jan 2 15:04"), ev.Type, actorText(ev.Actor))
		if ev.Type == order.EventUpdated && len(fields) > 0 {
			line += ": " + strings.Join(fields, ", ")
		}
		lines = append(lines, clip(line, 200))
	}
	if skipped := len(events) - historyShown; skipped > 0 {
		lines = append([]string{fmt.Sprintf("(%d earlier)", skipped)}, lines...)
	}
	return strings.Join(lines, "\n")
}

// actorText shows a Discord user as a mention (which does not ping in an embed), and
// other actors as they are.
func actorText(actor string) string {
	if id, ok := strings.CutPrefix(actor, "discord-user:"); ok {
		return "<@" + id + ">"
	}
	if actor == "" {
		return "ROMS"
	}
	return actor
}

func amount(m *order.Money, currency string) string {
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m.String() + " " + currency)
}

// orDash stands in for a value with nothing to show: Discord trims white space and then
// refuses an empty embed field.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func percent(v float64) string {
	return strconv.FormatFloat(100*v, 'f', 1, 64) + "%"
}
