package order

import (
	"context"
	"errors"
	"slices"
	"time"
)

// Store is what the orders service asks of storage. The contract tests in ordertest say
// what each method must do; the bbolt store implements it, and so will the PostgreSQL one.
type Store interface {
	Write(ctx context.Context, w Write) (Result, error)
	// WriteMany applies writes in order in one transaction, each as Write would; a write
	// that is refused (ErrNotFound, ErrExists, a Check's error) leaves no trace and the
	// others still apply. errs[i] is the error of writes[i]; err fails them all.
	WriteMany(ctx context.Context, writes []Write) (results []Result, errs []error, err error)
	Get(ctx context.Context, number string) (Order, error)
	// ByID returns the order with this id; ErrNotFound when there is none.
	ByID(ctx context.Context, id uint64) (Order, error)
	// Numbers returns up to limit numbers of live orders that start with prefix (as Key
	// reads it: any case, '#' ignored), most recently stored first.
	Numbers(ctx context.Context, prefix string, limit int) ([]string, error)
	Events(ctx context.Context, number string) ([]Event, error)
	// EventsBy returns every event an actor made (an import batch, say), oldest first.
	EventsBy(ctx context.Context, actor string) ([]Event, error)
	List(ctx context.Context, f Filter) (Page, error)
	Each(ctx context.Context, f Filter, fn func(*Order) error) error
	Totals(ctx context.Context, f Filter, by string, loc *time.Location) (Totals, []Totals, error)
	AppendLog(ctx context.Context, e LogEntry, mark *Mark) (uint64, error)
	Logs(ctx context.Context, limit int) ([]LogEntry, error)
	// FindLogs returns the newest entries that match f and how many match in all.
	FindLogs(ctx context.Context, f LogFilter) (LogPage, error)
	// Log returns one entry; ErrNotFound when there is none.
	Log(ctx context.Context, id uint64) (LogEntry, error)
	// MarkReplayed records the outcome of a replay of an entry.
	MarkReplayed(ctx context.Context, id uint64, outcome string) error
	// PruneLogs deletes the oldest entries beyond the retention's bounds.
	PruneLogs(ctx context.Context, r Retention, now time.Time) (int, error)
	Seen(ctx context.Context, m Mark) (bool, error)
	Position(ctx context.Context, name string) (string, error)
	Advance(ctx context.Context, name, pos string) error
	// Aliases are the parser's labels taught from the review list, label as taught to
	// field; Teach saves one (an empty field forgets it). Kept in the database so that
	// they survive restarts and every instance reads with them.
	Aliases(ctx context.Context) (map[string]string, error)
	Teach(ctx context.Context, label, field string) error
	Counts(ctx context.Context) (Counts, error)
	// Documents are small things that are not orders (an import batch's summary, an ACO
	// client), kept by key in a collection. PutDocument writes or replaces one; Document
	// reads one (ErrNotFound when there is none); Documents lists a collection by key,
	// from the first key after after, up to limit (0: all); DeleteDocument forgets one.
	PutDocument(ctx context.Context, collection, key string, data []byte) error
	Document(ctx context.Context, collection, key string) ([]byte, error)
	Documents(ctx context.Context, collection, after string, limit int) ([]Document, error)
	DeleteDocument(ctx context.Context, collection, key string) error
}

// Document is one stored document of a collection.
type Document struct {
	Collection string `json:"collection"`
	Key        string `json:"key"`
	Data       []byte `json:"data"`
}

// Outcomes of one input or edit, as replies and the webhook log report them.
const (
	OutcomeCreated   = "created"
	OutcomeUpdated   = "updated"
	OutcomeUnchanged = "unchanged"
	OutcomeDeleted   = "deleted"
	OutcomeRestored  = "restored"
	OutcomeIgnored   = "ignored"
	OutcomeRejected  = "rejected"
	// OutcomeDuplicate is an input the store has already taken, as it was.
	OutcomeDuplicate = "duplicate"
)

// Errors every store returns for the same conditions, so callers can tell them apart
// whatever the storage.
var (
	ErrNotFound = errors.New("order not found")
	ErrExists   = errors.New("an order with this number exists already")
)

