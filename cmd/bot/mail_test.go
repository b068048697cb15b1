package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	imapclient "github.com/emersion/go-imap/client"
)

// TestTheRetailersEmailsKeepOrdersTrue is the whole path on a real Dovecot: checkouts
// posted to the webhook, then their retailers' emails in the mailbox; the bot reads them
// at start and each order ends with its status, carrier and tracking, each change an
// event by email:main; /health shows the mailbox; a restart reads nothing twice; and
// `bot mail test` says what works.
func TestTheRetailersEmailsKeepOrdersTrue(t *testing.T) {
	addr := os.Getenv("ROMS_TEST_IMAP_ADDR")
	if addr == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no test IMAP server: CI runs .ci/dovecot.sh start")
		}
		t.Skip("no test IMAP server: eval \"$(bash .ci/dovecot.sh start)\"")
	}
	fixtures, err := filepath.Abs(filepath.Join("..", "..", "internal", "email", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	folder := fmt.Sprintf("e2e-%d", time.Now().UnixNano())
	c, err := imapclient.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Logout()
	if err := c.Login("roms", "roms-test-password"); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(folder); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"bestbuy-shipped", "target-shipped", "walmart-delivered", "marketing"} {
		raw, err := os.ReadFile(filepath.Join(fixtures, name+".eml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Append(folder, nil, time.Now(), bytes.NewBuffer(raw)); err != nil {
			t.Fatal(err)
		}
	}

	// The checkouts first, on a bot that reads no mail; then the same database with it.
	bot := startBot(t, nil)
	for _, text := range []string{string(sample),
		"Successful Checkout | Target\nProduct\nPrismatic ETB\nOrder Number\n102000123456789\n",
		"Successful Checkout | Walmart\nProduct\nPS5 Slim\nOrder Number\n2000123-4567890\n"} {
		postText(t, bot.base, text)
	}
	if err := bot.stop(); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf("mail:\n  poll: 10s\n  accounts:\n    - name: main\n      server: %s\n      security: none\n"+
		"      username: roms\n      password: roms-test-password\n      folders: [%s]\n", addr, folder)
	if err := os.WriteFile("config.yaml", []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	bot = startBot(t, nil)
	if !strings.Contains(bot.stdout.String(), "Mail:      reading main (roms) every 10s") {
		t.Errorf("the banner does not say which mailboxes are read:\n%s", bot.stdout.String())
	}
	want := map[string]struct{ status, tracking, carrier string }{
		"BBY01-807102506907": {"shipped", "1Z0X5W242034567895", "UPS"},
		"102000123456789":    {"shipped", "273415123454", "FedEx"},
		"2000123-4567890":    {"delivered", "9400100000000000000006", "USPS"},
	}
	waitWithin(t, 20*time.Second, "the emails to be applied", func() bool {
		for number, w := range want {
			var o struct{ Status string }
			getJSON(t, bot.base+"/api/v2/orders/"+number, &o)
			if o.Status != w.status {
				return false
			}
		}
		return true
	})
	count := map[string]int{}
	for number, w := range want {
		var o struct {
			TrackingNumbers []string          `json:"tracking_numbers"`
			Extra           map[string]string `json:"extra"`
		}
		getJSON(t, bot.base+"/api/v2/orders/"+number, &o)
		if len(o.TrackingNumbers) != 1 || o.TrackingNumbers[0] != w.tracking || o.Extra["Carrier"] != w.carrier {
			t.Errorf("%s: tracking %v, extra %v, want %s by %s", number, o.TrackingNumbers, o.Extra, w.tracking, w.carrier)
		}
		var events []struct{ Actor string }
		getJSON(t, bot.base+"/api/v2/orders/"+number+"/events", &events)
		if events[len(events)-1].Actor != "email:main" {
			t.Errorf("%s: the last change is by %q", number, events[len(events)-1].Actor)
		}
		count[number] = len(events)
	}
	var health struct {
		Mail []struct {
			Name, State   string
			Read, Applied int
			LastRead      *time.Time `json:"last_read"`
		}
	}
	waitWithin(t, 20*time.Second, "the first read to end", func() bool {
		getJSON(t, bot.base+"/health", &health)
		return len(health.Mail) == 1 && health.Mail[0].LastRead != nil
	})
	if len(health.Mail) != 1 || health.Mail[0].State != "ok" || health.Mail[0].Read != 4 || health.Mail[0].Applied != 3 {
		t.Errorf("/health mail: %+v", health.Mail)
	}
	_ = bot.stop()

	bot = startBot(t, nil) // a restart reads the folder from its cursor: nothing twice
	waitWithin(t, 20*time.Second, "the restarted bot's first read", func() bool {
		var h struct {
			Mail []struct {
				LastRead *time.Time `json:"last_read"`
			}
		}
		getJSON(t, bot.base+"/health", &h)
		return len(h.Mail) == 1 && h.Mail[0].LastRead != nil
	})
	for number, n := range count {
		var events []struct{ Actor string }
		getJSON(t, bot.base+"/api/v2/orders/"+number+"/events", &events)
		if len(events) != n {
			t.Errorf("%s: %d events after the restart, %d before", number, len(events), n)
		}
	}

	var out bytes.Buffer
	if err := run(context.Background(), []string{"mail", "test"}, envOf(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("mail test: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "main (roms at "+addr+"): login ok") || !strings.Contains(out.String(), folder+": 4 emails since") {
		t.Errorf("mail test said:\n%s", out.String())
	}
}
