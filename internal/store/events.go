package store

import (
	"bytes"
	"compress/flate"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"

	"github.com/roms-dev/roms/internal/order"
)

// An event is stored as its JSON, compressed with zstd and a dictionary of typical events:
// the changes of an order's first event name every field it was given, about 0.7 KB of
// JSON whose keys and common words the dictionary already holds, so what is left is
// mostly the values. Events are read one order's history at a time, so inflating them is
// never paid in bulk by lists or exports.
//
// The first byte says how a value is stored. Older files hold the other two forms, and
// they stay readable:
//   - '{': plain JSON (before compression);
//   - 0x01: DEFLATE (measured at 18-25 µs an event inside the write transaction, where
//     it held up every writer sharing the commit; zstd with the dictionary takes about 5);
//   - 0x02: zstd with eventDict.
const (
	deflatedEvent = 0x01
	zstdEvent     = 0x02
)

// eventDict is the dictionary of 0x02 events: real-shaped events of the parser's corpus
// and of edits. Events stored with it can only be read with it, byte for byte, so it must
// never change (TestTheEventDictionaryNeverChanges): a better one gets a new first byte.
//
//go:embed eventdict.jsonl
var eventDict []byte

const eventDictID = 1

var (
	eventEncoder = must(zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderDictRaw(eventDictID, eventDict), zstd.WithEncoderConcurrency(4)))
	eventDecoder = must(zstd.NewReader(nil, zstd.WithDecoderDictRaw(eventDictID, eventDict),
		zstd.WithDecoderConcurrency(4)))
)

// must is for values made from constants, which cannot fail.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func encodeEvent(e order.Event) ([]byte, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return eventEncoder.EncodeAll(raw, []byte{zstdEvent}), nil
}

func decodeEvent(v []byte) (order.Event, error) {
	var e order.Event
	raw := v
	var err error
	switch {
	case len(v) > 0 && v[0] == zstdEvent:
		raw, err = eventDecoder.DecodeAll(v[1:], nil)
	case len(v) > 0 && v[0] == deflatedEvent:
		raw, err = io.ReadAll(flate.NewReader(bytes.NewReader(v[1:])))
	}
	if err != nil {
		return e, fmt.Errorf("inflate event: %w", err)
	}
	return e, json.Unmarshal(raw, &e)
}
