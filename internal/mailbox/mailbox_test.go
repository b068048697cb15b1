package mailbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"github.com/roms-dev/roms/internal/bbolt/storetest"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// The Dovecot that .ci/dovecot.sh starts, and its one user.
const (
	testUser     = "roms"
	testPassword = "roms-test-password"
)

// server is the address of the test IMAP server (a real Dovecot on loopback). Without
// one the test is skipped, except in CI, where it fails.
func server(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("ROMS_TEST_IMAP_ADDR")
	if addr == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no test IMAP server: CI runs .ci/dovecot.sh start; set ROMS_TEST_IMAP_ADDR")
		}
		t.Skip("no test IMAP server: eval \"$(bash .ci/dovecot.sh start)\" to run the mailbox tests")
	}
	return addr
}

// folder makes a folder of the test's own in the test user's mailbox, with these emails.
func folder(t *testing.T, addr string, emails ...[]byte) (string, *client.Client) {
	t.Helper()
	c, err := client.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Logout() })
	if err := c.Login(testUser, testPassword); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("t%d-%s", time.Now().UnixNano(), strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))
	if err := c.Create(name); err != nil {
		t.Fatal(err)
	}
	appendAll(t, c, name, emails...)
	return name, c
}

func appendAll(t *testing.T, c *client.Client, folder string, emails ...[]byte) {
	t.Helper()
	for _, raw := range emails {
		if err := c.Append(folder, nil, time.Now(), bytes.NewBuffer(raw)); err != nil {
			t.Fatal(err)
		}
	}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "email", "testdata", name+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func service(t *testing.T) *orders.Service {
	t.Helper()
	svc, err := orders.New(storetest.New(t), orders.Options{Publisher: live.NewHub()})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func checkout(t *testing.T, svc *orders.Service, number string) {
	t.Helper()
	text := "Successful Checkout | Best Buy US\nProduct\nSomething\nOrder Number\n" + number + "\n"
	if _, err := svc.Ingest(context.Background(), orders.Input{Origin: order.Origin{Source: order.SourceHTTP}, Text: text}); err != nil {
		t.Fatal(err)
	}
}

func account(addr, folder string) Account {
	return Account{Name: "main", Server: addr, Security: None, Username: testUser, Password: testPassword, Folders: []string{folder}}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// changes counts the events of an order: an email applied twice would add one.
func changes(t *testing.T, svc *orders.Service, number string) int {
	t.Helper()
	events, err := svc.Events(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	return len(events)
}

// TestEmailsInAMailboxAreAppliedExactlyOnce reads a folder of a real Dovecot: orders get
// their status and tracking; reading again, and reading with a new reader (a restart),
// applies nothing twice; a new email is read at the next pass; nothing is marked read.
func TestEmailsInAMailboxAreAppliedExactlyOnce(t *testing.T) {
	t.Parallel()
	addr := server(t)
	svc := service(t)
	ctx := context.Background()
	checkout(t, svc, "BBY01-807102506907")
	checkout(t, svc, "2000123-4567890")
	name, c := folder(t, addr, fixture(t, "bestbuy-shipped"), fixture(t, "marketing"), fixture(t, "walmart-delivered"))

	r := New([]Account{account(addr, name)}, time.Minute, 720*time.Hour, svc, quiet())
	r.pass(ctx, r.accounts[0])
	if o, _ := svc.Get(ctx, "BBY01-807102506907"); o.Status != order.StatusShipped || len(o.TrackingNumbers) != 1 {
		t.Errorf("Best Buy order after its email: %s %v", o.Status, o.TrackingNumbers)
	}
	if o, _ := svc.Get(ctx, "2000123-4567890"); o.Status != order.StatusDelivered {
		t.Errorf("Walmart order after its email: %s", o.Status)
	}
	st := r.Statuses()[0]
	if st.State != StateOK || st.Read != 3 || st.Applied != 2 || st.LastRead == nil {
		t.Errorf("status %+v", st)
	}
	before := changes(t, svc, "BBY01-807102506907")
	r.pass(ctx, r.accounts[0])
	restarted := New([]Account{account(addr, name)}, time.Minute, 720*time.Hour, svc, quiet())
	restarted.pass(ctx, restarted.accounts[0])
	if got := changes(t, svc, "BBY01-807102506907"); got != before || restarted.Statuses()[0].Read != 0 {
		t.Errorf("read again: %d events (was %d), %d emails read after the restart", got, before, restarted.Statuses()[0].Read)
	}

	checkout(t, svc, "102000987654321")
	appendAll(t, c, name, fixture(t, "target-cancelled"))
	restarted.pass(ctx, restarted.accounts[0])
	if o, _ := svc.Get(ctx, "102000987654321"); o.Status != order.StatusCancelled {
		t.Errorf("a new email: %s", o.Status)
	}
	st2, err := c.Status(name, []imap.StatusItem{imap.StatusMessages, imap.StatusUnseen})
	if err != nil {
		t.Fatal(err)
	}
	if st2.Messages != 4 || st2.Unseen != 4 {
		t.Errorf("reading changed the mailbox: %d emails, %d unseen, want 4 and 4", st2.Messages, st2.Unseen)
	}
}

// TestARenumberedFolderIsReadAgainWithoutDoubles: the server gives the folder a new
// UIDVALIDITY (a mailbox rebuilt, a folder deleted and made again): every email is read
// again, those already applied change nothing, and one added meanwhile is applied.
func TestARenumberedFolderIsReadAgainWithoutDoubles(t *testing.T) {
	t.Parallel()
	addr := server(t)
	svc := service(t)
	ctx := context.Background()
	checkout(t, svc, "BBY01-807102506907")
	checkout(t, svc, "2000123-4567890")
	name, c := folder(t, addr, fixture(t, "bestbuy-shipped"))
	r := New([]Account{account(addr, name)}, time.Minute, 720*time.Hour, svc, quiet())
	r.pass(ctx, r.accounts[0])
	before := changes(t, svc, "BBY01-807102506907")
	pos, _ := svc.Position(ctx, cursorName("main", name))

	if err := c.Delete(name); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(name); err != nil {
		t.Fatal(err)
	}
	appendAll(t, c, name, fixture(t, "bestbuy-shipped"), fixture(t, "walmart-delivered"))
	r.pass(ctx, r.accounts[0])
	after, _ := svc.Position(ctx, cursorName("main", name))
	if v1, _ := parseCursor(pos); v1 == func() uint32 { v, _ := parseCursor(after); return v }() {
		t.Fatalf("the folder kept its UIDVALIDITY (%s, %s): the test did not renumber it", pos, after)
	}
	if got := changes(t, svc, "BBY01-807102506907"); got != before {
		t.Errorf("an email read again after the renumbering was applied again: %d events, was %d", got, before)
	}
	if o, _ := svc.Get(ctx, "2000123-4567890"); o.Status != order.StatusDelivered {
		t.Errorf("the email added meanwhile: %s", o.Status)
	}
}

// interrupting is the orders service with its context ended after n emails, the last
// of them stored but its cursor not moved: a pass cut in the middle, as a dropped
// connection or a stop cuts it.
type interrupting struct {
	*orders.Service
	n      int
	cancel context.CancelFunc
}

func (o *interrupting) IngestEmail(ctx context.Context, account string, raw []byte) (orders.Ingested, error) {
	if o.n--; o.n < 0 { // stored, then the connection goes before the cursor moves
		_, _ = o.Service.IngestEmail(context.WithoutCancel(ctx), account, raw)
		o.cancel()
		return orders.Ingested{}, errors.New("connection lost")
	}
	return o.Service.IngestEmail(ctx, account, raw)
}

// TestAReadCutInTheMiddleLosesAndDoublesNothing: a pass stopped after some emails goes
// on from its cursor at the next one.
func TestAReadCutInTheMiddleLosesAndDoublesNothing(t *testing.T) {
	t.Parallel()
	addr := server(t)
	svc := service(t)
	var emails [][]byte
	for i := range 60 {
		number := fmt.Sprintf("CUT-%04d", 1000+i)
		checkout(t, svc, number)
		emails = append(emails, []byte(fmt.Sprintf("From: Best Buy <BestBuyInfo@emailinfo.bestbuy.com>\r\nSubject: Your order #%s has shipped\r\n"+
			"Message-ID: <cut-%d@bestbuy.com>\r\nDate: Thu, 26 Nov 2026 08:15:00 -0600\r\n\r\nYour order has shipped.\r\nOrder # %s\r\n", number, i, number)))
	}
	name, _ := folder(t, addr, emails...)
	ctx, cancel := context.WithCancel(context.Background())
	cut := &interrupting{Service: svc, n: 37, cancel: cancel}
	r := New([]Account{account(addr, name)}, time.Minute, 720*time.Hour, cut, quiet())
	r.pass(ctx, r.accounts[0])
	cut.n = 1 << 30
	r.pass(context.Background(), r.accounts[0])
	for i := range 60 {
		number := fmt.Sprintf("CUT-%04d", 1000+i)
		o, _ := svc.Get(context.Background(), number)
		if n := changes(t, svc, number); o.Status != order.StatusShipped || n != 2 {
			t.Errorf("%s: %s with %d events, want shipped with 2", number, o.Status, n)
		}
	}
}

// TestAThousandEmailsAreReadInBatchesWithProgress: a folder of 1,000 emails is read a
// batch at a time, the backlog showing how far it is.
func TestAThousandEmailsAreReadInBatchesWithProgress(t *testing.T) {
	t.Parallel()
	addr := server(t)
	svc := service(t)
	name, c := folder(t, addr)
	var emails [][]byte
	for i := range 1000 {
		emails = append(emails, []byte(fmt.Sprintf("From: News <news@shop.example>\r\nSubject: Deal %d\r\nMessage-ID: <many-%d@shop.example>\r\n"+
			"Date: Thu, 26 Nov 2026 08:15:00 -0600\r\n\r\nSave today on item %d.\r\n", i, i, i)))
	}
	appendAll(t, c, name, emails...)
	var backlogs []int
	watch := &watching{Service: svc}
	r := New([]Account{account(addr, name)}, time.Minute, 720*time.Hour, watch, quiet())
	watch.seen = func() { backlogs = append(backlogs, r.Statuses()[0].Backlog) }
	r.pass(context.Background(), r.accounts[0])
	if st := r.Statuses()[0]; st.Read != 1000 || st.State != StateOK || st.Backlog != 0 {
		t.Errorf("status after the pass: %+v", st)
	}
	if len(backlogs) != 1000 || backlogs[0] != 1000 || backlogs[999] != batch {
		t.Errorf("the backlog went %d ... %d over %d emails", backlogs[0], backlogs[len(backlogs)-1], len(backlogs))
	}
}

type watching struct {
	*orders.Service
	seen func()
}

func (w *watching) IngestEmail(ctx context.Context, account string, raw []byte) (orders.Ingested, error) {
	w.seen()
	return w.Service.IngestEmail(ctx, account, raw)
}

// TestAMailboxThatCannotBeReadSaysWhatToDo: a wrong password and a server that is down
// each give a plain message, and the reader keeps trying without stopping anything.
func TestAMailboxThatCannotBeReadSaysWhatToDo(t *testing.T) {
	t.Parallel()
	addr := server(t)
	svc := service(t)
	wrong := account(addr, "INBOX")
	wrong.Password = "not-it"
	down := account("127.0.0.1:1", "INBOX")
	down.Name = "down"
	r := New([]Account{wrong, down}, time.Minute, 720*time.Hour, svc, quiet())
	for _, a := range r.accounts {
		r.pass(context.Background(), a)
	}
	st := r.Statuses()
	if st[0].State != StateFailing || !strings.Contains(st[0].Message, "app password") {
		t.Errorf("wrong password: %+v", st[0])
	}
	if st[1].State != StateFailing || !strings.Contains(st[1].Message, "nothing answers") || !strings.Contains(st[1].Message, "trying again") {
		t.Errorf("server down: %+v", st[1])
	}
}
