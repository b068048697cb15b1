package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/roms-dev/roms/internal/postgres"
	"github.com/roms-dev/roms/internal/postgres/pgtest"
)

// TestTwoBotsShareOnePostgreSQL runs two bots on one database: a checkout posted to one
// is read from the other, a command opens the database beside them, and the banner
// names the server without its password.
func TestTwoBotsShareOnePostgreSQL(t *testing.T) {
	t.Chdir(t.TempDir())
	dsn := pgtest.DSN(t)
	env := func() map[string]string {
		return map[string]string{"ROMS_STORAGE_DRIVER": "postgres", "ROMS_STORAGE_POSTGRES_DSN": dsn}
	}
	first, second := startBot(t, env()), startBot(t, env())
	if out := first.stdout.String(); !strings.Contains(out, "(PostgreSQL)") || strings.Contains(out, "search_path") {
		t.Errorf("banner:\n%s", out)
	}
	resp, err := http.Post(first.base+"/api/v2/webhooks/orders", "text/plain", bytes.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(second.base + "/api/v2/orders/BBY01-807102506907")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var o struct{ Product string }
	if resp.StatusCode != 200 || json.Unmarshal(body, &o) != nil || o.Product == "" {
		t.Fatalf("the second bot does not see the first's order: %d %s", resp.StatusCode, body)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"stats"}, envOf(env()), strings.NewReader(""), &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "299.99") {
		t.Errorf("bot stats beside two running bots: %v\n%s", err, out.String())
	}
	pg, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if c, err := pg.Counts(context.Background()); err != nil || c.Orders != 1 {
		t.Errorf("counts %+v %v", c, err)
	}
}
