package summaries

import (
	"github.com/roms-dev/roms/internal/order"
)

// symbols interns strings: the same store, profile or status is kept once.
type symbols struct {
	ids    map[string]uint32
	values []string
}

// idOf is id for text given as bytes: a known text costs no copy.
func (t *symbols) idOf(b []byte) uint32 {
	if id, ok := t.ids[string(b)]; ok {
		return id
	}
	return t.id(string(b))
}

func (t *symbols) id(s string) uint32 {
	if id, ok := t.ids[s]; ok {
		return id
	}
	if t.ids == nil {
		t.ids = map[string]uint32{}
	}
	id := uint32(len(t.values))
	t.values = append(t.values, s)
	t.ids[s] = id
	return id
}

// symbolTest memoises a test of interned texts: shared texts (a store, a profile, a
// status, a product) are tested once per query, not once per order.
type symbolTest struct {
	test  func(string) bool // nil: every text passes
	known []uint8           // by symbol: 0 not yet tested, 1 passes, 2 does not
}

// holding tests for a needle by part, as order.Matcher does; "" is no test.
func holding(needle string) symbolTest {
	if needle == "" {
		return symbolTest{}
	}
	return symbolTest{test: func(v string) bool { return order.Contains(v, needle) }}
}

// passes tests the text of row i in column ids. It is small enough to be inlined: a
// filter without the test costs no call, and does not read the column.
func (t *symbolTest) passes(values []string, ids []uint32, i int) bool {
	return t.test == nil || t.check(values, ids[i])
}

func (t *symbolTest) check(values []string, id uint32) bool {
	if int(id) < len(t.known) {
		if k := t.known[id]; k != 0 {
			return k == 1
		}
	}
	return t.learn(values, id)
}

// learn tests a text the first time it is met.
func (t *symbolTest) learn(values []string, id uint32) bool {
	if t.known == nil {
		t.known = make([]uint8, len(values))
	}
	t.known[id] = 2
	if t.test(values[id]) {
		t.known[id] = 1
	}
	return t.known[id] == 1
}
