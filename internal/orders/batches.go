package orders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// collectionImports holds a document per import batch, keyed by the batch id.
const collectionImports = "imports"

// Batch is a past import as the Imports page lists it: what it did and, once undone,
// what the undo did.
type Batch struct {
	ImportSummary
	At     time.Time    `json:"at"`
	Undone *UndoSummary `json:"undone,omitempty" doc:"What the latest undo of the batch did"`
	// UndoneAt is when it was undone, by whom (an actor, as history names it).
	UndoneAt *time.Time `json:"undone_at,omitempty"`
	UndoneBy string     `json:"undone_by,omitempty"`
}

// keepBatch records what an import did; its rejected rows are not kept (the answer had
// them), its counts are. An import that changed nothing has nothing to undo and is still
// listed, so the person sees their file was read.
func (s *Service) keepBatch(ctx context.Context, sum ImportSummary) {
	sum.Rejected, sum.Notes = "", nil
	if err := s.putBatch(ctx, Batch{ImportSummary: sum, At: s.now()}); err != nil {
		s.logger.Warn("the import is done, but could not be listed with the past imports", "batch", sum.Batch, "error", err)
	}
}

func (s *Service) putBatch(ctx context.Context, b Batch) error {
	return order.PutJSON(ctx, s.store, collectionImports, b.Batch, b)
}

// noteUndo records an undo on its batch's document, if the batch has one (batches of an
// older ROMS have not).
func (s *Service) noteUndo(ctx context.Context, u UndoSummary, actor string) {
	b, err := order.GetJSON[Batch](ctx, s.store, collectionImports, u.Batch)
	if errors.Is(err, order.ErrNotFound) {
		return
	}
	if err == nil {
		at := s.now()
		b.Undone, b.UndoneAt, b.UndoneBy = &u, &at, actor
		err = s.putBatch(ctx, b)
	}
	if err != nil {
		s.logger.Warn("the batch is undone, but its record could not say so", "batch", u.Batch, "error", err)
	}
}

// Batches lists past imports, newest first, up to limit.
func (s *Service) Batches(ctx context.Context, limit int) ([]Batch, error) {
	out, err := order.AllJSON[Batch](ctx, s.store, collectionImports)
	if err != nil {
		return nil, fmt.Errorf("list past imports: %w", err)
	}
	slices.SortStableFunc(out, func(a, b Batch) int { return b.At.Compare(a.At) }) // ids are to the second only
	return out[:min(limit, len(out))], nil
}
