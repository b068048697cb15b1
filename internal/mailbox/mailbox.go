// Package mailbox reads the retailers' emails from the user's IMAP mailboxes and hands
// each to the orders service, once: every folder keeps a cursor (its UIDVALIDITY and the
// last UID read) in the database, advanced only after an email is stored, and each email
// is marked by its Message-ID, so a restart, a dropped connection or a renumbered folder
// (a UIDVALIDITY change) neither skips an email nor applies one twice. It only reads:
// folders are opened read-only (EXAMINE) and bodies fetched with BODY.PEEK, so nothing is
// deleted, moved or marked as read.
package mailbox

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"github.com/roms-dev/roms/internal/orders"
)

// Account is one mailbox.
type Account struct {
	Name, Server, Security, Username, Password string
	Folders                                    []string
}

// Security settings of an account.
const (
	TLS      = "tls"
	StartTLS = "starttls"
	None     = "none"
)

// Orders is what the reader needs of the orders service.
type Orders interface {
	IngestEmail(ctx context.Context, account string, raw []byte) (orders.Ingested, error)
	Position(ctx context.Context, name string) (string, error)
	Advance(ctx context.Context, name, pos string) error
}

// States of an account, as /health shows them.
const (
	StateConnecting = "connecting"
	StateOK         = "ok"
	StateFailing    = "failing"
)

// AccountStatus is what /health and the banner say of one mailbox.
type AccountStatus struct {
	Name     string     `json:"name"`
	Server   string     `json:"server"`
	State    string     `json:"state" enum:"connecting,ok,failing"`
	Message  string     `json:"message,omitempty" doc:"What is wrong and what to do about it, in plain words"`
	LastRead *time.Time `json:"last_read,omitempty" doc:"When every folder was last read to its end"`
	Read     int        `json:"read" doc:"Emails read since start"`
	Applied  int        `json:"applied" doc:"Of those, emails that changed or created an order"`
	Backlog  int        `json:"backlog,omitempty" doc:"Emails found and not read yet in the pass under way"`
}

// Reader reads every account's folders now and every poll.
type Reader struct {
	accounts []Account
	poll     time.Duration
	since    time.Duration
	orders   Orders
	logger   *slog.Logger
	mu       sync.Mutex
	status   map[string]*AccountStatus
}

// batch is how many emails are fetched at once: a folder of any size is read in
// memory bounded by a batch of emails.
const batch = 25

// timeout bounds one IMAP command; a server that stops answering is left and retried.
const timeout = time.Minute

// New returns the reader of accounts. poll is how often each folder is read again;
// since how far back the first read of a folder goes.
func New(accounts []Account, poll, since time.Duration, svc Orders, logger *slog.Logger) *Reader {
	r := &Reader{accounts: accounts, poll: poll, since: since, orders: svc, logger: logger, status: map[string]*AccountStatus{}}
	for _, a := range accounts {
		r.status[a.Name] = &AccountStatus{Name: a.Name, Server: a.Server, State: StateConnecting}
	}
	return r
}

// Run reads every account until ctx ends: a pass now, then one every poll. A failing
// account is retried at the next poll and stops nothing else. A nil Reader reads nothing.
func (r *Reader) Run(ctx context.Context) {
	if r == nil {
		return
	}
	var wg sync.WaitGroup
	for _, a := range r.accounts {
		wg.Go(func() {
			for {
				r.pass(ctx, a)
				select {
				case <-ctx.Done():
					return
				case <-time.After(r.poll):
				}
			}
		})
	}
	wg.Wait()
}

// Statuses are every account's, in the order of the settings.
func (r *Reader) Statuses() []AccountStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []AccountStatus{}
	for _, a := range r.accounts {
		out = append(out, *r.status[a.Name])
	}
	return out
}

func (r *Reader) update(name string, fn func(*AccountStatus)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(r.status[name])
}

// pass reads each folder of a to its end.
func (r *Reader) pass(ctx context.Context, a Account) {
	err := r.read(ctx, a)
	if ctx.Err() != nil {
		return
	}
	now := time.Now()
	r.update(a.Name, func(s *AccountStatus) {
		s.Backlog = 0
		if err != nil {
			s.State, s.Message = StateFailing, Explain(err, a)+fmt.Sprintf("; trying again every %s", r.poll)
			return
		}
		s.State, s.Message, s.LastRead = StateOK, "", &now
	})
	if err != nil {
		r.logger.Warn("mailbox not read", "account", a.Name, "server", a.Server, "error", err)
	}
}

