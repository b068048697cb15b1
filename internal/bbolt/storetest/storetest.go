// Package storetest opens real stores for the tests of other packages: a fresh bbolt file
// in a temporary folder, checked for consistency when the test ends.
package storetest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/bbolt"
)

// Open opens the store at path for the rest of the test; cleanup checks every page and
// closes it.
func Open(t testing.TB, path string) *bbolt.Store {
	t.Helper()
	st, err := bbolt.Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Check(); err != nil {
			t.Errorf("database check: %v", err)
		}
		st.Close()
	})
	return st
}

// New opens a fresh, empty store.
func New(t testing.TB) *bbolt.Store {
	t.Helper()
	return Open(t, filepath.Join(t.TempDir(), "roms.db"))
}

// FromBytes opens a database file's content, such as a backup.
func FromBytes(t testing.TB, content []byte) *bbolt.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return Open(t, path)
}