// Write is one change to store: an edit of the order with this number, with who made it
// and the log entry of the input that carried it.
type Write struct {
	Number string // the order number, as given
	Edit   Edit
	Origin Origin
	Actor  string
	// Inferred lists the fields of the edit that the parser read by meaning rather than
	// by its label table; the event keeps them, so a person can see what was guessed.
	Inferred   []string
	OccurredAt time.Time // when the checkout happened: the order date of a new order
	At         time.Time // when ROMS received the change
	// Log, when set, is written in the same transaction with the outcome filled in, so
	// an order and the record of the input that made it cannot disagree.
	Log *LogEntry
	// Mark, when set, makes the write idempotent (see Mark).
	Mark *Mark
	// MustExist makes a missing order ErrNotFound (edits); MustBeNew makes a known one
	// ErrExists (orders made by hand).
	MustExist, MustBeNew bool
	// Check, when set, is called with the merged order and what the merge changed (with
	// the old values) inside the write's transaction; an error aborts the write and is
	// returned as it is. It may run more than once.
	Check func(o *Order, changes []Change) error
}

// Result is what one write did.
type Result struct {
	Outcome string
	Order   Order
	Changes []Change
	LogID   uint64
}

// Mark makes an input idempotent. A source that can deliver the same input more than once
// (a Discord message seen live, on resume and in history) gives it a key; the store keeps
// the key, with the content's hash and version, in the same transaction as the input's
// order or log entry. The same key with the same hash, or with an older version, is a
// duplicate and changes nothing; a newer version with another hash is an edit.
type Mark struct {
	Key     string
	Hash    string
	Version int64 // larger is newer, such as the edit time in unix nanoseconds
}

// Covered reports whether an input with this mark is a duplicate, given the version and
// hash stored for its key: an older version, or the same content again.
func (m Mark) Covered(version int64, hash string) bool {
	return m.Version < version || m.Hash == hash
}

// LogEntry records one input, whatever became of it, so that nothing sent is ever lost.
type LogEntry struct {
	ID          uint64    `json:"id"`
	ReceivedAt  time.Time `json:"received_at"`
	Origin      Origin    `json:"origin"`
	ContentType string    `json:"content_type,omitempty"`
	Body        string    `json:"body"`       // as received, with proxy credentials removed
	BodyBytes   int       `json:"body_bytes"` // size as received; larger than Body when cut
	Outcome     string    `json:"outcome"`
	Error       string    `json:"error,omitempty"`
	Warnings    []string  `json:"warnings,omitempty"`
	OrderNumber string    `json:"order_number,omitempty"`
	OrderID     uint64    `json:"order_id,omitempty"`
	// Endpoint, Method and StatusCode are the HTTP request that carried the input and the
	// status it was answered with; empty for other sources.
	Endpoint   string `json:"endpoint,omitempty"`
	Method     string `json:"method,omitempty"`
	StatusCode int    `json:"status_code,omitempty"`
	// ReplayedAs is the outcome of the latest replay of the input, if any.
	ReplayedAs string `json:"replayed_as,omitempty"`
}

// LogFilter selects webhook log entries.
type LogFilter struct {
	Limit int
	// StillFailed selects inputs that were rejected and not stored by a replay since.
	StillFailed bool
	Outcomes    []string  // any of these outcomes; empty: any
	Since       time.Time // received at or after
}

// Match reports whether e is selected.
func (f LogFilter) Match(e *LogEntry) bool {
	switch {
	case f.StillFailed && (e.Outcome != OutcomeRejected || (e.ReplayedAs != "" && e.ReplayedAs != OutcomeRejected)):
		return false
	case len(f.Outcomes) > 0 && !slices.Contains(f.Outcomes, e.Outcome):
		return false
	case !f.Since.IsZero() && e.ReceivedAt.Before(f.Since):
		return false
	}
	return true
}

// LogPage is the newest entries a LogFilter selects.
type LogPage struct {
	Entries []LogEntry
	Total   int // how many entries match in all
}

// Retention bounds the webhook log by count, age and size; zero means no bound.
type Retention struct {
	MaxEntries int
	MaxAge     time.Duration
	MaxBytes   int64
}

// Counts are kept as the data changes, so asking for them costs nothing.
type Counts struct {
	Orders    int   `json:"orders" doc:"Orders stored, deleted ones included"`
	LogItems  int   `json:"webhook_logs"`
	LogBytes  int64 `json:"webhook_log_bytes" doc:"What the webhook log's entries take"`
	SizeBytes int64 `json:"size_bytes"`
}
