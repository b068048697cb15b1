// Package bbolt is the bbolt implementation of the order store: orders, their history and
// the webhook log in one file. Every write that is acknowledged is on disk (bbolt fsyncs
// each commit) before the call returns, and concurrent writers share commits (commit.go).
// What any store must do is stated by the contract tests in order/ordertest; hot backup
// and the page-level consistency check are bbolt's own extras. Every order's summary is
// kept in memory by internal/summaries, which answers lists and totals.
package bbolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/summaries"
)

// schemaVersion is the layout this code reads and writes; Open migrates older files.
// Version 2 keeps tracking numbers as a list and a summary of each order for filters,
// indexes events by actor (so an import batch can be undone), counts orders and log
// entries as they change, and drops the exact-match indexes that partial search made
// useless. Version 3 drops the date index: filters read the summaries in memory.
const schemaVersion = 3

// Bucket names, all in one place.
var (
	bucketMeta      = []byte("meta")
	bucketOrders    = []byte("orders")          // be64(id) -> order JSON
	bucketSummaries = []byte("order_summaries") // be64(id) -> summary (summaries.Encode)
	bucketNumbers   = []byte("order_numbers")   // order.Key(number) -> be64(id)
	bucketEvents    = []byte("events")          // be64(order id) be64(event id) -> event JSON, compressed (events.go)
	bucketLogs      = []byte("webhook_logs")    // be64(log id) -> log entry JSON
	bucketByActor   = []byte("idx_event_actor") // actor 0x00 be64(order id) be64(event id) -> nothing
	bucketSeen      = []byte("inputs_seen")     // mark key -> be64(version) hash
	bucketPositions = []byte("positions")       // name -> decimal position
	bucketAliases   = []byte("parser_aliases")  // label as taught -> field
	bucketDocuments = []byte("documents")       // collection -> (key -> document), documents.go

	keySchemaVersion = []byte("schema_version")
	keyOrderCount    = []byte("count_orders") // be64
	keyLogCount      = []byte("count_logs")   // be64
	keyLogBytes      = []byte("bytes_logs")   // be64: the size of every log entry
)

var allBuckets = [][]byte{
	bucketMeta, bucketOrders, bucketSummaries, bucketNumbers, bucketEvents, bucketLogs, bucketByActor,
	bucketSeen, bucketPositions, bucketAliases, bucketDocuments,
}

// ErrLocked means another process has the database open.
var ErrLocked = errors.New("database is in use by another process")

// ErrNoDatabase is an OpenExisting of a file that is not there.
var ErrNoDatabase = errors.New("no database")

// ErrDamaged is a database file that cannot be read as it should.
var ErrDamaged = errors.New("database is damaged")

// Store is an open database.
type Store struct {
	db   *bolt.DB
	path string
	// damage is what Verify found wrong; writeErr is the error of the latest write, nil
	// once a write succeeds again (a full disk, say). /health shows both.
	damage, writeErr atomic.Pointer[error]
	index            *summaries.Index // every order's summary, kept after each commit
	commits          *committer
}

// damagedHelp is what to do about a damaged file, said the same way everywhere.
func damagedHelp(path string) string {
	return fmt.Sprintf("restore your latest backup in its place (bot backup makes them), or move %s away to start a new, empty database. "+
		"ROMS leaves the damaged file as it is", path)
}

// OpenExisting opens a database that must already exist: the tools that read one should
// not create an empty database at a mistyped path.
func OpenExisting(path string, lockWait time.Duration) (*Store, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s: is storage.path right? (the bot creates it on its first start)", ErrNoDatabase, path)
	}
	return Open(path, lockWait)
}

// checkFile refuses a file that is there but cannot be a database: empty, or cut short.
// bbolt would start an empty file as a new database, silently, and could crash reading
// past the end of a truncated one.
func checkFile(path string) error {
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	const page = 4096
	switch {
	case info.Size() == 0:
		return fmt.Errorf("%w: %s is empty (0 bytes), so your orders are not in it: %s", ErrDamaged, path, damagedHelp(path))
	case info.Size() < 4*page || info.Size()%page != 0:
		return fmt.Errorf("%w: %s is cut short (%d bytes, not a whole number of pages): %s", ErrDamaged, path, info.Size(), damagedHelp(path))
	}
	return nil
}

