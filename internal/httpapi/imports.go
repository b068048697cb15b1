package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roms-dev/roms/internal/orders"
)

// maxImport is the largest import file: a 100,000-row tracking export is about 5 MiB.
const maxImport = 16 << 20

type importInput struct {
	Kind        string `path:"kind" enum:"orders,tracking,received,charges,cancellations" doc:"What the file holds"`
	ContentType string `header:"Content-Type"`
	body        []byte
	readErr     error
}

// Resolve reads the body itself: a CSV or text file as it is, or the first file of a
// multipart form (what a browser's file upload sends).
func (in *importInput) Resolve(ctx huma.Context) []error {
	in.body, in.readErr = io.ReadAll(io.LimitReader(ctx.BodyReader(), maxImport+1))
	return nil
}

func (h *importRoutes) importFile(ctx context.Context, in *importInput) (*struct{ Body orders.ImportSummary }, error) {
	data, err := uploaded(in.ContentType, in.body, in.readErr)
	if err != nil {
		return nil, err
	}
	// An import goes on to its end when the client gives up waiting: a batch stopped
	// halfway is worse than one the client learns of from the log (its batch id is there).
	sum, err := h.imports.Import(context.WithoutCancel(ctx), in.Kind, data)
	var inv *orders.InvalidError
	switch {
	case errors.As(err, &inv):
		return nil, huma.Error422UnprocessableEntity(inv.Error())
	case errors.Is(err, orders.ErrBinaryFile), errors.Is(err, orders.ErrEmptyFile):
		return nil, huma.Error400BadRequest(err.Error())
	case err != nil && ctx.Err() == nil:
		return nil, huma.Error400BadRequest(err.Error()) // the file could not be read as its kind
	case err != nil:
		return nil, err
	}
	return &struct{ Body orders.ImportSummary }{sum}, nil
}

// ImportLine is one line of the NDJSON stream of an import with progress: progress
// after each transaction of rows, then done (with the summary) or error.
type ImportLine struct {
	Type     string                 `json:"type" enum:"progress,done,error"`
	Progress *orders.ImportProgress `json:"progress,omitempty"`
	Summary  *orders.ImportSummary  `json:"summary,omitempty"`
	Error    string                 `json:"error,omitempty"`
}

type importStreamOutput struct {
	ContentType string `header:"Content-Type"`
	Body        func(ctx huma.Context)
}

// importStream is importFile answering as it goes, one JSON line per transaction of
// rows, so that `bot import` can show how far a long import is.
func (h *importRoutes) importStream(ctx context.Context, in *importInput) (*importStreamOutput, error) {
	data, err := uploaded(in.ContentType, in.body, in.readErr)
	if err != nil {
		return nil, err
	}
	return &importStreamOutput{ContentType: "application/x-ndjson", Body: func(hc huma.Context) {
		send := lineSender(hc)
		sum, err := h.imports.ImportWithProgress(context.WithoutCancel(ctx), in.Kind, data, func(p orders.ImportProgress) {
			send(ImportLine{Type: "progress", Progress: &p})
		})
		last := ImportLine{Type: "done", Summary: &sum}
		if err != nil {
			last = ImportLine{Type: "error", Error: err.Error()}
		}
		send(last)
	}}, nil
}

// uploaded is the file of an import request.
func uploaded(contentType string, body []byte, readErr error) ([]byte, error) {
	switch {
	case readErr != nil:
		return nil, huma.Error400BadRequest("could not read the body: " + readErr.Error())
	case len(body) > maxImport:
		return nil, huma.Error413RequestEntityTooLarge(fmt.Sprintf("the file is larger than %d MiB; split it", maxImport>>20))
	}
	media, params, _ := mime.ParseMediaType(contentType)
	if media != "multipart/form-data" {
		return body, nil
	}
	r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := r.NextPart()
		if err != nil {
			return nil, huma.Error400BadRequest("the form has no file: send it as the field \"file\"")
		}
		if part.FileName() != "" || part.FormName() == "file" {
			return io.ReadAll(part)
		}
	}
}

type undoInput struct {
	Batch string `path:"batch" doc:"The batch of an import's answer"`
}

func (h *importRoutes) undoImport(ctx context.Context, in *undoInput) (*struct{ Body orders.UndoSummary }, error) {
	sum, err := h.imports.Undo(ctx, in.Batch, "api")
	if errors.Is(err, orders.ErrUnknownBatch) {
		return nil, huma.NewError(http.StatusNotFound, "no import batch "+in.Batch+" changed anything")
	}
	if err != nil {
		return nil, err
	}
	return &struct{ Body orders.UndoSummary }{sum}, nil
}

const importDoc = "Send the file as the body (CSV or text) or as the field `file` of a form upload. " +
	"`tracking`: an order column and a tracking column; several rows for one order add to its list. " +
	"`received`: quantity received by order number or tracking number, with optional total, commission and status. " +
	"`charges`: a card statement: the posted date and reference go on the order whose number the description holds, never replacing different ones. " +
	"`cancellations`: order numbers to cancel (CSV, or one or more a line). " +
	"`orders`: pasted checkout messages, split at each header line. " +
	"Headers match in any case; a byte order mark, `;` or tab separators and `=\"...\"` wrappers are fine. " +
	"The answer counts what each row did and lists the rows it could not use, as CSV. The import is one batch: " +
	"POST .../{batch}/undo reverts it."

func importRequestBody() *huma.RequestBody {
	return &huma.RequestBody{
		Description: "The file (at most 16 MiB).",
		Required:    true,
		Content: map[string]*huma.MediaType{
			"text/csv":            {Schema: &huma.Schema{Type: "string"}, Example: "Order Number,Tracking Number\nBBY01-807102506907,1Z999AA10123456784\n"},
			"text/plain":          {Schema: &huma.Schema{Type: "string"}},
			"multipart/form-data": {Schema: &huma.Schema{Type: "object", Properties: map[string]*huma.Schema{"file": {Type: "string", Format: "binary"}}}},
		},
	}
}

// importKinds lists what each kind of import reads, with a sample file.
func (h *importRoutes) importKinds(_ context.Context, _ *struct{}) (*struct{ Body []orders.ImportKindHelp }, error) {
	return &struct{ Body []orders.ImportKindHelp }{orders.ImportHelp}, nil
}

type batchesInput struct {
	Limit int `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

func (h *importRoutes) batches(ctx context.Context, in *batchesInput) (*struct{ Body []orders.Batch }, error) {
	list, err := h.imports.Batches(ctx, in.Limit)
	if err != nil {
		return nil, err
	}
	return &struct{ Body []orders.Batch }{list}, nil
}
