package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/aco"
	"github.com/roms-dev/roms/internal/relay"
)

// acoCommands are the ACO service's commands: /client, /assign, /owed and /invoice.
func acoCommands(svc *aco.Service, loc *time.Location, dm func(context.Context, string, relay.Message) error) []command {
	details := func() []*discordgo.ApplicationCommandOption {
		notify := stringOption("notify", "How they hear of a checkout (default: relay.notify)", false)
		notify.Choices = choices(aco.NotifyPing, aco.NotifyDM, aco.NotifyNone)
		return []*discordgo.ApplicationCommandOption{
			stringOption("profiles", "Their profiles, comma-separated; * for any text: Lennar #*", false),
			stringOption("emails", "Their emails, comma-separated (dots and +tags match); @theirdomain.com for a catch-all", false),
			stringOption("fee", "5/order, 3/unit, 8% or 8% min 5; per store after ';': 8%; Walmart: 3/unit", false),
			{Type: discordgo.ApplicationCommandOptionUser, Name: "user", Description: "Their Discord user, to ping or DM"},
			{Type: discordgo.ApplicationCommandOptionChannel, Name: "channel", Description: "Their own channel, for pings with their details"},
			notify,
		}
	}
	sub := func(name, description string, options ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: description, Options: options}
	}
	id := stringOption("client", "The client's id (from their name: ann-s-cooks)", true)
	period := stringOption("period", "A month (2026-12), this-month (default), last-month, all, or 2026-12-01..2026-12-15", false)
	return []command{
		{def: &discordgo.ApplicationCommand{Name: "client", Description: "The ACO service's clients: add, edit, list, remove",
			Options: []*discordgo.ApplicationCommandOption{
				sub("add", "Add a client", append([]*discordgo.ApplicationCommandOption{stringOption("name", "Their name", true)}, details()...)...),
				sub("edit", "Change a client: what is given replaces what they had", append([]*discordgo.ApplicationCommandOption{id}, details()...)...),
				sub("list", "Every client, with what they owe"),
				sub("remove", "Remove a client whose fees are all paid or voided", id),
			}},
			writes: func(sub string) bool { return sub != "list" }, handle: clientCommand(svc)},
		{def: &discordgo.ApplicationCommand{Name: "assign", Description: "Say whose an order is (unmatched, or in doubt between clients)",
			DefaultMemberPermissions: &manageServer, Options: []*discordgo.ApplicationCommandOption{
				numberOption("The order number"), stringOption("client", "The client's id; none for no one's", true),
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "teach", Description: "Also give them the order's profile (or email), for the next ones"}}},
			write: true, handle: assignOrder(svc)},
		{def: &discordgo.ApplicationCommand{Name: "owed", Description: "What each client owes: due, invoiced, credit, paid"}, handle: showOwed(svc)},
		{def: &discordgo.ApplicationCommand{Name: "invoice", Description: "Invoice a client's due fees of a period; send it to them by DM",
			DefaultMemberPermissions: &manageServer, Options: []*discordgo.ApplicationCommandOption{
				stringOption("client", "The client's id", true), period,
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "send", Description: "DM it to the client and mark it sent (default: yes)"}}},
			write: true, handle: invoiceClient(svc, loc, dm)},
	}
}

// user is a user option's id; "" when not given.
func (in *Interaction) user(name string) string {
	if o, ok := in.options[name]; ok && (o.Type == discordgo.ApplicationCommandOptionUser || o.Type == discordgo.ApplicationCommandOptionChannel) {
		v, _ := o.Value.(string)
		return v
	}
	return ""
}

// given reports whether an option was given.
func (in *Interaction) given(name string) bool { _, ok := in.options[name]; return ok }

func clientCommand(svc *aco.Service) handler {
	return func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error) {
		switch in.Sub {
		case "add":
			c := aco.Client{Name: in.String("name")}
			if err := clientDetails(in, &c); err != nil {
				return nil, err
			}
			c, err := svc.AddClient(ctx, c)
			if err != nil {
				return nil, err
			}
			return reply("Added client **%s** (`%s`): %s.", c.Name, c.ID, describeClient(c)), nil
		case "edit":
			c, err := svc.Client(ctx, in.String("client"))
			if err != nil {
				return nil, err
			}
			if err := clientDetails(in, &c); err != nil {
				return nil, err
			}
			if c, err = svc.EditClient(ctx, c); err != nil {
				return nil, err
			}
			return reply("Changed client **%s** (`%s`): %s.", c.Name, c.ID, describeClient(c)), nil
		case "remove":
			c, err := svc.Client(ctx, in.String("client"))
			if err == nil {
				err = svc.RemoveClient(ctx, c.ID)
			}
			if err != nil {
				return nil, err
			}
			return reply("Removed client **%s**. Their paid and voided fees are kept.", c.Name), nil
		}
		return listClients(ctx, svc)
	}
}

// clientDetails sets what the options give.
func clientDetails(in *Interaction, c *aco.Client) error {
	if in.given("profiles") {
		c.Profiles = aco.SplitList(in.String("profiles"))
	}
	if in.given("emails") {
		c.Emails = aco.SplitList(in.String("emails"))
	}
	if in.given("fee") {
		rule, err := aco.ParseFeeRule(in.String("fee"))
		if err != nil {
			return err
		}
		c.Fee = rule
	}
	if u := in.user("user"); u != "" {
		c.DiscordUser = u
	}
	if ch := in.user("channel"); ch != "" {
		c.Channel = ch
	}
	if in.given("notify") {
		c.Notify = in.String("notify")
	}
	return nil
}