func (r *Reader) read(ctx context.Context, a Account) error {
	c, err := Connect(ctx, a)
	if err != nil {
		return err
	}
	defer c.Close()
	r.update(a.Name, func(s *AccountStatus) { s.State, s.Message = StateOK, "" }) // logged in: reading
	for _, folder := range a.Folders {
		if err := r.readFolder(ctx, c, a, folder); err != nil {
			return fmt.Errorf("folder %s: %w", folder, err)
		}
	}
	return nil
}

// cursorName names a folder's cursor among the positions the database keeps.
func cursorName(account, folder string) string { return "mail:" + account + ":" + folder }

// readFolder reads the emails of folder after its cursor, in UID order, advancing the
// cursor after each is stored.
func (r *Reader) readFolder(ctx context.Context, c *Conn, a Account, folder string) error {
	mbox, err := c.imap.Select(folder, true) // EXAMINE: read-only
	if err != nil {
		return err
	}
	name := cursorName(a.Name, folder)
	pos, err := r.orders.Position(ctx, name)
	if err != nil {
		return err
	}
	validity, last := parseCursor(pos)
	if validity != mbox.UidValidity {
		// A new folder, or one the server renumbered: read it again from `since`; the
		// emails already applied are marked and change nothing.
		if validity != 0 {
			r.logger.Info("mailbox folder renumbered (UIDVALIDITY changed): reading it again", "account", a.Name, "folder", folder)
		}
		last = 0
	}
	criteria := imap.NewSearchCriteria()
	criteria.Uid = new(imap.SeqSet)
	criteria.Uid.AddRange(last+1, 0)
	if last == 0 && r.since > 0 {
		criteria.Since = time.Now().Add(-r.since)
	}
	uids, err := c.imap.UidSearch(criteria)
	if err != nil {
		return err
	}
	uids = slices.DeleteFunc(uids, func(u uint32) bool { return u <= last }) // "last+1:*" includes the last UID there is
	slices.Sort(uids)
	for start := 0; start < len(uids); start += batch {
		r.update(a.Name, func(s *AccountStatus) { s.Backlog = len(uids) - start })
		part := uids[start:min(start+batch, len(uids))]
		raws, err := c.fetch(part)
		if err != nil {
			return err
		}
		for _, uid := range part {
			if err := ctx.Err(); err != nil {
				return err
			}
			if raw, ok := raws[uid]; ok { // gone since the search: nothing to read
				res, err := r.orders.IngestEmail(ctx, a.Name, raw)
				if err != nil {
					return fmt.Errorf("store email %d: %w", uid, err)
				}
				applied := res.Outcome == "created" || res.Outcome == "updated"
				r.update(a.Name, func(s *AccountStatus) {
					s.Read++
					if applied {
						s.Applied++
					}
				})
			}
			if err := r.orders.Advance(ctx, name, formatCursor(mbox.UidValidity, uid)); err != nil {
				return err
			}
		}
		if len(uids) > batch {
			r.logger.Info("reading mailbox", "account", a.Name, "folder", folder, "read", min(start+batch, len(uids)), "of", len(uids))
		}
	}
	return nil
}

func parseCursor(pos string) (validity, uid uint32) {
	v, u, ok := strings.Cut(pos, ":")
	if !ok {
		return 0, 0
	}
	vv, err1 := strconv.ParseUint(v, 10, 32)
	uu, err2 := strconv.ParseUint(u, 10, 32)
	if err1 != nil || err2 != nil {
		return 0, 0
	}
	return uint32(vv), uint32(uu)
}

func formatCursor(validity, uid uint32) string { return fmt.Sprintf("%d:%d", validity, uid) }

// Conn is a logged-in IMAP connection that ends when its context does.
type Conn struct {
	imap *client.Client
	stop func() bool
}

