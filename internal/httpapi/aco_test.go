package httpapi

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/aco"
	"github.com/roms-dev/roms/internal/bbolt"
)

// TestACOAnswersRefusedInputAndStoreFailuresApart: a client that does not check out is
// 422 with what to write; a store that fails is the server's error, never a 422 that
// would tell the person to change what they sent.
func TestACOAnswersRefusedInputAndStoreFailuresApart(t *testing.T) {
	t.Parallel()
	st, err := bbolt.Open(filepath.Join(t.TempDir(), "aco.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ts := startServerWith(t, "", "", func(d *Deps) { d.ACO = aco.New(st, aco.Options{}) })
	if status, body := ts.request(http.MethodPost, "/api/v2/clients", "application/json", []byte(`{"name":"Ann","fee":"5 a week"}`)); status != http.StatusUnprocessableEntity {
		t.Errorf("a bad fee: %d %s, want 422", status, body)
	}
	st.Close()
	if status, body := ts.request(http.MethodGet, "/api/v2/clients/ann", "", nil); status != http.StatusInternalServerError {
		t.Errorf("a closed store: %d %s, want 500", status, body)
	}
}
