package orders

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// Import kinds: what a file holds.
const (
	ImportOrders        = "orders"        // pasted checkout messages
	ImportTracking      = "tracking"      // order number and tracking number per row
	ImportReceived      = "received"      // units received, by order or tracking number
	ImportCharges       = "charges"       // a card statement: posted date and reference
	ImportCancellations = "cancellations" // order numbers to cancel
)

// ImportKinds lists the kinds of import.
var ImportKinds = []string{ImportOrders, ImportTracking, ImportReceived, ImportCharges, ImportCancellations}

// ErrUnknownBatch is an undo of a batch that changed nothing or never was.
var ErrUnknownBatch = errors.New("no import batch with that id changed anything")

// importChunk is how many rows one transaction writes: a 50,000-row file is 50 commits.
const importChunk = 1000

// ImportSummary is what one import did. Every change it made is recorded with the actor
// import:BATCH, so Undo can revert the whole batch.
type ImportSummary struct {
	Batch     string `json:"batch" doc:"Give this to undo to revert the import"`
	Kind      string `json:"kind"`
	Rows      int    `json:"rows" doc:"Rows (or messages) read"`
	Created   int    `json:"created"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged" doc:"Rows whose order already had these values"`
	NotFound  int    `json:"not_found" doc:"Rows naming an order ROMS does not have"`
	Invalid   int    `json:"invalid" doc:"Rows that could not be read"`
	Conflicts int    `json:"conflicts" doc:"Rows that would overwrite a different value"`
	// Rejected holds the rows that could not be used, with the reason, as CSV.
	Rejected string `json:"rejected_csv,omitempty" doc:"The rows that could not be used, as CSV with the file's line and the reason"`
	// Notes say which lines were read otherwise than as written (a stray quote).
	Notes []string `json:"notes,omitempty"`
}

