package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/roms-dev/roms/internal/aco"

	"github.com/roms-dev/roms/internal/config"
	"github.com/roms-dev/roms/internal/discord"
	"github.com/roms-dev/roms/internal/httpapi"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// backend is what the stats, export, import, undo, replay and backfill commands ask of
// ROMS. While the bot runs it holds the bbolt file, so the commands ask it over its API
// (botAPI); otherwise they open the database and call the orders service themselves
// (inProcess). Each command is written once, against this.
type backend interface {
	Stats(ctx context.Context, t orders.FilterText, by string) (orders.Stats, error)
	// Export writes the CSV of the orders t selects and says how many it wrote.
	Export(ctx context.Context, t orders.FilterText, sort string, w io.Writer) (int, error)
	Import(ctx context.Context, kind string, data []byte, progress func(orders.ImportProgress)) (orders.ImportSummary, error)
	Undo(ctx context.Context, batch string) (orders.UndoSummary, error)
	// Replay runs the logged inputs of an outcome since a time through today's parser
	// again, oldest first.
	Replay(ctx context.Context, outcome string, since time.Time) ([]orders.Replayed, error)
	Backfill(ctx context.Context, channel string, since time.Time, progress func(orders.Progress)) (orders.Summary, error)
	// Clients are the ACO service's clients, and what each owes.
	Clients(ctx context.Context) ([]aco.Client, []aco.Owed, error)
	// PutClients adds the clients of a file and replaces those that exist.
	PutClients(ctx context.Context, clients []aco.Client) (added, replaced int, err error)
}

// openBackend is the running bot's API when it holds the database, else the database
// opened here (made when create is set and none exists), with warnings to stderr. close
// ends either.
func openBackend(ctx context.Context, cfg config.Config, create bool, stderr io.Writer) (b backend, close func(), err error) {
	st, locked, err := openForCommand(ctx, cfg, create)
	if locked {
		return botAPI{cfg: cfg}, func() {}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	svc, err := newService(cfg, st, live.NewHub(), newLogger(config.Log{Level: "error"}, io.Discard), nil)
	if err != nil {
		st.close()
		return nil, nil, err
	}
	fees := aco.New(st, aco.Options{})
	return inProcess{svc: svc, fees: fees, cfg: cfg, stderr: stderr}, st.close, nil
}

// inProcess is the orders service over the database this process opened.
type inProcess struct {
	svc    *orders.Service
	fees   *aco.Service
	cfg    config.Config
	stderr io.Writer
}

func (p inProcess) Stats(ctx context.Context, t orders.FilterText, by string) (orders.Stats, error) {
	f, err := p.svc.Filter(t)
	if err != nil {
		return orders.Stats{}, err
	}
	return p.svc.Stats(ctx, f, by)
}

func (p inProcess) Export(ctx context.Context, t orders.FilterText, sort string, w io.Writer) (int, error) {
	f, err := p.svc.Filter(t)
	if err != nil {
		return 0, err
	}
	f.Sort = sort
	return p.svc.Export(ctx, f, w)
}

func (p inProcess) Import(ctx context.Context, kind string, data []byte, progress func(orders.ImportProgress)) (orders.ImportSummary, error) {
	return p.svc.ImportWithProgress(ctx, kind, data, progress)
}

func (p inProcess) Undo(ctx context.Context, batch string) (orders.UndoSummary, error) {
	return p.svc.Undo(ctx, batch, "cli")
}

func (p inProcess) Replay(ctx context.Context, outcome string, since time.Time) ([]orders.Replayed, error) {
	page, err := p.svc.FindLogs(ctx, order.LogFilter{Limit: 100_000, Since: since, Outcomes: []string{outcome}})
	if err != nil {
		return nil, err
	}
	var results []orders.Replayed
	for i := len(page.Entries) - 1; i >= 0; i-- {
		id := page.Entries[i].ID
		r, err := p.svc.Replay(ctx, id, orders.ReplayActor(id))
		if err != nil {
			return results, err
		}
		results = append(results, r)
	}
	return results, nil
}

func (p inProcess) Backfill(ctx context.Context, channel string, since time.Time, progress func(orders.Progress)) (orders.Summary, error) {
	// Per-order log lines would tear through the progress bar: warnings only.
	logger := newLogger(config.Log{Level: "warn", Format: p.cfg.Log.Format}, p.stderr)
	l, err := discord.New(discordConfig(p.cfg.Discord, time.Now()), p.svc, logger)
	if err != nil {
		return orders.Summary{}, err
	}
	return l.Backfill(ctx, channel, since, progress)
}

// botAPI is the running bot, over its HTTP API at http.addr.
type botAPI struct{ cfg config.Config }

func (b botAPI) Stats(ctx context.Context, t orders.FilterText, by string) (orders.Stats, error) {
	q := filterQuery(t)
	if by != "" {
		q.Set("group_by", by)
	}
	var st orders.Stats
	err := b.get(ctx, "/api/v2/stats?"+q.Encode(), &st)
	return st, err
}

func (b botAPI) Export(ctx context.Context, t orders.FilterText, sort string, w io.Writer) (int, error) {
	q := filterQuery(t)
	q.Set("sort", sort)
	url := b.url("/api/v2/orders/export.csv?" + q.Encode())
	resp, err := call(ctx, http.MethodGet, url, b.cfg.HTTP.Token, "", nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		return 0, refusal(url, resp.Status, raw)
	}
	// The rows are counted as they pass, as the bot's CSV reads: a cell may hold a line break.
	rows := csv.NewReader(io.TeeReader(resp.Body, w))
	rows.FieldsPerRecord, rows.LazyQuotes, rows.ReuseRecord = -1, true, true
	n := -1 // the header is not an order
	for {
		_, err := rows.Read()
		if err == io.EOF {
			return max(n, 0), nil
		}
		if err != nil {
			return 0, fmt.Errorf("read the export from %s: %w", url, err)
		}
		n++
	}
}

func (b botAPI) Import(ctx context.Context, kind string, data []byte, progress func(orders.ImportProgress)) (orders.ImportSummary, error) {
	return streamImport(ctx, b.cfg, kind, data, progress)
}

func (b botAPI) Undo(ctx context.Context, batch string) (orders.UndoSummary, error) {
	var sum orders.UndoSummary
	err := postToBot(ctx, b.cfg, "/api/v2/imports/"+batch+"/undo", "", nil, &sum)
	return sum, err
}

func (b botAPI) Replay(ctx context.Context, outcome string, since time.Time) ([]orders.Replayed, error) {
	q := url.Values{"outcome": {outcome}, "limit": {strconv.Itoa(maxReplay)}}
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339))
	}
	var list httpapi.LogList
	if err := b.get(ctx, "/api/v2/webhooks/logs?"+q.Encode(), &list); err != nil {
		return nil, err
	}
	var results []orders.Replayed
	for i := len(list.Logs) - 1; i >= 0; i-- {
		var r orders.Replayed
		if err := postToBot(ctx, b.cfg, fmt.Sprintf("/api/v2/webhooks/logs/%d/replay", list.Logs[i].ID), "", nil, &r); err != nil {
			return results, err
		}
		results = append(results, r)
	}
	return results, nil
}

