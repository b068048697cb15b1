package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// pageSize is how many orders a page of /orders shows: ten lines read well on a phone.
const pageSize = 10

// showOrder is /order: one order's fields and its recent history.
func showOrder(svc Orders) handler {
	return func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error) {
		number := in.String("number")
		o, err := svc.Get(ctx, number)
		if errors.Is(err, order.ErrNotFound) {
			return nil, fmt.Errorf("no order with number %s", number)
		}
		if err != nil {
			return nil, err
		}
		events, err := svc.Events(ctx, number)
		if err != nil {
			return nil, err
		}
		return &discordgo.InteractionResponseData{Embeds: []*discordgo.MessageEmbed{orderEmbed(svc.Location(), &o, events)}}, nil
	}
}

// autocomplete offers order numbers that start with what has been typed, newest first.
func (r *Router) autocomplete(ctx context.Context, in *Interaction) *discordgo.InteractionResponse {
	result := &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{}}}
	c, ok := r.commands[in.Name]
	if !ok || in.focused != "number" || r.allowed(in, c.write) != nil {
		return result
	}
	numbers, err := r.orders.Numbers(ctx, in.String("number"), maxChoices)
	if err != nil {
		return result
	}
	for _, n := range numbers {
		if len(n) <= maxChoiceText {
			result.Data.Choices = append(result.Data.Choices, &discordgo.ApplicationCommandOptionChoice{Name: n, Value: n})
		}
	}
	return result
}

// listOrders is /orders: the first page of the orders a filter selects, with buttons.
func listOrders(l *lists) handler {
	return func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error) {
		f, err := filterOf(l.orders, in)
		if err != nil {
			return nil, err
		}
		f.Limit = pageSize
		return l.page(ctx, l.pages.add(f, l.now()), 0)
	}
}

// filterOf reads the filter options of /orders and /export (filterOptions).
func filterOf(svc Orders, in *Interaction) (order.Filter, error) {
	return svc.Filter(orders.FilterText{Status: in.String("status"), Store: in.String("store"),
		Profile: in.String("profile"), Email: in.String("email"), Query: in.String("text"),
		From: in.String("since"), To: in.String("until")})
}

// page renders page n of a listing kept in l.pages.
func (l *lists) page(ctx context.Context, id string, n int) (*discordgo.InteractionResponseData, error) {
	f, cursor, ok := l.pages.at(id, n, l.now())
	if !ok {
		return nil, errors.New("this list has expired (lists last an hour, and not across a restart of ROMS): run /orders again")
	}
	f.After = cursor
	p, err := l.orders.List(ctx, f)
	if err != nil {
		return nil, err
	}
	if p.Next != "" {
		l.pages.setNext(id, n, p.Next)
	}
	embed := &discordgo.MessageEmbed{Title: "Orders", Color: colorInfo}
	if len(p.Orders) == 0 {
		embed.Description = "No orders match."
	}
	var lines []string
	for _, o := range p.Orders {
		lines = append(lines, orderLine(&o, l.orders.Location()))
	}
	embed.Description += clip(strings.Join(lines, "\n"), maxEmbedText)
	first := n*pageSize + 1
	embed.Footer = &discordgo.MessageEmbedFooter{Text: fmt.Sprintf("%d–%d of %d", min(first, p.Total), n*pageSize+len(p.Orders), p.Total)}
	data := &discordgo.InteractionResponseData{Embeds: []*discordgo.MessageEmbed{embed}}
	if p.Total > pageSize {
		data.Components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Previous", Style: discordgo.SecondaryButton, CustomID: pageButton(id, n-1), Disabled: n == 0},
			discordgo.Button{Label: "Next", Style: discordgo.SecondaryButton, CustomID: pageButton(id, n+1), Disabled: p.Next == ""},
		}}}
	}
	return data, nil
}

// component answers a button: a Previous or Next of /orders turns the list's page.
func (r *Router) component(ctx context.Context, in *Interaction) *discordgo.InteractionResponse {
	id, n, ok := parsePageButton(in.CustomID)
	if !ok {
		return failure(in.Type, errors.New("this button is not one ROMS knows"))
	}
	if err := r.allowed(in, false); err != nil {
		return failure(in.Type, err)
	}
	data, err := r.lists.page(ctx, id, n)
	if err != nil {
		return failure(in.Type, err)
	}
	data.AllowedMentions = &discordgo.MessageAllowedMentions{}
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage, Data: data}
}

// showPending is /pending: how many orders are still open and why, and the first page.
// One pass of totals by status gives every count.
func showPending(svc Orders, l *lists) handler {
	return func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error) {
		open := order.Filter{Open: true}
		st, err := svc.Stats(ctx, open, order.GroupStatus)
		if err != nil {
			return nil, err
		}
		var held order.Totals
		for _, g := range st.Groups {
			if g.Group == order.StatusReviewHold {
				held = g
			}
		}
		all := st.Overall
		open.Limit = pageSize
		data, err := l.page(ctx, l.pages.add(open, l.now()), 0)
		if err != nil {
			return nil, err
		}
		embed := data.Embeds[0]
		embed.Title = fmt.Sprintf("Pending: %d open orders", all.Checkouts)
		embed.Fields = []*discordgo.MessageEmbedField{
			{Name: "No tracking yet", Value: fmt.Sprint(all.Checkouts - all.WithTracking), Inline: true},
			// Open with tracking means units still to arrive, unless only the hold keeps it open.
			{Name: "Shipped, not all received", Value: fmt.Sprint(all.WithTracking - held.WithTracking), Inline: true},
			{Name: "In review hold", Value: fmt.Sprint(held.Checkouts), Inline: true},
		}
		return data, nil
	}
}

// orderLine is one order in a list: number, store, total, status and date.
func orderLine(o *order.Order, loc *time.Location) string {
	parts := []string{"`" + o.OrderNumber + "`"}
	for _, s := range []string{o.Store, amount(o.Total, o.Currency), o.Status, o.OrderDate.In(loc).Format("Jan 2")} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return clip(strings.Join(parts, " · "), 200)
}