// Connect dials an account's server as its security says and logs in.
func Connect(ctx context.Context, a Account) (*Conn, error) {
	host, _, err := net.SplitHostPort(a.Server)
	if err != nil {
		return nil, fmt.Errorf("server %q: %w", a.Server, err)
	}
	dialer := &net.Dialer{Timeout: 20 * time.Second}
	tlsConfig := &tls.Config{ServerName: host}
	var c *client.Client
	switch a.Security {
	case TLS, "":
		c, err = client.DialWithDialerTLS(dialer, a.Server, tlsConfig)
	default:
		c, err = client.DialWithDialer(dialer, a.Server)
	}
	if err != nil {
		return nil, err
	}
	c.Timeout = timeout
	conn := &Conn{imap: c}
	conn.stop = context.AfterFunc(ctx, func() { _ = c.Terminate() }) // unblocks a command in flight
	if a.Security == StartTLS {
		if err := c.StartTLS(tlsConfig); err != nil {
			conn.Close()
			return nil, fmt.Errorf("starttls: %w", err)
		}
	}
	if err := c.Login(a.Username, a.Password); err != nil {
		conn.Close()
		return nil, fmt.Errorf("login: %w", err)
	}
	return conn, nil
}

// Close logs out and closes the connection.
func (c *Conn) Close() {
	c.stop()
	if err := c.imap.Logout(); err != nil {
		_ = c.imap.Terminate()
	}
}

// fetch reads the whole emails of uids, without marking them read.
func (c *Conn) fetch(uids []uint32) (map[uint32][]byte, error) {
	set := new(imap.SeqSet)
	set.AddNum(uids...)
	section := &imap.BodySectionName{Peek: true}
	messages := make(chan *imap.Message, len(uids))
	done := make(chan error, 1)
	go func() { done <- c.imap.UidFetch(set, []imap.FetchItem{imap.FetchUid, section.FetchItem()}, messages) }()
	out := map[uint32][]byte{}
	var failed error
	for m := range messages {
		body := m.GetBody(section)
		if body == nil {
			continue
		}
		raw, err := io.ReadAll(body)
		if err != nil {
			failed = fmt.Errorf("read email %d: %w", m.Uid, err)
			continue // the channel is drained all the same
		}
		out[m.Uid] = raw
	}
	return out, cmp.Or(<-done, failed)
}

// Explain says what a connection error means and what to do, in plain words.
func Explain(err error, a Account) string {
	text := strings.ToLower(err.Error())
	var netErr net.Error
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &certErr) || strings.Contains(text, "x509") || strings.Contains(text, "certificate"):
		return fmt.Sprintf("the certificate of %s is not trusted (%v): check the server's name, or the date and time of this machine", a.Server, err)
	case strings.Contains(text, "login") && (strings.Contains(text, "auth") || strings.Contains(text, "invalid") || strings.Contains(text, "credentials") || strings.Contains(text, "password")):
		return fmt.Sprintf("%s refused the username or password of %s. Gmail, iCloud, Yahoo and Fastmail need an app password, not your usual one (README \"Read the retailers' emails\"); Gmail also needs IMAP on", a.Server, a.Username)
	case strings.Contains(text, "connection refused"):
		return fmt.Sprintf("nothing answers at %s: is the address and port right, and IMAP on?", a.Server)
	case strings.Contains(text, "no such host"):
		return fmt.Sprintf("%s is not a server name this machine can find: check mail.accounts server", a.Server)
	case errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Sprintf("%s did not answer in time: is this machine online, and the port (%s) right?", a.Server, cmp.Or(portOf(a.Server), "993"))
	case strings.Contains(text, "tls") || strings.Contains(text, "first record does not look like"):
		return fmt.Sprintf("%s does not speak %s on that port: port 993 takes tls, port 143 starttls (%v)", a.Server, a.Security, err)
	}
	return fmt.Sprintf("reading %s failed: %v", a.Server, err)
}

func portOf(server string) string {
	_, port, _ := net.SplitHostPort(server)
	return port
}

// FolderCheck is what a check found of one folder.
type FolderCheck struct {
	Name   string
	Emails int // emails since the check's time
	Err    error
}

// Check logs in to a and counts each folder's emails since then, changing nothing: what
// `bot mail test` shows. err is the login's failure (Explain says it in words).
func Check(ctx context.Context, a Account, since time.Time) ([]FolderCheck, error) {
	c, err := Connect(ctx, a)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var out []FolderCheck
	for _, folder := range a.Folders {
		fc := FolderCheck{Name: folder}
		if _, err := c.imap.Select(folder, true); err != nil {
			fc.Err = err
		} else {
			criteria := imap.NewSearchCriteria()
			criteria.Since = since
			uids, err := c.imap.UidSearch(criteria)
			fc.Emails, fc.Err = len(uids), err
		}
		out = append(out, fc)
	}
	return out, nil
}
