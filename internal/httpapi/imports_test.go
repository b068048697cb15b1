package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/roms-dev/roms/internal/orders"
)

func TestImportAndUndoOverHTTP(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", testToken)
	seedOrders(ts)
	csvFile := "\ufeffOrder #;Tracking Number\n=\"BBY-1\";1Z999\n=\"BBY-1\";1Z888\nNOPE;1Z777\n"
	status, raw := ts.request(http.MethodPost, "/api/v2/imports/tracking", "text/csv", []byte(csvFile))
	var sum orders.ImportSummary
	decode(t, raw, &sum)
	if status != 200 || sum.Rows != 3 || sum.Updated != 2 || sum.NotFound != 1 || !strings.Contains(sum.Rejected, "NOPE") || sum.Batch == "" {
		t.Fatalf("%d %s", status, raw)
	}
	var o struct {
		TrackingNumber string `json:"tracking_number"`
	}
	_, got := ts.request(http.MethodGet, "/api/v2/orders/BBY-1", "", nil)
	decode(t, got, &o)
	if o.TrackingNumber != "1Z999, 1Z888" {
		t.Errorf("tracking %q", o.TrackingNumber)
	}

	// A browser's file upload.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "cancel.txt")
	fw.Write([]byte("WM-1\n"))
	mw.Close()
	status, raw = ts.request(http.MethodPost, "/api/v2/imports/cancellations", mw.FormDataContentType(), form.Bytes())
	if status != 200 || !strings.Contains(string(raw), `"updated":1`) {
		t.Errorf("multipart: %d %s", status, raw)
	}

	status, raw = ts.request(http.MethodPost, "/api/v2/imports/"+sum.Batch+"/undo", "", nil)
	var undo orders.UndoSummary
	decode(t, raw, &undo)
	if status != 200 || undo.Reverted != 1 {
		t.Errorf("undo: %d %s", status, raw)
	}
	_, got = ts.request(http.MethodGet, "/api/v2/orders/BBY-1", "", nil)
	decode(t, got, &o)
	if o.TrackingNumber != "" {
		t.Errorf("tracking after undo %q", o.TrackingNumber)
	}
	for _, bad := range []struct {
		path, contentType, body string
		status                  int
		want                    string
	}{
		{"/api/v2/imports/receipts", "text/csv", "a,b\n", 422, "kind"},
		{"/api/v2/imports/tracking", "text/csv", "", 400, "the file is empty"},
		{"/api/v2/imports/tracking", "image/png", "\x89PNG\x00\x00", 400, "not text"},
		{"/api/v2/imports/tracking", "text/csv", "item,code\nx,y\n", 400, "needs a column named order number"},
		{"/api/v2/imports/19990101-000000-aaaaaa/undo", "", "", 404, "no import batch"},
	} {
		status, raw := ts.request(http.MethodPost, bad.path, bad.contentType, []byte(bad.body))
		if status != bad.status || !strings.Contains(string(raw), bad.want) {
			t.Errorf("%s: %d %s, want %d with %q", bad.path, status, raw, bad.status, bad.want)
		}
	}
}

// cancelAtEOF is a request body that cancels the request's context once read whole, as a
// client that gives up waiting for the answer.
type cancelAtEOF struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c *cancelAtEOF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		c.cancel()
	}
	return n, err
}

// TestAnImportGoesOnWhenTheClientLeaves is the finding: a 100,000-row import over HTTP
// stopped halfway when the client gave up at 60 s. It now goes on to its end.
func TestAnImportGoesOnWhenTheClientLeaves(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	var csv strings.Builder
	csv.WriteString("Order Number,Product,Price\n")
	const rows = 3000
	for i := range rows {
		fmt.Fprintf(&csv, "IMP-%d,Widget,%d.99\n", i, i%90+10)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, pathImports+"orders", &cancelAtEOF{r: strings.NewReader(csv.String()), cancel: cancel})
	req.Header.Set("Content-Type", "text/csv")
	req.Host = strings.TrimPrefix(ts.URL, "http://")
	ts.Config.Handler.ServeHTTP(httptest.NewRecorder(), req)
	if counts, _ := ts.store.Counts(t.Context()); counts.Orders != rows {
		t.Errorf("%d orders stored of %d after the client left", counts.Orders, rows)
	}
}