// Open opens or creates the database at path. A database held by another process fails
// after lockWait with ErrLocked rather than waiting for ever.
func Open(path string, lockWait time.Duration) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database folder %s: %w", dir, err)
		}
	}
	if err := checkFile(path); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockWait})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("open database %s: %w", path, ErrLocked)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum), errors.Is(err, bolterrors.ErrVersionMismatch):
		return nil, fmt.Errorf("%w: %s: %v: %s", ErrDamaged, path, err, damagedHelp(path))
	case err != nil:
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := safely(path, func() error { return db.Update(prepare) }); err != nil {
		db.Close()
		if errors.Is(err, ErrDamaged) {
			return nil, err
		}
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s := &Store{db: db, path: path, commits: newCommitter(db, path)}
	if err := s.view(s.loadIndex); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// loadIndex reads every order's summary into memory.
func (s *Store) loadIndex(tx *bolt.Tx) error {
	b := tx.Bucket(bucketSummaries)
	index, err := summaries.Load(b.Stats().KeyN, func(add func(uint64, []byte) error) error {
		return b.ForEach(func(k, v []byte) error { return add(binary.BigEndian.Uint64(k), v) })
	})
	if err != nil {
		return fmt.Errorf("%w: %v", errCorrupt, err)
	}
	s.index = index
	return nil
}

// prepare creates missing buckets, and migrates a file written by an older ROMS.
func prepare(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	v := meta.Get(keySchemaVersion)
	if v == nil {
		return meta.Put(keySchemaVersion, be64(schemaVersion))
	}
	switch got := binary.BigEndian.Uint64(v); {
	case got == schemaVersion:
		return nil
	case got > schemaVersion:
		return fmt.Errorf("schema version %d, this ROMS reads version %d: use the ROMS release that wrote it", got, schemaVersion)
	case got == 1:
		if err := migrateV1(tx); err != nil {
			return fmt.Errorf("migrate schema 1 to 2: %w", err)
		}
	}
	// Schema 3: filters read the summaries in memory, so the date index of schema 2 goes.
	if err := tx.DeleteBucket([]byte("idx_order_date")); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
		return fmt.Errorf("migrate schema 2 to 3: %w", err)
	}
	return meta.Put(keySchemaVersion, be64(schemaVersion))
}

