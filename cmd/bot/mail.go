package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/roms-dev/roms/internal/mailbox"
)

// mailCommand is `bot mail test`: it logs in to each mailbox of mail.accounts and says
// what works (login, folders, how many emails since mail.since) or what to fix.
func mailCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flags("mail")
	cfg, _, rest, err := loadConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] != "test" {
		return errors.New("mail needs what to do: bot mail test (logs in to each mailbox of mail.accounts and counts its emails)")
	}
	if len(cfg.Mail.Accounts) == 0 {
		return errors.New("no mailbox to test: add mail.accounts to config.yaml (config.example.yaml shows how; README \"Read the retailers' emails\")")
	}
	since := time.Now().Add(-cfg.Mail.Since)
	failed := 0
	for _, a := range mailAccounts(cfg.Mail) {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		folders, err := mailbox.Check(ctx, a, since)
		cancel()
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "%s (%s at %s): %s\n", a.Name, a.Username, a.Server, mailbox.Explain(err, a))
			continue
		}
		fmt.Fprintf(stdout, "%s (%s at %s): login ok\n", a.Name, a.Username, a.Server)
		for _, f := range folders {
			if f.Err != nil {
				failed++
				fmt.Fprintf(stdout, "  %s: cannot be opened (%v): check the folder's name in mail.accounts folders\n", f.Name, f.Err)
				continue
			}
			fmt.Fprintf(stdout, "  %s: %d emails since %s, to be read\n", f.Name, f.Emails, since.Format("2006-01-02"))
		}
	}
	if failed > 0 {
		return fmt.Errorf("mail test: %d problem(s) above", failed)
	}
	fmt.Fprintln(stdout, "Every mailbox can be read. ROMS reads them while it runs, without marking anything as read.")
	return nil
}
