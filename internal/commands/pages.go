package commands

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// Listings are kept in memory, so a button's custom_id (at most 100 characters) only names
// one; they outlive Discord's 15-minute interaction window with room to spare.
const (
	pageLife = time.Hour
	maxLists = 10_000
)

type listing struct {
	filter  order.Filter
	cursors []string // cursors[n] starts page n; cursors[0] is ""
	touched time.Time
}

// pages holds the listings of /orders and /pending for their Previous/Next buttons.
type pages struct {
	mu    sync.Mutex
	lists map[string]*listing
}

func newPages() *pages { return &pages{lists: map[string]*listing{}} }

// add keeps a new listing and returns its id.
func (p *pages) add(f order.Filter, now time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	id := hex.EncodeToString(b[:])
	p.mu.Lock()
	defer p.mu.Unlock()
	for key, l := range p.lists {
		if now.Sub(l.touched) > pageLife || len(p.lists) >= maxLists {
			delete(p.lists, key)
		}
	}
	p.lists[id] = &listing{filter: f, cursors: []string{""}, touched: now}
	return id
}

// at returns the filter and the cursor of page n of a listing.
func (p *pages) at(id string, n int, now time.Time) (order.Filter, string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.lists[id]
	if !ok || now.Sub(l.touched) > pageLife || n < 0 || n >= len(l.cursors) {
		return order.Filter{}, "", false
	}
	l.touched = now
	return l.filter, l.cursors[n], true
}

// setNext records where the page after page n starts.
func (p *pages) setNext(id string, n int, cursor string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.lists[id]; ok && n+1 <= len(l.cursors) {
		l.cursors = append(l.cursors[:n+1], cursor)
	}
}

func pageButton(id string, n int) string {
	return "orders:" + id + ":" + strconv.Itoa(max(n, 0))
}

func parsePageButton(customID string) (id string, n int, ok bool) {
	parts := strings.Split(customID, ":")
	if len(parts) != 3 || parts[0] != "orders" {
		return "", 0, false
	}
	n, err := strconv.Atoi(parts[2])
	return parts[1], n, err == nil
}
