package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/postgres"
)

// migrateBatch is how many records one transaction of a migration stores.
const migrateBatch = 500

// migrateCommand copies the bbolt database into PostgreSQL (-to) or back (-from):
// orders, events, the webhook log, marks and read positions, ids kept.
func migrateCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flags("migrate")
	to := fs.String("to", "", "copy the bbolt database (storage.path) into this PostgreSQL database")
	from := fs.String("from", "", "copy this PostgreSQL database into the bbolt file at storage.path")
	cfg, _, rest, err := loadConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	if len(rest) > 0 || (*to == "") == (*from == "") {
		return fmt.Errorf("migrate takes -to postgres://... or -from postgres://...\n\n%s", usage)
	}
	bolt, err := bbolt.Open(cfg.Storage.Path, lockWait)
	if errors.Is(err, bbolt.ErrLocked) {
		return fmt.Errorf("migrate: %w: stop the bot first, so that nothing changes during the copy", err)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer bolt.Close()
	pg, err := postgres.Open(ctx, *to+*from)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer pg.Close()
	if *to != "" {
		fmt.Fprintf(stdout, "Copying %s into PostgreSQL\n", cfg.Storage.Path)
		return copyArchive(ctx, bolt, pg, stdout)
	}
	fmt.Fprintf(stdout, "Copying PostgreSQL into %s\n", cfg.Storage.Path)
	return copyArchive(ctx, pg, bolt, stdout)
}

// copyArchive moves every record of src into dst, a batch a transaction, and checks that
// dst then holds what src does.
func copyArchive(ctx context.Context, src, dst order.Archive, w io.Writer) error {
	want, err := src.Census(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  to copy: %s\n", want)
	batch := make([]order.Record, 0, migrateBatch)
	copied := 0
	flush := func() error {
		if err := dst.Restore(ctx, batch); err != nil {
			return fmt.Errorf("migrate: after %d records: %w (run it again to resume)", copied, err)
		}
		copied += len(batch)
		batch = batch[:0]
		if copied%(20*migrateBatch) == 0 {
			fmt.Fprintf(w, "  %d records...\n", copied)
		}
		return nil
	}
	err = src.Records(ctx, func(r order.Record) error {
		batch = append(batch, r)
		if len(batch) == migrateBatch {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	if err != nil {
		return err
	}
	got, err := dst.Census(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  copied:  %s\n", got)
	if got != want {
		return fmt.Errorf("migrate: the copy holds %s, the source %s: was the target not empty?", got, want)
	}
	fmt.Fprintln(w, "Done: the counts match.")
	return nil
}
