package bbolt

import (
	"bytes"
	"compress/flate"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"

	"github.com/klauspost/compress/s2"

	"github.com/roms-dev/roms/internal/order"
)

// An event is stored as its JSON, compressed with S2 and a dictionary of typical events:
// the changes of an order's first event name every field it was given, about 0.7 KB of
// JSON whose keys and common words the dictionary already holds, so what is left is
// mostly the values. Events are read one order's history at a time, so inflating them is
// never paid in bulk by lists or exports.
//
// The first byte says how a value is stored. Older files hold the other two forms, and
// they stay readable:
//   - '{': plain JSON (before compression);
//   - 0x01: DEFLATE, about as small as S2 but several times slower to pack (zstd with
//     the same dictionary was a little smaller and slower still).
//   - 0x02: S2 with eventDict.
const (
	deflatedEvent = 0x01
	s2Event       = 0x02
)

// eventDict is the dictionary of 0x02 events: real-shaped events of the parser's corpus
// and of edits. Events stored with it can only be read with it, byte for byte, so it must
// never change (TestTheEventDictionaryNeverChanges): a better one gets a new first byte.
//
//go:embed eventdict.jsonl
var eventDict []byte

// eventDictionary is eventDict prepared for S2.
var eventDictionary = s2.MakeDict(eventDict, nil)

// encodeEvent stores an event without its ids: they are its key (order id, event id), as
// decodeEvent puts them back.
func encodeEvent(e order.Event) ([]byte, error) {
	raw, err := eventJSON(e)
	if err != nil {
		return nil, err
	}
	return pack(raw), nil
}

// eventJSON is the JSON of an event without its ids, before pack.
func eventJSON(e order.Event) ([]byte, error) {
	e.ID, e.OrderID = 0, 0
	return json.Marshal(e)
}

// pack compresses the JSON of an event, or of a webhook-log entry (logs.go), as it is
// stored. A write packs in the commit loop rather than in the writer's goroutine, though
// everything else is worked out there: S2's dictionary encoder keeps a 64 KB table on the
// stack, and growing a request goroutine's small stack for it cost more than the
// compression itself, where the loop's stack is grown once.
func pack(raw []byte) []byte {
	return append([]byte{s2Event}, eventDictionary.Encode(nil, raw)...)
}

// unpack is the JSON of a stored event or log entry, in any of the forms above.
func unpack(v []byte) ([]byte, error) {
	switch {
	case len(v) > 0 && v[0] == s2Event:
		return eventDictionary.Decode(nil, v[1:])
	case len(v) > 0 && v[0] == deflatedEvent:
		return io.ReadAll(flate.NewReader(bytes.NewReader(v[1:])))
	}
	return v, nil
}

// decodeEvent reads an event stored under key (be64 order id, be64 event id).
func decodeEvent(key, v []byte) (order.Event, error) {
	var e order.Event
	raw, err := unpack(v)
	if err != nil {
		return e, fmt.Errorf("inflate event: %w", err)
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return e, err
	}
	if len(key) == 16 {
		e.OrderID, e.ID = binary.BigEndian.Uint64(key[:8]), binary.BigEndian.Uint64(key[8:])
	}
	return e, nil
}
