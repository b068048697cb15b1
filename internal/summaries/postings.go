package summaries

import (
	"math/bits"
	"slices"
)

// postings lists, for each text of a column (by symbol), the ids of the orders that have
// it, in id order. A filter by store, status or profile then visits the orders of the
// texts that pass, when they are fewer than half of those it would visit otherwise,
// rather than every order. Each order visited is still tested in full, so a list only chooses
// which orders are looked at.
type postings map[uint32][]uint32

// move takes id from the list of old to that of now; had is whether it was in one.
func (p postings) move(id uint32, had bool, old, now uint32) {
	if had && old == now {
		return
	}
	if had {
		list := p[old]
		if k, found := slices.BinarySearch(list, id); found {
			p[old] = slices.Delete(list, k, k+1)
		}
	}
	list := p[now]
	if n := len(list); n == 0 || list[n-1] < id { // new orders come last: no search
		p[now] = append(list, id)
		return
	}
	if k, found := slices.BinarySearch(list, id); !found {
		p[now] = slices.Insert(list, k, id)
	}
}

// size is how many orders the texts that pass st have.
func (p postings) size(st *symbolTest, values []string) int {
	n := 0
	for sym, list := range p {
		if st.check(values, sym) {
			n += len(list)
		}
	}
	return n
}

// ids is the ids of the orders of the texts that pass st, in id order; max is the
// largest id there is. It is never nil, so that a visit of none visits nothing rather
// than every row.
func (p postings) ids(st *symbolTest, values []string, max int) []uint32 {
	var lists [][]uint32
	for sym, list := range p {
		if st.check(values, sym) && len(list) > 0 {
			lists = append(lists, list)
		}
	}
	if len(lists) == 1 {
		return lists[0]
	}
	// Several texts (a part of a name that two stores share): their ids are marked in a
	// bit set and read back in order, a pass of max/64 words.
	marks := make([]uint64, max/64+1)
	n := 0
	for _, list := range lists {
		for _, id := range list {
			marks[id/64] |= 1 << (id % 64)
		}
		n += len(list)
	}
	out := make([]uint32, 0, n)
	for w, word := range marks {
		for ; word != 0; word &= word - 1 {
			out = append(out, uint32(w*64+bits.TrailingZeros64(word)))
		}
	}
	return out
}
