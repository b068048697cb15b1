package bbolt

import (
	"errors"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// maxGroup bounds how many writes share one transaction, so that one commit (and the
// wait of its first writer) stays short however deep the queue.
const maxGroup = 1000

// committer runs concurrent writes in shared transactions (group commit). One goroutine
// takes every write waiting when the previous commit ends and runs them in one
// transaction: a lone write commits at once, and a burst shares each fsync among as many
// writes as arrived while the disk was busy. bbolt's own db.Batch waits a fixed delay
// before it commits and then queues its batches on the write lock, so a batch held what
// arrived in that delay rather than during the commit: measured with 64 writers, 15
// writes a commit where this takes every waiting one.
type committer struct {
	db      *bolt.DB
	path    string     // for the error a panic of bbolt's becomes
	queue   chan *call // unbuffered: a write is either taken by the loop or refused
	closing chan struct{}
	done    chan struct{}
	once    sync.Once
	// commits and writes count what the loop did, for the bench's writes per commit.
	commits, writes atomic.Int64
}

type call struct {
	fn    func(*bolt.Tx) error
	after func() // once fn's transaction is on disk; may be nil
	err   chan error
}

func newCommitter(db *bolt.DB, path string) *committer {
	c := &committer{db: db, path: path, queue: make(chan *call), closing: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// run runs fn in a transaction shared with other writers and returns once that
// transaction is on disk. Like db.Batch, fn may run twice: when a write in its group
// fails, the group is rolled back and each write runs again alone, so that one write's
// failure is never another's. fn must therefore recompute everything it sets.
//
// after, when not nil, runs once fn's transaction is on disk and before run returns, in
// the order of the commits: what it keeps in memory (the summaries) follows the file in
// that order, whichever writer wakes first.
func (c *committer) run(fn func(*bolt.Tx) error, after func()) error {
	cl := &call{fn: fn, after: after, err: make(chan error, 1)}
	select {
	case c.queue <- cl:
		return <-cl.err
	case <-c.closing:
		return bolterrors.ErrDatabaseNotOpen
	}
}

// stop ends the loop once the group it is running is committed. Writes after it fail.
func (c *committer) stop() {
	c.once.Do(func() { close(c.closing) })
	<-c.done
}

func (c *committer) loop() {
	defer close(c.done)
	group := make([]*call, 0, maxGroup)
	for {
		select {
		case first := <-c.queue:
			group = append(group[:0], first)
			group = c.gather(group)
			c.commit(group)
		case <-c.closing:
			return
		}
	}
}

// gather adds every write already waiting, up to maxGroup.
func (c *committer) gather(group []*call) []*call {
	for len(group) < maxGroup {
		select {
		case cl := <-c.queue:
			group = append(group, cl)
		default:
			return group
		}
	}
	return group
}

// errRetryAlone marks a group that must be rolled back because one of its writes failed.
var errRetryAlone = errors.New("a write in the group failed")

func (c *committer) commit(group []*call) {
	c.commits.Add(1)
	c.writes.Add(int64(len(group)))
	if len(group) == 1 {
		group[0].done(c.update(group[0].fn))
		return
	}
	err := c.update(func(tx *bolt.Tx) error {
		for _, cl := range group {
			if err := cl.fn(tx); err != nil {
				return errRetryAlone
			}
		}
		return nil
	})
	if errors.Is(err, errRetryAlone) {
		for _, cl := range group {
			c.commits.Add(1)
			cl.done(c.update(cl.fn))
		}
		return
	}
	for _, cl := range group {
		cl.done(err)
	}
}

// done answers the writer, after running its after once its write is on disk.
func (cl *call) done(err error) {
	if err == nil && cl.after != nil {
		cl.after()
	}
	cl.err <- err
}

// update runs one transaction, a panic of bbolt's on a damaged page turned into
// ErrDamaged: the loop must live on to answer every writer.
func (c *committer) update(fn func(*bolt.Tx) error) error {
	return safely(c.path, func() error { return c.db.Update(fn) })
}

// CommitCounts is how many transactions the shared commits made and how many writes they
// carried, since the store opened: writes per commit under load, for the bench.
func (s *Store) CommitCounts() (commits, writes int64) {
	return s.commits.commits.Load(), s.commits.writes.Load()
}
