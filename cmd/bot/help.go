package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/roms-dev/roms/internal/orders"
)

// commandHelp is `bot NAME -h`: the command's own use, flags and an example, instead of
// the whole usage.
type commandHelp struct{ fs *flag.FlagSet }

func (h *commandHelp) Error() string { return "help for " + h.fs.Name() }
func (h *commandHelp) Unwrap() error { return flag.ErrHelp }

// helps are each command's line of use, an example, and what else a newcomer needs.
var helps = map[string]struct{ use, example, more string }{
	"serve":       {"bot [serve] [-config FILE]", "go run ./cmd/bot", "Runs the bot: the webhook, the API, the dashboard and, with discord.token, Discord."},
	"parse":       {"bot parse [FILE]", "go run ./cmd/bot parse message.txt", "Shows what the parser makes of a message (a text or a Discord message's JSON; stdin without FILE): each field, where each label went, what it guessed."},
	"send-test":   {"bot send-test [-config FILE] [URL]", "go run ./cmd/bot send-test", "Posts the sample Refract message to the running bot (or URL)."},
	"backup":      {"bot backup [-config FILE] FILE", "go run ./cmd/bot backup roms-backup.db", "Copies the database, whether the bot runs or not."},
	"backfill":    {"bot backfill -channel ID -since WHEN [-config FILE]", "go run ./cmd/bot backfill -channel 1290000000000000001 -since 720h", "Imports a Discord channel's history; WHEN is a date (2026-11-01), a duration back (720h) or all."},
	"stats":       {"bot stats [-by GROUP] [filters]", "go run ./cmd/bot stats -since month -by store", "Prints totals: checkouts, units, spend, cancel rate. GROUP is store, profile, status, product, day, week or month."},
	"export":      {"bot export -o FILE [filters]", "go run ./cmd/bot export -o orders.csv -since week", "Writes the orders a filter selects as CSV for a spreadsheet."},
	"import":      {"bot import [-rejected FILE] KIND FILE", "go run ./cmd/bot import tracking tracking.csv", importKinds},
	"undo":        {"bot undo BATCH", "go run ./cmd/bot undo 20261203-101500-a1b2c3", "Reverts an import batch (the import printed its id)."},
	"replay":      {"bot replay -since WHEN [-outcome ignored|rejected]", "go run ./cmd/bot replay -since 24h -outcome ignored", "Runs logged inputs through today's parser again (after teaching it a label, say)."},
	"migrate":     {"bot migrate -to postgres://... | -from postgres://...", "go run ./cmd/bot migrate -to postgres://roms@localhost/roms", "Copies the bbolt database into PostgreSQL, or back; run again, it resumes and adds nothing twice."},
	"mail":        {"bot mail test [-config FILE]", "go run ./cmd/bot mail test", "Logs in to each mailbox of mail.accounts and says what works (login, folders, how many emails since mail.since) or what to fix."},
	"healthcheck": {"bot healthcheck [-config FILE]", "go run ./cmd/bot healthcheck", "Exits 0 when the running bot is healthy (Docker's HEALTHCHECK)."},
}

// importKinds says what columns each kind of import reads.
var importKinds = func() string {
	var b strings.Builder
	b.WriteString("Applies a file. KIND is what it holds; column names match in any case:")
	for _, k := range orders.ImportHelp {
		fmt.Fprintf(&b, "\n  %-14s %s", k.Kind, k.Reads)
	}
	return b.String()
}()

// printHelp writes a command's help.
func printHelp(w io.Writer, h *commandHelp) {
	name := h.fs.Name()
	help, ok := helps[name]
	if !ok {
		fmt.Fprint(w, usage)
		return
	}
	fmt.Fprintf(w, "Usage: %s\n\n%s\n\nFlags:\n", help.use, help.more)
	h.fs.SetOutput(w)
	h.fs.PrintDefaults()
	fmt.Fprintf(w, "\nExample:\n  %s\n", help.example)
	if !strings.Contains(help.more, "config") {
		fmt.Fprintln(w, "\nSettings come from config.yaml (or -config FILE) and ROMS_* variables.")
	}
}