// migrateV1 splits each order's tracking string into the list, writes each order's
// summary, counts orders and log entries, and drops the exact-match indexes of version 1.
func migrateV1(tx *bolt.Tx) error {
	orders := tx.Bucket(bucketOrders)
	var rewritten, encoded [][2][]byte
	err := orders.ForEach(func(k, v []byte) error {
		var o order.Order
		if err := json.Unmarshal(v, &o); err != nil {
			return fmt.Errorf("decode order %d: %w", binary.BigEndian.Uint64(k), err)
		}
		o.SetTracking(order.SplitList(o.TrackingNumber))
		raw, err := json.Marshal(o)
		rewritten = append(rewritten, [2][]byte{clone(k), raw})
		encoded = append(encoded, [2][]byte{clone(k), summaries.Encode(&o)})
		return err
	})
	if err != nil {
		return err
	}
	for _, kv := range rewritten { // not under ForEach: bbolt forbids writes while iterating
		if err := orders.Put(kv[0], kv[1]); err != nil {
			return err
		}
	}
	for _, kv := range encoded {
		if err := tx.Bucket(bucketSummaries).Put(kv[0], kv[1]); err != nil {
			return err
		}
	}
	if err := indexV1Events(tx); err != nil {
		return err
	}
	for _, name := range []string{"idx_email", "idx_status", "idx_store", "idx_profile"} {
		if err := tx.DeleteBucket([]byte(name)); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	if err := meta.Put(keyOrderCount, be64(uint64(tx.Bucket(bucketNumbers).Stats().KeyN))); err != nil {
		return err
	}
	if err := meta.Put(keyLogCount, be64(uint64(tx.Bucket(bucketLogs).Stats().KeyN))); err != nil {
		return err
	}
	var size int
	_ = tx.Bucket(bucketLogs).ForEach(func(_, v []byte) error { size += len(v); return nil })
	return meta.Put(keyLogBytes, be64(uint64(size)))
}

// indexV1Events indexes the events of version 1 by their origin, which named who made them
// before events had actors.
func indexV1Events(tx *bolt.Tx) error {
	var keys [][]byte
	err := tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
		e, err := decodeEvent(k, v)
		if err != nil {
			return fmt.Errorf("decode event %x: %w", k, err)
		}
		keys = append(keys, actorKey(order.ActorMessage(e.Origin), k))
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := tx.Bucket(bucketByActor).Put(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// addCount moves a counter in meta by delta.
func addCount(tx *bolt.Tx, key []byte, delta int) error {
	meta := tx.Bucket(bucketMeta)
	var n uint64
	if v := meta.Get(key); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	return meta.Put(key, be64(uint64(max(int64(n)+int64(delta), 0))))
}

func count(tx *bolt.Tx, key []byte) int {
	v := tx.Bucket(bucketMeta).Get(key)
	if len(v) != 8 {
		return 0
	}
	return int(binary.BigEndian.Uint64(v))
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database once the writes it is committing are on disk.
func (s *Store) Close() error {
	s.commits.stop()
	return s.db.Close()
}

// Backup writes a consistent copy of the whole database to w while it stays in use.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up %s: %w", s.path, err)
	}
	return n, nil
}

// Verify checks every page of the file, for the bot to run at start before it writes (a
// check beside running writes reports freed pages that are not damage). Damage found
// turns Problem into an error (and /health to failing), and is returned.
func (s *Store) Verify() error {
	err := safely(s.path, s.Check)
	if err != nil && !errors.Is(err, ErrDamaged) {
		err = fmt.Errorf("%w: %s: %v: %s", ErrDamaged, s.path, err, damagedHelp(s.path))
	}
	if err != nil {
		s.damage.Store(&err)
	}
	return err
}

// errCorrupt marks a stored record that no longer decodes: ROMS wrote it whole, so the
// file is damaged.
var errCorrupt = errors.New("stored record does not decode")

// view runs a read transaction. A page bbolt cannot make sense of, or a record that does
// not decode, is damage: it is recorded for /health, and the read fails with ErrDamaged.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	err := safely(s.path, func() error { return s.db.View(fn) })
	if errors.Is(err, errCorrupt) {
		err = fmt.Errorf("%w: %s: %v: %s", ErrDamaged, s.path, err, damagedHelp(s.path))
	}
	if errors.Is(err, ErrDamaged) {
		s.damage.Store(&err)
	}
	return err
}

// safely runs fn, turning the panic bbolt raises on a page it cannot make sense of into
// ErrDamaged: a damaged file must stop the bot with a message, not a stack trace.
func safely(path string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: %v: %s", ErrDamaged, path, r, damagedHelp(path))
		}
	}()
	return fn()
}

// Problem is what is wrong with the database now: damage Verify found, or the error of
// the latest write while writes fail (a full or read-only disk). Nil when all is well.
func (s *Store) Problem() error {
	if p := s.damage.Load(); p != nil {
		return *p
	}
	if p := s.writeErr.Load(); p != nil {
		return fmt.Errorf("writes are failing: %w", *p)
	}
	return nil
}

// noteWrite records how a write ended: a failure of the database (not a refusal of the
// write itself) is shown by Problem until a write succeeds again.
func (s *Store) noteWrite(err error) {
	switch {
	case err == nil:
		s.writeErr.Store(nil)
	case order.Refused(err), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
	default:
		s.writeErr.Store(&err)
	}
}

// Check verifies the consistency of every page of the file.
func (s *Store) Check() error {
	return s.db.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}

// Counts says what the database holds, from counters kept as it changes: it reads three
// keys whatever the size of the database.
func (s *Store) Counts(ctx context.Context) (order.Counts, error) {
	if err := ctx.Err(); err != nil {
		return order.Counts{}, err
	}
	var c order.Counts
	err := s.view(func(tx *bolt.Tx) error {
		c.Orders, c.LogItems, c.SizeBytes = count(tx, keyOrderCount), count(tx, keyLogCount), tx.Size()
		c.LogBytes = int64(count(tx, keyLogBytes))
		return nil
	})
	return c, err
}

func be64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// clone copies bytes out of a transaction, since bbolt's slices die with it.
func clone(b []byte) []byte {
	return append([]byte(nil), b...)
}
