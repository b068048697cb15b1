package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/roms-dev/roms/internal/config"
	"github.com/roms-dev/roms/internal/httpapi"
	"github.com/roms-dev/roms/internal/orders"
)

// importCommand applies a file of tracking numbers, received units, card charges,
// cancellations or pasted messages, whether the bot runs or not.
func importCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flags("import")
	rejectsFile := fs.String("rejected", "", "write the rows that could not be used to this CSV file")
	cfg, _, rest, err := loadConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	if len(rest) != 2 || !slices.Contains(orders.ImportKinds, rest[0]) {
		return fmt.Errorf("import needs a kind (%s) and a file, for example: bot import tracking tracking.csv", strings.Join(orders.ImportKinds, ", "))
	}
	kind, file := rest[0], rest[1]
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	b, done, err := openBackend(ctx, cfg, false, io.Discard)
	if err != nil {
		return fmt.Errorf("import %s: %w", file, err)
	}
	defer done()
	sum, err := b.Import(ctx, kind, data, rowProgress(stdout))
	if err != nil {
		return fmt.Errorf("import %s: %w", file, err)
	}
	fmt.Fprintf(stdout, "Imported %s (%s): %s.\n", file, kind, sum)
	fmt.Fprintf(stdout, "Batch %s; to revert it: bot undo %s\n", sum.Batch, sum.Batch)
	if sum.Rejected != "" {
		return reportRejected(stdout, sum.Rejected, *rejectsFile)
	}
	return nil
}

// progressFrom is the size from which an import shows its progress: smaller ones end
// before anyone would look.
const progressFrom = 5000

// rowProgress shows how far a large import is, on one line that it rewrites.
func rowProgress(w io.Writer) func(orders.ImportProgress) {
	return func(p orders.ImportProgress) {
		if p.Total < progressFrom {
			return
		}
		fmt.Fprintf(w, "\rImporting batch %s: %d of %d rows (%d%%)", p.Batch, p.Done, p.Total, 100*p.Done/p.Total)
		if p.Done == p.Total {
			fmt.Fprintln(w)
		}
	}
}

// streamImport asks the running bot to import and follows its progress stream to the end.
func streamImport(ctx context.Context, cfg config.Config, kind string, data []byte, progress func(orders.ImportProgress)) (orders.ImportSummary, error) {
	url := localURL(cfg.HTTP.Addr) + "/api/v2/imports/" + kind + "/stream"
	var sum orders.ImportSummary
	err := followStream(ctx, patient, url, cfg.HTTP.Token, "text/csv", data, func(line httpapi.ImportLine) (bool, error) {
		switch line.Type {
		case "progress":
			progress(*line.Progress)
		case "done":
			sum = *line.Summary
			return true, nil
		case "error":
			return true, errors.New(line.Error)
		}
		return false, nil
	})
	return sum, err
}

// followStream posts body to a running bot and hands each JSON line of its answer to
// line, until line says the stream is done (with the error it carried, if any).
func followStream[L any](ctx context.Context, c *http.Client, url, token, contentType string, body []byte, line func(L) (bool, error)) error {
	resp, err := callWith(ctx, c, http.MethodPost, url, token, contentType, bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		return refusal(url, resp.Status, raw)
	}
	dec := json.NewDecoder(resp.Body)
	for {
		var l L
		if err := dec.Decode(&l); err != nil {
			return fmt.Errorf("the bot's answer ended before its end: %w (what it was doing goes on; its log says how it ends)", err)
		}
		if done, err := line(l); done {
			return err
		}
	}
}

// reportRejected writes the rejected rows to a file when asked, else shows the first few.
func reportRejected(w io.Writer, rejected, file string) error {
	if file != "" {
		if err := os.WriteFile(file, []byte(rejected), 0o600); err != nil {
			return fmt.Errorf("write rejected rows: %w", err)
		}
		fmt.Fprintf(w, "Rows not used, with the reason: %s\n", file)
		return nil
	}
	lines := strings.Split(strings.TrimSpace(rejected), "\n")
	fmt.Fprintln(w, "Rows not used (line, row, reason):")
	for _, l := range lines[1:min(len(lines), 11)] {
		fmt.Fprintln(w, "  "+l)
	}
	if len(lines) > 11 {
		fmt.Fprintf(w, "  ... and %d more; add -rejected rejected.csv to get them all\n", len(lines)-11)
	}
	return nil
}

// undoCommand reverts an import batch.
func undoCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, _, rest, err := loadConfig(flags("undo"), args, getenv)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("undo needs the batch an import printed, for example: bot undo 20261127-171900-a1b2c3")
	}
	batch := rest[0]
	b, done, err := openBackend(ctx, cfg, false, io.Discard)
	if err != nil {
		return fmt.Errorf("undo %s: %w", batch, err)
	}
	defer done()
	sum, err := b.Undo(ctx, batch)
	if err != nil {
		return fmt.Errorf("undo %s: %w", batch, err)
	}
	fmt.Fprintf(stdout, "Undid batch %s: %s.\n", batch, sum)
	return nil
}

// postToBot POSTs to the running bot and reads its JSON answer.
func postToBot(ctx context.Context, cfg config.Config, path, contentType string, body []byte, v any) error {
	url := localURL(cfg.HTTP.Addr) + path
	resp, err := callWith(ctx, patient, http.MethodPost, url, cfg.HTTP.Token, contentType, bytes.NewReader(body))
	return readAnswer(resp, err, url, v)
}

// readAnswer reads the running bot's JSON answer to a call of url into v, or what it
// refused the call with.
func readAnswer(resp *http.Response, err error, url string, v any) error {
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return refusal(url, resp.Status, raw)
	}
	return json.Unmarshal(raw, v)
}

// refusal is the error a running bot answered with: the problem's detail, or the status
// and body.
func refusal(url, status string, raw []byte) error {
	var problem struct {
		Detail string `json:"detail"`
	}
	if json.Unmarshal(raw, &problem) == nil && problem.Detail != "" {
		return errors.New(problem.Detail)
	}
	return fmt.Errorf("the running bot at %s answered %s: %s", url, status, strings.TrimSpace(string(raw)))
}
