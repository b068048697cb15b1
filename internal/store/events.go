package store

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/roms-dev/roms/internal/order"
)

// An event is stored as its JSON, compressed: the changes of an order's first event name
// every field it was given, about 0.7 KB that compresses to less than half. Events are
// read one order's history at a time, so the cost of inflating them is never paid in bulk
// by lists or exports. A value that starts with '{' is plain JSON, as older files hold.
const compressedEvent = 0x01

var deflaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed) // the level is valid, so there is no error
	return w
}}

func encodeEvent(e order.Event) ([]byte, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteByte(compressedEvent)
	w := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(w)
	w.Reset(&b)
	if _, err := w.Write(raw); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if b.Len() >= len(raw) {
		return raw, nil // too short to gain
	}
	return b.Bytes(), nil
}

func decodeEvent(v []byte) (order.Event, error) {
	var e order.Event
	raw := v
	if len(v) > 0 && v[0] == compressedEvent {
		var err error
		if raw, err = io.ReadAll(flate.NewReader(bytes.NewReader(v[1:]))); err != nil {
			return e, fmt.Errorf("inflate event: %w", err)
		}
	}
	return e, json.Unmarshal(raw, &e)
}
