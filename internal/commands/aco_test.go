package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/aco"
	"github.com/roms-dev/roms/internal/bbolt/storetest"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
	"github.com/roms-dev/roms/internal/relay"
)

// slash is a slash command's interaction from a user with roles, with a subcommand when
// sub is set.
func slash(name, sub string, roles []string, options ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	if sub != "" {
		options = []*discordgo.ApplicationCommandInteractionDataOption{{Name: sub, Type: discordgo.ApplicationCommandOptionSubCommand, Options: options}}
	}
	return &discordgo.Interaction{ID: "1", Type: discordgo.InteractionApplicationCommand,
		Member: &discordgo.Member{User: &discordgo.User{ID: "1300000000000000777"}, Roles: roles},
		Data:   discordgo.ApplicationCommandInteractionData{Name: name, Options: options}}
}

func opt(name string, typ discordgo.ApplicationCommandOptionType, v any) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: typ, Value: v}
}

func str(name, v string) *discordgo.ApplicationCommandInteractionDataOption {
	return opt(name, discordgo.ApplicationCommandOptionString, v)
}

// TestTheACOCommands: /client add, list, edit and remove (the changing ones only for the
// write role), /assign of an unmatched order, /owed, and /invoice sent by DM.
func TestTheACOCommands(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	svc, err := orders.New(st, orders.Options{Publisher: live.NewHub(), Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	fees := aco.New(st, aco.Options{Hold: aco.Hold{Until: "tracking"}})
	var dms []string
	dm := func(_ context.Context, user string, m relay.Message) error {
		dms = append(dms, user+": "+m.Content)
		return nil
	}
	r := New(svc, Config{WriteRoles: []string{"owner"}, ACO: fees, DM: dm})
	ctx := context.Background()
	run := func(i *discordgo.Interaction) string { return text(r.Respond(ctx, i)) }
	writer := []string{"owner"}

	if got := run(slash("client", "add", nil, str("name", "Ann"))); !strings.Contains(got, "you need one of the roles") {
		t.Errorf("/client add without the write role: %s", got)
	}
	got := run(slash("client", "add", writer, str("name", "Ann Cooks"), str("profiles", "Ann #*, Ann Main"), str("fee", "5/order"),
		opt("user", discordgo.ApplicationCommandOptionUser, "1290000000000000801")))
	if !strings.Contains(got, "Added client **Ann Cooks** (`ann-cooks`)") || !strings.Contains(got, "Ann #*, Ann Main") {
		t.Errorf("/client add: %s", got)
	}
	if got := run(slash("client", "add", writer, str("name", "Bad"), str("fee", "5 a week"))); !strings.Contains(got, "⚠️") {
		t.Errorf("a bad fee was taken: %s", got)
	}
	if got := run(slash("client", "list", nil)); !strings.Contains(got, "1 clients") || !strings.Contains(got, "fee 5.00/order") {
		t.Errorf("/client list (any reader): %s", got)
	}
	if got := run(slash("client", "edit", writer, str("client", "ann-cooks"), str("emails", "ann@cooks.com"))); !strings.Contains(got, "emails ann@cooks.com") || !strings.Contains(got, "Ann Main") {
		t.Errorf("/client edit keeps what it is not given: %s", got)
	}

	price := order.Money(10000)
	if _, err := svc.Create(ctx, order.Fields{OrderNumber: "U-1", Product: "ETB", Store: "Target", Price: &price, Profile: "Card 9", Status: "verified"}, order.ActorAPI); err != nil {
		t.Fatal(err)
	}
	if got := run(slash("assign", "", writer, str("number", "U-1"), str("client", "ann-cooks"), opt("teach", discordgo.ApplicationCommandOptionBoolean, true))); !strings.Contains(got, "is `ann-cooks`'s: fee 5.00") {
		t.Errorf("/assign: %s", got)
	}
	if c, _ := fees.Client(ctx, "ann-cooks"); !strings.Contains(strings.Join(c.Profiles, ","), "Card 9") {
		t.Errorf("/assign teach: %+v", c.Profiles)
	}
	if got := run(slash("owed", "", nil)); !strings.Contains(got, "Ann Cooks") || !strings.Contains(got, "pending 5.00") {
		t.Errorf("/owed: %s", got)
	}
	if got := run(slash("invoice", "", writer, str("client", "ann-cooks"))); !strings.Contains(got, "nothing to invoice") {
		t.Errorf("/invoice while the fee is pending: %s", got)
	}
	if _, err := svc.Correct(ctx, "U-1", order.Edit{Fields: order.Fields{TrackingNumbers: []string{"1Z999AA10123456784"}}}, order.ActorAPI); err != nil {
		t.Fatal(err)
	}
	if _, err := fees.Reconcile(ctx, "U-1"); err != nil {
		t.Fatal(err)
	}
	got = run(slash("invoice", "", writer, str("client", "ann-cooks"), str("period", "all")))
	if !strings.Contains(got, "**Invoice ann-cooks-") || !strings.Contains(got, "`U-1` ETB (Target): 5.00") || !strings.Contains(got, "Sent to <@1290000000000000801> by DM") {
		t.Errorf("/invoice: %s", got)
	}
	if len(dms) != 1 || !strings.HasPrefix(dms[0], "1290000000000000801: **Invoice") {
		t.Errorf("DMs %q", dms)
	}
	if got := run(slash("client", "remove", writer, str("client", "ann-cooks"))); !strings.Contains(got, "fees not yet paid") {
		t.Errorf("/client remove of a client who owes: %s", got)
	}
}
