package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roms-dev/roms/internal/httpapi"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
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
	var results []orders.Replayed
	err = withService(cfg, func(svc *orders.Service) error {
		page, err := svc.FindLogs(ctx, order.LogFilter{Limit: 100_000, Since: since, Outcomes: []string{*outcome}})
		if err != nil {
			return err
		}
		for i := len(page.Entries) - 1; i >= 0; i-- {
			id := page.Entries[i].ID
			r, err := svc.Replay(ctx, id, orders.ReplayActor(id))
			if err != nil {
				return err
			}
			results = append(results, r)
		}
		return nil
	}, func() error {
		q := url.Values{"outcome": {*outcome}, "limit": {strconv.Itoa(maxReplay)}}
		if !since.IsZero() {
			q.Set("since", since.UTC().Format(time.RFC3339))
		}
		var list httpapi.LogList
		if err := getFromBot(ctx, cfg, "/api/v2/webhooks/logs?"+q.Encode(), &list); err != nil {
			return err
		}
		for i := len(list.Logs) - 1; i >= 0; i-- {
			var r orders.Replayed
			if err := postToBot(ctx, cfg, fmt.Sprintf("/api/v2/webhooks/logs/%d/replay", list.Logs[i].ID), "", nil, &r); err != nil {
				return err
			}
			results = append(results, r)
		}
		return nil
	})
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