// String says what the import did, for a person: "2 rows: 1 updated, 1 not found".
func (s ImportSummary) String() string {
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{{s.Created, "created"}, {s.Updated, "updated"}, {s.Unchanged, "already up to date"}, {s.NotFound, "not found"},
		{s.Invalid, "could not be read"}, {s.Conflicts, "would overwrite a different value"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	rows := "rows"
	if s.Rows == 1 {
		rows = "row"
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d %s", s.Rows, rows)
	}
	return fmt.Sprintf("%d %s: %s", s.Rows, rows, strings.Join(parts, ", "))
}

// rowResult is what became of one row.
type rowResult struct {
	outcome string // an order outcome, or notFound, invalid, conflict
	reason  string
}

const (
	outcomeNotFound = "not_found"
	outcomeInvalid  = "invalid"
	outcomeConflict = "conflict"
)

// plan is one row's work: a result decided without writing (an unreadable row), a write,
// or a checkout message to ingest.
type plan struct {
	result rowResult
	write  *order.Write
	input  *Input
}

// Import reads a file of one kind and applies each row through the same path as any
// change, as one batch.
func (s *Service) Import(ctx context.Context, kind string, data []byte) (ImportSummary, error) {
	return s.ImportWithProgress(ctx, kind, data, nil)
}

// ImportProgress is how far an import is: rows done of all, in its batch.
type ImportProgress struct {
	Batch string `json:"batch"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
}

// ImportWithProgress is Import, telling progress (which may be nil) when the batch starts
// and after each transaction of rows.
func (s *Service) ImportWithProgress(ctx context.Context, kind string, data []byte, progress func(ImportProgress)) (ImportSummary, error) {
	batch := newBatchID(s.now())
	actor := order.ActorImport(batch)
	var plans []plan
	var source [][]string // each plan's row as read, for the rejected rows
	var header, notes []string
	var err error
	switch kind {
	case ImportOrders:
		plans, header, source, notes, err = s.orderMessages(data, actor)
	case ImportTracking, ImportReceived, ImportCharges, ImportCancellations:
		var t table
		if t, err = s.readImport(kind, data); err == nil {
			notes = t.notes
			plans = s.rowPlans(ctx, kind, t, actor)
			header = append([]string{"line"}, t.header...)
			for i, row := range t.rows {
				source = append(source, append([]string{strconv.Itoa(t.lines[i])}, row...))
			}
		}
	default:
		return ImportSummary{}, invalid("kind", "%q is not one of %s", kind, strings.Join(ImportKinds, ", "))
	}
	if err != nil {
		return ImportSummary{}, err
	}
	s.logger.Info("import started", "kind", kind, "batch", batch, "rows", len(plans))
	told := -1
	tell := func(done int) { // each count once: the last transaction may end the batch
		if progress != nil && done != told {
			told = done
			progress(ImportProgress{Batch: batch, Done: done, Total: len(plans)})
		}
	}
	tell(0)
	results := s.runTelling(ctx, plans, tell)
	tell(len(plans))
	if err := ctx.Err(); err != nil {
		return ImportSummary{}, fmt.Errorf("import stopped (rows done so far stay; undo batch %s reverts them): %w", batch, err)
	}
	sum := ImportSummary{Batch: batch, Kind: kind, Rows: len(plans), Notes: notes}
	sum.Rejected = tally(&sum, results, header, source)
	s.keepBatch(ctx, sum)
	s.logger.Info("import done", "kind", kind, "batch", batch, "rows", sum.Rows, "updated", sum.Updated, "created", sum.Created,
		"rejected", sum.NotFound+sum.Invalid+sum.Conflicts)
	return sum, nil
}

func newBatchID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// run carries out plans in file order: writes in chunks of importChunk, one transaction
// each; messages through Ingest.
func (s *Service) run(ctx context.Context, plans []plan) []rowResult {
	return s.runTelling(ctx, plans, nil)
}

// runTelling is run, calling done (when set) with the rows done after each transaction.
func (s *Service) runTelling(ctx context.Context, plans []plan, done func(int)) []rowResult {
	results := make([]rowResult, len(plans))
	var pending []int
	flush := func() {
		if len(pending) == 0 {
			return
		}
		writes := make([]order.Write, len(pending))
		for j, i := range pending {
			writes[j] = *plans[i].write
		}
		res, errs, err := s.writeMany(ctx, writes)
		for j, i := range pending {
			if err != nil {
				results[i] = rowResult{outcomeInvalid, "could not store: " + err.Error()}
				continue
			}
			results[i] = classify(writes[j].Number, errs[j])
			if errs[j] == nil {
				results[i].outcome = res[j].Outcome
			}
		}
		if done != nil {
			done(pending[len(pending)-1] + 1)
		}
		pending = pending[:0]
	}
	for i, p := range plans {
		if ctx.Err() != nil {
			break
		}
		switch {
		case p.write != nil:
			if pending = append(pending, i); len(pending) == importChunk {
				flush()
			}
		case p.input != nil:
			// A message read as an order joins the transaction of many rows, with its log
			// entry; one that is not (no order number, unreadable) is ingested alone, which
			// logs why.
			if w, ok := s.inputWrite(*p.input); ok {
				plans[i].write = w
				if pending = append(pending, i); len(pending) == importChunk {
					flush()
				}
				continue
			}
			flush() // earlier rows first
			results[i] = s.ingestRow(ctx, *p.input)
		default:
			results[i] = p.result
		}
	}
	flush()
	return results
}

// inputWrite is the write an imported message makes, with its log entry, or false when
// the message makes none.
func (s *Service) inputWrite(in Input) (*order.Write, bool) {
	_, w, entry, reason, err := s.prepare(&in)
	if err != nil || reason != "" {
		return nil, false
	}
	w.Log = &entry
	return &w, true
}

// classify says what a row's write error means; nil is a success.
func classify(number string, err error) rowResult {
	var inv *InvalidError
	switch {
	case err == nil:
		return rowResult{}
	case errors.Is(err, order.ErrNotFound):
		return rowResult{outcomeNotFound, "no order with number " + number}
	case errors.As(err, &inv):
		return rowResult{outcomeInvalid, inv.Error()}
	case errors.Is(err, errConflict):
		return rowResult{outcomeConflict, err.Error()}
	}
	return rowResult{outcomeInvalid, err.Error()}
}

// tally counts the results into sum and returns the rejected rows as CSV.
func tally(sum *ImportSummary, results []rowResult, header []string, source [][]string) string {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(append(header, "reason")) // writes to a buffer cannot fail
	rejected := 0
	for i, r := range results {
		switch r.outcome {
		case order.OutcomeCreated:
			sum.Created++
		case order.OutcomeUpdated, order.OutcomeRestored:
			sum.Updated++
		case order.OutcomeUnchanged, order.OutcomeDuplicate:
			sum.Unchanged++
		default:
			switch r.outcome {
			case outcomeNotFound:
				sum.NotFound++
			case outcomeConflict:
				sum.Conflicts++
			default:
				sum.Invalid++
			}
			rejected++
			row := make([]string, len(source[i]))
			for c, v := range source[i] {
				row[c] = neutralise(v)
			}
			_ = w.Write(append(row, r.reason))
		}
	}
	w.Flush()
	if rejected == 0 {
		return ""
	}
	return buf.String()
}

// readImport reads a table and checks it has the columns its kind needs. A list of
// cancellations may also be plain text, one order number a line.
func (s *Service) readImport(kind string, data []byte) (table, error) {
	t, err := readTable(data)
	if err != nil {
		return table{}, err
	}
	if kind == ImportCancellations && len(t.header) == 1 {
		return plainNumbers(data), nil // a list, perhaps under a heading
	}
	need := map[string][][]string{
		ImportTracking:      {orderColumns, trackingColumns},
		ImportReceived:      {receivedColumns},
		ImportCharges:       {dateColumns},
		ImportCancellations: {orderColumns},
	}[kind]
	for _, names := range need {
		if t.column(names...) < 0 {
			if kind == ImportCancellations {
				return plainNumbers(data), nil
			}
			return table{}, fmt.Errorf("the %s file needs a column named %s; its columns are: %s",
				kind, strings.Join(names[:min(3, len(names))], " or "), strings.Join(t.header, ", "))
		}
	}
	if kind == ImportReceived && t.column(orderColumns...) < 0 && t.column(trackingColumns...) < 0 {
		return table{}, fmt.Errorf("the received file needs an order number or a tracking number column; its columns are: %s", strings.Join(t.header, ", "))
	}
	if kind == ImportCharges && t.column(orderColumns...) < 0 && t.column(descriptionColumns...) < 0 {
		return table{}, fmt.Errorf("the charges file needs a description column holding the order number (or an order column); its columns are: %s", strings.Join(t.header, ", "))
	}
	return t, nil
}

// plainNumbers reads a list of order numbers: one or more a line, separated by commas,
// semicolons or spaces.
func plainNumbers(data []byte) table {
	t := table{header: []string{"order number"}}
	for i, line := range strings.Split(string(bytes.TrimPrefix(data, []byte("\ufeff"))), "\n") {
		if slices.Contains(orderColumns, headerName(line)) {
			continue // a heading such as "Order Number"
		}
		for _, n := range order.SplitList(line) {
			if n = cell(n); n != "" && !slices.Contains(orderColumns, headerName(n)) {
				t.rows, t.lines = append(t.rows, []string{n}), append(t.lines, i+1)
			}
		}
	}
	return t
}