// Backfill asks the running bot to import and follows its progress stream.
func (b botAPI) Backfill(ctx context.Context, channel string, since time.Time, progress func(orders.Progress)) (orders.Summary, error) {
	body, _ := json.Marshal(map[string]any{"channel_id": channel, "since": since})
	var sum orders.Summary
	err := followStream(ctx, client, b.url(httpapi.PathBackfill), b.cfg.HTTP.Token, "application/json", body, func(line httpapi.BackfillLine) (bool, error) {
		switch line.Type {
		case "progress":
			progress(orders.Progress{Summary: line.Summary, Through: *line.Through})
		case "done":
			sum = line.Summary
			return true, nil
		case "error":
			sum = line.Summary
			return true, errors.New(line.Error)
		}
		return false, nil
	})
	return sum, err
}

func (p inProcess) Clients(ctx context.Context) ([]aco.Client, []aco.Owed, error) {
	list, err := p.fees.Clients(ctx)
	if err != nil {
		return nil, nil, err
	}
	owed, err := p.fees.Owed(ctx)
	return list, owed, err
}

func (p inProcess) PutClients(ctx context.Context, clients []aco.Client) (int, int, error) {
	return p.fees.PutClients(ctx, clients)
}

func (b botAPI) Clients(ctx context.Context) ([]aco.Client, []aco.Owed, error) {
	var list []aco.Client
	var owed []aco.Owed
	err := b.get(ctx, "/api/v2/clients", &list)
	if err == nil {
		err = b.get(ctx, "/api/v2/owed", &owed)
	}
	return list, owed, err
}

func (b botAPI) PutClients(ctx context.Context, clients []aco.Client) (int, int, error) {
	var file bytes.Buffer
	if err := aco.WriteClients(&file, clients); err != nil {
		return 0, 0, err
	}
	var got httpapi.ClientsImported
	resp, err := call(ctx, http.MethodPost, b.url("/api/v2/clients/import"), b.cfg.HTTP.Token, "text/csv", &file)
	err = readAnswer(resp, err, b.url("/api/v2/clients/import"), &got)
	return got.Added, got.Replaced, err
}

func (b botAPI) url(path string) string { return localURL(b.cfg.HTTP.Addr) + path }

// get reads a JSON answer of the running bot.
func (b botAPI) get(ctx context.Context, path string, v any) error {
	resp, err := call(ctx, http.MethodGet, b.url(path), b.cfg.HTTP.Token, "", nil)
	return readAnswer(resp, err, b.url(path), v)
}

// filterQuery is a filter as the orders API takes it.
func filterQuery(t orders.FilterText) url.Values {
	q := url.Values{}
	for key, v := range map[string]string{
		"from": t.From, "to": t.To, "status": t.Status, "store": t.Store, "profile": t.Profile,
		"email": t.Email, "q": t.Query, "has_tracking": t.HasTracking, "fully_received": t.FullyReceived,
	} {
		if v != "" {
			q.Set(key, v)
		}
	}
	if t.Open {
		q.Set("open", "true")
	}
	if t.Deleted {
		q.Set("deleted", "true")
	}
	return q
}
