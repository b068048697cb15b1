package order

import (
	"context"
	"fmt"
)

// Record is one stored thing as a migration moves it between stores: exactly one field
// is set.
type Record struct {
	Order    *Order        `json:"order,omitempty"`
	Event    *Event        `json:"event,omitempty"`
	Log      *LogEntry     `json:"log,omitempty"`
	Mark     *MarkRecord   `json:"mark,omitempty"`
	Position *PositionMark `json:"position,omitempty"`
	Alias    *AliasRecord  `json:"alias,omitempty"`
	Document *Document     `json:"document,omitempty"`
}

// AliasRecord is a parser label taught from the review list.
type AliasRecord struct {
	Label string `json:"label"`
	Field string `json:"field"`
}

// MarkRecord is a stored mark: the version and hash of the input last taken under a key.
type MarkRecord struct {
	Key     string `json:"key"`
	Version int64  `json:"version"`
	Hash    string `json:"hash"`
}

// PositionMark is a saved position, such as how far a channel has been read.
type PositionMark struct {
	Name string `json:"name"`
	Pos  string `json:"pos"`
}

// Census counts what a store holds, to check that a migration moved everything.
type Census struct {
	Orders, Events, Logs, Marks, Positions, Aliases, Documents int
}

func (c Census) String() string {
	return fmt.Sprintf("%d orders, %d events, %d log entries, %d marks, %d positions, %d taught labels, %d documents",
		c.Orders, c.Events, c.Logs, c.Marks, c.Positions, c.Aliases, c.Documents)
}

// Archive is what a store gives and takes to move a whole database to another store.
type Archive interface {
	// Records calls fn with everything stored: orders, events, log entries, marks and
	// positions, each kind in id order.
	Records(ctx context.Context, fn func(Record) error) error
	// Restore stores records as they are, ids included. A record already there is left
	// alone, so a copy that stopped can be run again, and a finished one changes nothing.
	Restore(ctx context.Context, records []Record) error
	// Census counts what is stored.
	Census(ctx context.Context) (Census, error)
}