func describeClient(c aco.Client) string {
	parts := []string{"fee " + c.Fee.String()}
	if len(c.Profiles) > 0 {
		parts = append(parts, "profiles "+strings.Join(c.Profiles, ", "))
	}
	if len(c.Emails) > 0 {
		parts = append(parts, "emails "+strings.Join(c.Emails, ", "))
	}
	if c.DiscordUser != "" {
		parts = append(parts, "<@"+c.DiscordUser+">")
	}
	return strings.Join(parts, "; ")
}

func listClients(ctx context.Context, svc *aco.Service) (*discordgo.InteractionResponseData, error) {
	clients, err := svc.Clients(ctx)
	if err != nil {
		return nil, err
	}
	if len(clients) == 0 {
		return reply("No clients yet: add one with `/client add`."), nil
	}
	var lines []string
	for _, c := range clients {
		lines = append(lines, fmt.Sprintf("**%s** `%s`: %s", c.Name, c.ID, describeClient(c)))
	}
	return &discordgo.InteractionResponseData{Embeds: []*discordgo.MessageEmbed{{Title: fmt.Sprintf("%d clients", len(clients)),
		Description: clip(strings.Join(lines, "\n"), maxEmbedText)}}}, nil
}

func assignOrder(svc *aco.Service) handler {
	return func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error) {
		client := in.String("client")
		if strings.EqualFold(client, "none") {
			client = ""
		}
		teach, _ := in.Bool("teach")
		fee, err := svc.Assign(ctx, in.String("number"), client, teach)
		if err != nil {
			return nil, err
		}
		if fee == nil {
			return reply("Order `%s` is no one's now: it earns no fee.", in.String("number")), nil
		}
		return reply("Order `%s` is `%s`'s: fee %s %s, %s.", fee.Order, fee.Client, fee.Amount, fee.Currency, fee.State), nil
	}
}

func showOwed(svc *aco.Service) handler {
	return func(ctx context.Context, _ *Interaction) (*discordgo.InteractionResponseData, error) {
		owed, err := svc.Owed(ctx)
		if err != nil {
			return nil, err
		}
		if len(owed) == 0 {
			return reply("No clients yet: add one with `/client add`."), nil
		}
		e := &discordgo.MessageEmbed{Title: "What each client owes"}
		for _, w := range owed {
			if len(e.Fields) == 25 {
				break
			}
			e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: w.Name, Inline: true, Value: fmt.Sprintf(
				"owes **%s**\ndue %s · invoiced %s\npending %s · credit %s\npaid %s · voided %s", w.Owes, w.Due, w.Invoiced, w.Pending, w.Credit, w.Paid, w.Voided)})
		}
		return &discordgo.InteractionResponseData{Embeds: []*discordgo.MessageEmbed{e}}, nil
	}
}

func invoiceClient(svc *aco.Service, loc *time.Location, dm func(context.Context, string, relay.Message) error) handler {
	return func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error) {
		c, err := svc.Client(ctx, in.String("client"))
		if err != nil {
			return nil, err
		}
		from, to, err := aco.ParsePeriod(in.String("period"), loc, time.Now())
		if err != nil {
			return nil, err
		}
		inv, err := svc.MakeInvoice(ctx, c.ID, from, to)
		if err != nil {
			return nil, err
		}
		summary := invoiceText(inv, loc)
		send, given := in.Bool("send")
		if !given {
			send = true
		}
		note := ""
		switch {
		case !send:
			note = "Not sent: mark it sent in the dashboard once it is."
		case c.DiscordUser == "" || dm == nil:
			note = "Not sent: " + c.Name + " has no Discord user (set one with /client edit), or ROMS has no Discord token."
		default:
			if err := dm(ctx, c.DiscordUser, relay.Message{Content: summary, Mentions: []string{}}); err != nil {
				note = "Made, but the DM failed (" + err.Error() + "): they may not take DMs from this server."
			} else if _, err := svc.MarkSent(ctx, inv.ID); err != nil {
				note = "Sent by DM, but could not be marked sent: " + err.Error()
			} else {
				note = "Sent to <@" + c.DiscordUser + "> by DM."
			}
		}
		return reply("%s\n\n%s", summary, note), nil
	}
}

// invoiceText is an invoice as a message: its lines, credits and total.
func invoiceText(inv aco.Invoice, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Invoice %s** for %s\n", inv.ID, inv.Name)
	for _, l := range inv.Lines {
		fmt.Fprintf(&b, "%s `%s` %s (%s): %s\n", l.Date.In(loc).Format("Jan 2"), l.Order, l.Product, l.Store, l.Amount)
	}
	for _, l := range inv.Credits {
		fmt.Fprintf(&b, "credit `%s` %s: %s\n", l.Order, l.Note, l.Amount)
	}
	fmt.Fprintf(&b, "**Total: %s %s**", inv.Total, inv.Currency)
	return clip(b.String(), maxContent-300)
}

func reply(format string, args ...any) *discordgo.InteractionResponseData {
	return &discordgo.InteractionResponseData{Content: clip(fmt.Sprintf(format, args...), maxContent)}
}
