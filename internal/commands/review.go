package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/orders"
	"github.com/roms-dev/roms/internal/parser"
)

// reviewShown is how many posts /review shows: five fit an embed with room to read.
const reviewShown = 5

// forget is /teach's field that forgets a taught label.
const forget = "(forget the label)"

// teachFields are /teach's choices: every field a label can name, and forgetting.
func teachFields() []*discordgo.ApplicationCommandOptionChoice {
	return choices(append(parser.FieldNames(), forget)...)
}

// showReview is /review: the newest posts ROMS kept but could not read as orders, or
// read with guesses, with the labels it did not know.
func showReview(svc Orders) handler {
	return func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error) {
		entries, err := svc.Review(ctx, reviewShown, in.String("source"))
		if err != nil {
			return nil, err
		}
		e := &discordgo.MessageEmbed{Title: "Needs a look", Color: colorWait}
		if len(entries) == 0 {
			e.Description, e.Color = "Every post was read as an order, or was not one.", colorGood
		}
		for _, entry := range entries {
			e.Fields = append(e.Fields, &discordgo.MessageEmbedField{
				Name:  reviewTitle(entry),
				Value: reviewLines(entry),
			})
		}
		if len(entries) > 0 {
			e.Footer = &discordgo.MessageEmbedFooter{Text: "Teach a label with /teach; the dashboard's Needs a look page shows each post whole."}
		}
		return &discordgo.InteractionResponseData{Embeds: []*discordgo.MessageEmbed{e}}, nil
	}
}

// reviewTitle names a post: its log id, source, and how many more are like it.
func reviewTitle(e orders.ReviewEntry) string {
	title := fmt.Sprintf("#%d · %s", e.LogID, e.Source)
	if e.Similar > 0 {
		title += fmt.Sprintf(" · +%d like it", e.Similar)
	}
	return title
}

// reviewLines says what became of a post, what ROMS reads from it and what it did not know.
func reviewLines(e orders.ReviewEntry) string {
	// Discord shows a timestamp in each reader's own zone, in a value (not a name).
	lines := []string{fmt.Sprintf("<t:%d:R>", e.ReceivedAt.Unix())}
	what := e.Outcome
	if e.Reason != "" {
		what += ": " + e.Reason
	}
	lines = append(lines, what)
	var read []string
	for _, kv := range [][2]string{{"order", e.Read.OrderNumber}, {"product", e.Read.Product}, {"store", e.Read.Store}} {
		if kv[1] != "" {
			read = append(read, kv[0]+" "+inlineCode(kv[1]))
		}
	}
	if len(read) > 0 {
		lines = append(lines, "Read: "+strings.Join(read, ", "))
	}
	if len(e.Inferred) > 0 {
		lines = append(lines, "Guessed: "+strings.Join(e.Inferred, ", "))
	}
	if len(e.Unknown) > 0 {
		lines = append(lines, "Labels not known: "+inlineCode(strings.Join(e.Unknown, "`, `")))
	}
	return strings.Join(lines, "\n")
}

// inlineCode shows text as code, so that what a bot wrote cannot format or mention.
func inlineCode(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

// teachLabel is /teach: save a label for a field and read the logged posts it changes
// again; with dry_run, only say what that would do.
func teachLabel(svc Orders) handler {
	return func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error) {
		field := in.String("field")
		if field == forget {
			field = ""
		}
		dry, _ := in.Bool("dry_run")
		t, err := svc.Teach(ctx, orders.Teaching{Label: in.String("label"), Field: field, DryRun: dry})
		if err != nil {
			return nil, err
		}
		label := inlineCode(t.Label)
		var text string
		switch {
		case t.DryRun:
			text = fmt.Sprintf("Teaching %s → %s would read %d logged posts again: %d new orders, %d orders changed. Nothing was changed.",
				label, t.Field, t.Posts, t.Created, t.Updated)
		case t.Field == "":
			text = fmt.Sprintf("Forgot %s. Read %d logged posts again.", label, t.Posts)
		default:
			text = fmt.Sprintf("Taught %s → %s. Read %d logged posts again: %d new orders, %d orders changed.",
				label, t.Field, t.Posts, t.Created, t.Updated)
		}
		if len(t.Orders) > 0 {
			text += "\n" + inlineCode(strings.Join(t.Orders[:min(len(t.Orders), 20)], "`, `"))
		}
		return &discordgo.InteractionResponseData{Content: text}, nil
	}
}
