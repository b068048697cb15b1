package mailbox

import (
	"bytes"
	"context"
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
