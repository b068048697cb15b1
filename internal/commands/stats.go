package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// maxGroupLines keeps the per-group table of /stats readable on a phone.
const maxGroupLines = 15

// showStats is /stats: totals for a period (this month unless told), and per group when
// asked.
func showStats(svc Orders) handler {
	return func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error) {
		from, to := in.String("since"), in.String("until")
		when := describeDays(from, to)
		if from == "" && to == "" {
			period := in.String("period")
			if period == "" {
				period = "month"
			}
			from, to, when = periodDays(period)
		}
		f, err := svc.Filter(orders.FilterText{From: from, To: to})
		if err != nil {
			return nil, err
		}
		st, err := svc.Stats(ctx, f, in.String("by"))
		if err != nil {
			return nil, err
		}
		return &discordgo.InteractionResponseData{Embeds: []*discordgo.MessageEmbed{statsEmbed(st, when)}}, nil
	}
}

// periodDays turns a period choice into the days it covers and its name.
func periodDays(period string) (from, to, name string) {
	switch period {
	case "today", "yesterday":
		return period, period, period
	case "week":
		return "week", "", "this week"
	case "all":
		return "", "", "all time"
	}
	return "month", "", "this month"
}

func describeDays(from, to string) string {
	switch {
	case to == "":
		return "since " + from
	case from == "":
		return "until " + to
	}
	return from + " to " + to
}

func statsEmbed(st orders.Stats, when string) *discordgo.MessageEmbed {
	t := st.Overall
	e := &discordgo.MessageEmbed{Title: "Totals: " + when, Color: colorInfo,
		Footer: &discordgo.MessageEmbedFooter{Text: "Days in " + st.TimeZone + ". Spend leaves out declined, cancelled and refunded orders."}}
	spend, average, commission := money(t.Money)
	e.Fields = []*discordgo.MessageEmbedField{
		{Name: "Checkouts", Value: fmt.Sprint(t.Checkouts), Inline: true},
		{Name: "Units", Value: fmt.Sprint(t.Units), Inline: true},
		{Name: "Spend", Value: spend, Inline: true},
		{Name: "Average order", Value: average, Inline: true},
		{Name: "Commission", Value: commission, Inline: true},
		{Name: "Cancel rate", Value: fmt.Sprintf("%s (%d cancelled, %d declined)", percent(t.CancelRate), t.Cancelled, t.Declined), Inline: true},
		{Name: "With tracking", Value: fmt.Sprint(t.WithTracking), Inline: true},
		{Name: "Units received", Value: fmt.Sprint(t.UnitsReceived), Inline: true},
	}
	if len(st.Groups) > 0 {
		e.Description = groupTable(st)
	}
	return e
}

// groupTable is the per-group figures as a monospaced table, the largest groups first.
func groupTable(st orders.Stats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "```\n%-18s %5s %12s %6s\n", strings.ToUpper(st.GroupBy), "ORD", "SPEND", "CXL")
	for i, g := range st.Groups {
		if i == maxGroupLines {
			fmt.Fprintf(&b, "… and %d more\n", len(st.Groups)-i)
			break
		}
		spend, _, _ := money(g.Money)
		fmt.Fprintf(&b, "%-18s %5d %12s %6s\n", clip(orDash(g.Group), 18), g.Checkouts, clip(spend, 12), percent(g.CancelRate))
	}
	b.WriteString("```")
	return clip(b.String(), maxEmbedText)
}

// money shows each currency's figures: "299.99 USD" or "299.99 USD, 12.50 EUR".
func money(totals []order.CurrencyTotals) (spend, average, commission string) {
	var s, a, c []string
	for _, m := range totals {
		s = append(s, amount(&m.Spend, m.Currency))
		a = append(a, amount(&m.Average, m.Currency))
		c = append(c, amount(&m.Commission, m.Currency))
	}
	return orDash(strings.Join(s, ", ")), orDash(strings.Join(a, ", ")), orDash(strings.Join(c, ", "))
}
