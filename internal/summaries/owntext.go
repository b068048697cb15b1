package summaries

import (
	"bytes"
	"strings"
)

// ownText is every order's own searchable text, its number and tracking numbers in lower
// case, laid end to end in one buffer, so that q= finds the orders whose own text holds
// a needle in one pass of bytes.Index over the buffer rather than a search of each
// order's text: no other order shares these texts, so unlike a store or a product they
// cannot be tested once for many orders.
//
// A segment is one order's text, its texts joined by '\n' and ended by a NUL, so that a
// needle with neither cannot run from one text into the next. An order whose text
// changes (a tracking number added) gets a new segment at the end; the old one stays,
// unowned, until stale segments are half the buffer and it is rebuilt.
type ownText struct {
	buf    []byte
	starts []int    // where each segment begins, in the order they were added
	owners []uint32 // the row (id-1) each segment is of
	seg    []int32  // seg[row]: its current segment; -1 for none
	stale  int      // bytes of segments that are no longer their row's
}

// ownSeparators may not be in a needle that ownText is searched for.
const ownSeparators = "\n\x00"

// set makes text the own text of row.
func (t *ownText) set(row int, text string) {
	for len(t.seg) <= row {
		t.seg = append(t.seg, -1)
	}
	if k := t.seg[row]; k >= 0 {
		if string(t.segment(int(k))) == text {
			return
		}
		t.stale += len(t.segment(int(k))) + 1
	}
	t.add(row, text)
	if t.stale > len(t.buf)/2 {
		t.compact()
	}
}

func (t *ownText) add(row int, text string) {
	t.seg[row] = int32(len(t.starts))
	t.starts = append(t.starts, len(t.buf))
	t.owners = append(t.owners, uint32(row))
	t.buf = append(append(t.buf, text...), 0)
}

// segment is the text of segment k, without its NUL.
func (t *ownText) segment(k int) []byte {
	end := len(t.buf)
	if k+1 < len(t.starts) {
		end = t.starts[k+1]
	}
	return t.buf[t.starts[k] : end-1]
}

// compact rebuilds the buffer from the current segments, in row order.
func (t *ownText) compact() {
	old := *t
	*t = ownText{buf: make([]byte, 0, len(old.buf)-old.stale), seg: old.seg}
	for row, k := range old.seg {
		if k >= 0 {
			t.add(row, string(old.segment(int(k))))
		}
	}
}

// find returns, as a bit set by row, the rows whose own text holds needle (lower case,
// without ownSeparators).
func (t *ownText) find(needle string, rows int) []uint64 {
	hits := make([]uint64, (rows+63)/64)
	n := []byte(needle)
	k := 0 // the segment of the last hit: hits come in buffer order
	for at := 0; at < len(t.buf); {
		j := bytes.Index(t.buf[at:], n)
		if j < 0 {
			break
		}
		for k+1 < len(t.starts) && t.starts[k+1] <= at+j {
			k++
		}
		if row := t.owners[k]; t.seg[row] == int32(k) && int(row) < rows {
			hits[row/64] |= 1 << (row % 64)
		}
		at = len(t.buf) // past this segment: one hit an order is enough
		if k+1 < len(t.starts) {
			at = t.starts[k+1]
		}
	}
	return hits
}

// ownTextOf is the own text of an order: its number and tracking numbers in lower case,
// one a line.
func ownTextOf(number string, tracking []string) string {
	return strings.ToLower(strings.Join(append([]string{number}, tracking...), "\n"))
}
