package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/roms-dev/roms/internal/orders"
)

// backfillCommand imports a Discord channel's history. With the bot stopped it reads
// history itself; while the bot runs (and holds the database) it asks the bot to.
func backfillCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flags("backfill")
	channel := fs.String("channel", "", "id of the channel to import")
	sinceText := fs.String("since", "", "2026-11-01, 720h (that long ago) or all")
	cfg, _, _, err := loadConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	now := time.Now()
	since, err := parseSince(*sinceText, now)
	if err != nil {
		return err
	}
	switch {
	case *channel == "":
		return errors.New("backfill needs -channel ID (Developer Mode > right-click the channel > Copy Channel ID)")
	case cfg.Discord.Token == "":
		return errors.New("backfill reads Discord: set discord.token (or ROMS_DISCORD_TOKEN) first")
	}
	bar := progressBar{w: stdout, since: since, now: now}
	fmt.Fprintf(stdout, "Importing channel %s since %s\n", *channel, describeSince(since))
	b, done, err := openBackend(ctx, cfg, true, stderr)
	if err != nil {
		return fmt.Errorf("backfill: %w", err)
	}
	defer done()
	sum, err := b.Backfill(ctx, *channel, since, bar.show)
	if err == nil {
		bar.show(orders.Progress{Summary: sum, Through: now}) // the history ends now, not at its last message
	}
	fmt.Fprintln(stdout)
	if err != nil {
		return fmt.Errorf("backfill stopped: %w (what was imported stays; run it again to go on)", err)
	}
	fmt.Fprintf(stdout, "Done: %d messages: %d created, %d updated, %d unchanged, %d ignored (no order number), %d already stored.\n",
		sum.Messages, sum.Created, sum.Updated, sum.Unchanged, sum.Ignored, sum.Duplicate)
	return nil
}

// parseSince reads how far back to import: a date, a time, a duration back, or all.
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "all") {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("backfill needs -since: a date like 2026-11-01, a duration back like 720h, or all (got %q)", s)
}

func describeSince(t time.Time) string {
	if t.IsZero() {
		return "the beginning"
	}
	return t.UTC().Format("2006-01-02 15:04 MST")
}

// progressBar shows how far through the time span an import is.
type progressBar struct {
	w          io.Writer
	since, now time.Time
}

const barWidth = 30

func (b progressBar) show(p orders.Progress) {
	through := p.Through.UTC().Format("2006-01-02 15:04")
	if b.since.IsZero() || !b.now.After(b.since) {
		fmt.Fprintf(b.w, "\r%d messages, through %s", p.Messages, through)
		return
	}
	frac := min(max(float64(p.Through.Sub(b.since))/float64(b.now.Sub(b.since)), 0), 1)
	filled := int(frac * barWidth)
	fmt.Fprintf(b.w, "\r[%s%s] %3.0f%%  %d messages, through %s",
		strings.Repeat("#", filled), strings.Repeat("-", barWidth-filled), frac*100, p.Messages, through)
}
