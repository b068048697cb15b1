package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
	"github.com/roms-dev/roms/internal/postgres"
	"github.com/roms-dev/roms/internal/postgres/pgtest"
)

// seedEveryKind stores every kind of record through the service: orders created, updated,
// deleted, with cart items and extra fields; their events; ignored and rejected inputs in
// the log; marks; a channel position; a taught label; documents.
func seedEveryKind(t *testing.T, path string) {
	t.Helper()
	st, err := bbolt.Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	svc, err := orders.New(st, orders.Options{Publisher: live.NewHub()})
	if err != nil {
		t.Fatal(err)
	}
	inputs := []orders.Input{
		{Text: string(sample)},
		{Text: "Successful Checkout | Target\nOrder Number: CART-1\nProduct (1)\nETB\nPrice (1)\n$49.99\nProduct (2)\nBundle\nPrice (2)\n$26.94\nSize: 10\n"},
		{Text: "Successful Checkout | Target\nOrder Number: CART-1\nTracking Number: 1Z999\n",
			Mark: &order.Mark{Key: "discord:1:0", Hash: "h1", Version: 7}},
		{Text: "a ping without an order number"},
	}
	for _, in := range inputs {
		in.Origin = order.Origin{Source: order.SourceHTTP}
		if _, err := svc.Ingest(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	_ = svc.Reject(ctx, orders.Input{Origin: order.Origin{Source: order.SourceHTTP}, Text: "\x00"}, errBinaryForTest)
	if _, err := svc.Delete(ctx, "CART-1", order.ActorAPI); err != nil {
		t.Fatal(err)
	}
	if err := st.Advance(ctx, "discord:channel:1", "1290000000000000099"); err != nil {
		t.Fatal(err)
	}
	if err := st.Teach(ctx, "Ref", "order_number"); err != nil { // a label taught from the review list
		t.Fatal(err)
	}
	for _, d := range []order.Document{{Collection: "imports", Key: "b1", Data: []byte(`{"rows":2}`)}, {Collection: "clients", Key: "ann", Data: []byte{0, 1}}} {
		if err := st.PutDocument(ctx, d.Collection, d.Key, d.Data); err != nil {
			t.Fatal(err)
		}
	}
}

var errBinaryForTest = io.ErrUnexpectedEOF

// records is everything an archive holds, as JSON, for a field-by-field comparison.
func records(t *testing.T, a order.Archive) []string {
	t.Helper()
	var out []string
	err := a.Records(context.Background(), func(r order.Record) error {
		raw, err := json.Marshal(r)
		out = append(out, string(raw))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigrateToPostgreSQLAndBack copies a bbolt database with every kind of record into
// PostgreSQL, resuming after a stop and again when already done, checks every record
// field by field, and copies it back into a new bbolt file.
func TestMigrateToPostgreSQLAndBack(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	dsn := pgtest.DSN(t)
	seedEveryKind(t, filepath.Join(dir, "roms.db"))
	bolt, err := bbolt.Open(filepath.Join(dir, "roms.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := records(t, bolt)
	first := make([]order.Record, 0, 3)
	_ = bolt.Records(context.Background(), func(r order.Record) error {
		if len(first) < 3 {
			first = append(first, r)
		}
		return nil
	})
	bolt.Close()
	pg, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if err := pg.Restore(context.Background(), first); err != nil { // a copy that stopped early
		t.Fatal(err)
	}

	env := envOf(map[string]string{})
	for range 2 { // resumes, then changes nothing
		var out bytes.Buffer
		if err := run(context.Background(), []string{"migrate", "-to", dsn}, env, strings.NewReader(""), &out, io.Discard); err != nil {
			t.Fatalf("migrate -to: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "counts match") {
			t.Errorf("migrate output:\n%s", out.String())
		}
	}
	got := records(t, pg)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("PostgreSQL holds other records than the bbolt file:\n--- got\n%s\n--- want\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	res, err := pg.Write(context.Background(), order.Write{Number: "AFTER-1", At: time.Now(), Actor: "api", Edit: order.Edit{}})
	if err != nil || res.Order.ID != 3 {
		t.Errorf("a new order after the migration: id %d %v, want 3 (after the 2 copied)", res.Order.ID, err)
	}

	back := filepath.Join(dir, "back.db")
	env = envOf(map[string]string{"ROMS_STORAGE_PATH": back})
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "-from", dsn}, env, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatalf("migrate -from: %v\n%s", err, out.String())
	}
	copied, err := bbolt.Open(back, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	if len(records(t, copied)) != len(want)+2 { // the new order and its event
		t.Errorf("the copy back has %d records, want %d", len(records(t, copied)), len(want)+2)
	}
	if o, err := copied.Get(context.Background(), "CART-1"); err != nil || o.DeletedAt == nil || len(o.Items) != 2 {
		t.Errorf("CART-1 back in bbolt: %+v %v", o, err)
	}
}
