package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// maxReplay bounds one replay through a running bot: the log listing's limit.
const maxReplay = 1000

// replayCommand runs logged inputs through today's parser again: after teaching it a new
// label, what it ignored or rejected may now be read.
func replayCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flags("replay")
	sinceText := fs.String("since", "", "inputs received since: 2026-11-01, 72h (that long ago) or all")
	outcome := fs.String("outcome", order.OutcomeIgnored, "which inputs: ignored or rejected")
	cfg, _, _, err := loadConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	if !slices.Contains([]string{order.OutcomeIgnored, order.OutcomeRejected}, *outcome) {
		return fmt.Errorf("replay -outcome %q: use ignored or rejected", *outcome)
	}
	if *sinceText == "" {
		return errors.New("replay needs -since: a date like 2026-11-01, a duration back like 72h, or all")
	}
	since, err := parseSince(*sinceText, time.Now())
	if err != nil {
		return errors.New(strings.Replace(err.Error(), "backfill", "replay", 1))
	}
	b, done, err := openBackend(ctx, cfg, false, io.Discard)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer done()
	results, err := b.Replay(ctx, *outcome, since)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	counts := map[string]int{}
	for _, r := range results {
		counts[r.Outcome]++
		line := fmt.Sprintf("  log %d: %s", r.LogID, r.Outcome)
		if len(r.Orders) > 0 {
			line += " " + strings.Join(r.Orders, ", ")
		}
		if r.Reason != "" {
			line += " (" + r.Reason + ")"
		}
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintf(stdout, "Replayed %d %s inputs: %d created, %d updated, %d unchanged, %d still ignored, %d still rejected.\n",
		len(results), *outcome, counts[order.OutcomeCreated], counts[order.OutcomeUpdated], counts[order.OutcomeUnchanged],
		counts[order.OutcomeIgnored], counts[order.OutcomeRejected])
	return nil
}
