package commands

import (
	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// manageServer is the permission the changing commands need by default; server admins
// can change who may use them in Server Settings > Integrations.
var manageServer = int64(discordgo.PermissionManageServer)

func stringOption(name, description string, required bool) *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: name,
		Description: description, Required: required}
}

func numberOption(description string) *discordgo.ApplicationCommandOption {
	o := stringOption("number", description, true)
	o.Autocomplete = true
	return o
}

func choices(values ...string) []*discordgo.ApplicationCommandOptionChoice {
	out := make([]*discordgo.ApplicationCommandOptionChoice, len(values))
	for i, v := range values {
		out[i] = &discordgo.ApplicationCommandOptionChoice{Name: v, Value: v}
	}
	return out
}

// filterOptions are the filters of /orders, as the orders API has them.
func filterOptions() []*discordgo.ApplicationCommandOption {
	return []*discordgo.ApplicationCommandOption{
		stringOption("status", "One status or several, comma-separated: shipped,delivered", false),
		stringOption("store", "Part of the store name: best buy", false),
		stringOption("profile", "Part of the profile name", false),
		stringOption("email", "Part of the email", false),
		stringOption("text", "Text in the order number, product, email, profile, store or tracking", false),
		stringOption("since", "From this day: 2026-11-01, today, yesterday, week, month", false),
		stringOption("until", "Up to and including this day", false),
	}
}

// allCommands lists every command with its definition and handler.
func allCommands(svc Orders, l *lists, f *files) []command {
	statusOption := stringOption("status", "The new status", false)
	statusOption.Choices = choices(order.Statuses...)
	period := stringOption("period", "Which days to count (default: this month)", false)
	period.Choices = choices("today", "yesterday", "week", "month", "all")
	by := stringOption("by", "Totals per store, profile, status or day as well", false)
	by.Choices = choices(order.GroupStore, order.GroupProfile, order.GroupStatus, order.GroupDay)
	kind := stringOption("kind", "What the file holds", true)
	kind.Choices = []*discordgo.ApplicationCommandOptionChoice{
		{Name: "tracking: order and tracking number columns", Value: orders.ImportTracking},
		{Name: "received: units received by order or tracking number", Value: orders.ImportReceived},
		{Name: "charges: a card statement (posted date, reference)", Value: orders.ImportCharges},
		{Name: "cancellations: order numbers to cancel", Value: orders.ImportCancellations},
		{Name: "orders: pasted checkout messages", Value: orders.ImportOrders},
	}
	teachField := stringOption("field", "The field it names", true)
	teachField.Choices = teachFields()
	received := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionInteger, Name: "qty_received",
		Description: "Units received so far", MinValue: new(float64), Required: false}
	return []command{
		{def: &discordgo.ApplicationCommand{Name: "order", Description: "Show one order: its fields, status, tracking and recent history",
			Options: []*discordgo.ApplicationCommandOption{numberOption("The order number (start typing to search)")}},
			handle: showOrder(svc)},
		{def: &discordgo.ApplicationCommand{Name: "orders", Description: "Find orders, newest first, with Previous/Next buttons",
			Options: filterOptions()}, handle: listOrders(l)},
		{def: &discordgo.ApplicationCommand{Name: "stats", Description: "Totals: checkouts, units, spend, cancel rate",
			Options: []*discordgo.ApplicationCommandOption{period,
				stringOption("since", "From this day instead: 2026-11-01", false), stringOption("until", "Up to and including this day", false), by}},
			handle: showStats(svc)},
		{def: &discordgo.ApplicationCommand{Name: "pending", Description: "Orders still open: no tracking, not all received, or in review hold"}, handle: showPending(svc, l)},
		{def: &discordgo.ApplicationCommand{Name: "update", Description: "Change an order's status, tracking, units received or notes",
			DefaultMemberPermissions: &manageServer, Options: []*discordgo.ApplicationCommandOption{
				numberOption("The order number (start typing to search)"), statusOption,
				stringOption("tracking", "Tracking numbers to add, comma-separated", false), received,
				stringOption("notes", "Notes (replaces the order's notes)", false)}},
			write: true, handle: updateOrder(svc)},
		{def: &discordgo.ApplicationCommand{Name: "export", Description: "Download the orders as a spreadsheet (CSV)",
			Options: filterOptions()}, handle: exportOrders(f)},
		{def: &discordgo.ApplicationCommand{Name: "import", Description: "Apply a file: tracking, received, charges, cancellations or pasted orders",
			DefaultMemberPermissions: &manageServer, Options: []*discordgo.ApplicationCommandOption{kind,
				{Type: discordgo.ApplicationCommandOptionAttachment, Name: "file", Description: "The CSV or text file", Required: true}}},
			write: true, handle: importFile(f)},
		{def: &discordgo.ApplicationCommand{Name: "undo", Description: "Revert an import",
			DefaultMemberPermissions: &manageServer, Options: []*discordgo.ApplicationCommandOption{
				stringOption("batch", "The batch the import answered with", true)}},
			write: true, handle: undoImport(svc)},
		{def: &discordgo.ApplicationCommand{Name: "cancel", Description: "Mark one or more orders cancelled",
			DefaultMemberPermissions: &manageServer, Options: []*discordgo.ApplicationCommandOption{
				stringOption("numbers", "Order numbers, separated by commas or spaces", true),
				stringOption("reason", "Why (kept with each order)", false)}},
			write: true, handle: cancelOrders(svc)},
		{def: &discordgo.ApplicationCommand{Name: "review", Description: "Posts ROMS kept but could not read as orders, or read with guesses",
			Options: []*discordgo.ApplicationCommandOption{stringOption("source", "Only this source's posts: discord:CHANNEL:BOT", false)}},
			handle: showReview(svc)},
		{def: &discordgo.ApplicationCommand{Name: "teach", Description: "Teach ROMS a bot's label (MAIL is the email) and read its logged posts again",
			DefaultMemberPermissions: &manageServer, Options: []*discordgo.ApplicationCommandOption{
				stringOption("label", "The label as the bot writes it: MAIL", true), teachField,
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "dry_run", Description: "Only say what it would change"}}},
			write: true, handle: teachLabel(svc)},
	}
}
