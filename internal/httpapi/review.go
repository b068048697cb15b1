package httpapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
	"github.com/roms-dev/roms/internal/parsehealth"
)

// ReviewList is the posts that need a look, newest first.
type ReviewList struct {
	Entries []orders.ReviewEntry `json:"entries"`
}

type reviewInput struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	Source string `query:"source" doc:"Only this source's posts (see /api/v2/parse-health)"`
}

func (h *messageRoutes) listReview(ctx context.Context, in *reviewInput) (*struct{ Body ReviewList }, error) {
	entries, err := h.msgs.Review(ctx, in.Limit, in.Source)
	if err != nil {
		return nil, err
	}
	return &struct{ Body ReviewList }{ReviewList{Entries: entries}}, nil
}

func (h *messageRoutes) teachLabel(ctx context.Context, in *struct{ Body orders.Teaching }) (*struct{ Body orders.Taught }, error) {
	t, err := h.msgs.Teach(ctx, in.Body)
	if errors.Is(err, orders.ErrBadTeaching) {
		return nil, huma.Error422UnprocessableEntity(err.Error())
	}
	if err != nil {
		return nil, err
	}
	return &struct{ Body orders.Taught }{t}, nil
}

func (h *messageRoutes) dismissReview(ctx context.Context, in *logIDInput) (*struct{}, error) {
	err := h.msgs.Dismiss(ctx, in.ID)
	if errors.Is(err, order.ErrNotFound) {
		return nil, huma.Error404NotFound(fmt.Sprintf("no webhook log entry %d", in.ID))
	}
	return nil, err
}

// ParseHealthList is how well each source's posts are read since ROMS started.
type ParseHealthList struct {
	Sources []parsehealth.Source `json:"sources"`
}

func (h *messageRoutes) parseHealth(_ context.Context, _ *struct{}) (*struct{ Body ParseHealthList }, error) {
	return &struct{ Body ParseHealthList }{ParseHealthList{Sources: h.msgs.ParseHealth()}}, nil
}
