package commands

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/orders"
)

// maxImportFile is the largest file /import takes, as the import API does.
const maxImportFile = 16 << 20

// exportOrders is /export: the orders a filter selects, as a CSV attachment.
func exportOrders(f *files) handler {
	return func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error) {
		filter, err := filterOf(f.orders, in)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		n, err := f.orders.Export(ctx, filter, &limitedWriter{w: &buf, limit: f.upload})
		if errors.Is(err, errTooBig) {
			return nil, fmt.Errorf("that export is more than %s, more than Discord lets a bot upload: narrow it with since, until or store, "+
				"or download it from ROMS itself (bot export, or /api/v2/orders/export.csv)", size(f.upload))
		}
		if err != nil {
			return nil, err
		}
		name := "roms-orders-" + f.now().In(f.orders.Location()).Format("20060102-1504") + ".csv"
		return &discordgo.InteractionResponseData{
			Content: fmt.Sprintf("%d orders; open the file in Excel, Numbers or Google Sheets.", n),
			Files:   []*discordgo.File{{Name: name, ContentType: "text/csv", Reader: bytes.NewReader(buf.Bytes())}},
		}, nil
	}
}

var errTooBig = errors.New("too big to upload")

// limitedWriter refuses to grow past limit, so a huge export stops early.
type limitedWriter struct {
	w     *bytes.Buffer
	limit int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.w.Len()+len(p) > l.limit {
		return 0, errTooBig
	}
	return l.w.Write(p)
}

// importFile is /import: the attached file applied as one batch.
func importFile(f *files) handler {
	return func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error) {
		kind, file := in.String("kind"), in.Attachment("file")
		switch {
		case file == nil:
			return nil, errors.New("attach the file to import")
		case file.Size > maxImportFile:
			return nil, fmt.Errorf("%s is %d MiB; split it into files of at most %d MiB", file.Filename, file.Size>>20, maxImportFile>>20)
		case f.download == nil:
			return nil, errors.New("this ROMS cannot download files from Discord")
		}
		data, err := f.download(ctx, file.URL, maxImportFile)
		if err != nil {
			return nil, fmt.Errorf("could not download %s from Discord: %w", file.Filename, err)
		}
		sum, err := f.orders.Import(ctx, kind, data)
		if err != nil {
			return nil, fmt.Errorf("%s was not imported: %w", file.Filename, err)
		}
		reply := &discordgo.InteractionResponseData{Content: clip(importText(file.Filename, sum), maxContent)}
		if sum.Rejected != "" {
			rejected := sum.Rejected
			if len(rejected) > f.upload {
				rejected = rejected[:strings.LastIndexByte(rejected[:f.upload], '\n')+1]
			}
			reply.Files = []*discordgo.File{{Name: "not-imported-" + sum.Batch + ".csv", ContentType: "text/csv", Reader: strings.NewReader(rejected)}}
		}
		return reply, nil
	}
}

func size(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func importText(name string, s orders.ImportSummary) string {
	text := fmt.Sprintf("Imported %s (%s): %s.", name, s.Kind, s)
	if s.Created+s.Updated > 0 {
		text += fmt.Sprintf("\nBatch `%s`: `/undo batch:%s` reverts it.", s.Batch, s.Batch)
	}
	if s.Rejected != "" {
		text += "\nThe rows not used are attached, each with the reason."
	}
	for _, note := range s.Notes[:min(len(s.Notes), 5)] {
		text += "\n" + note
	}
	return text
}

// undoImport is /undo: an import batch reverted, by this user.
func undoImport(svc Orders) handler {
	return func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error) {
		batch := strings.Trim(in.String("batch"), "` ")
		sum, err := svc.Undo(ctx, batch, in.Actor())
		if errors.Is(err, orders.ErrUnknownBatch) {
			return nil, fmt.Errorf("no import batch %s changed anything; the batch is in the import's answer", batch)
		}
		if err != nil {
			return nil, err
		}
		return &discordgo.InteractionResponseData{Content: fmt.Sprintf("Undid batch `%s`: %s.", batch, sum)}, nil
	}
}
