package httpapi

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/parser"
	"github.com/roms-dev/roms/internal/store"
)

type listOrdersInput struct {
	Status  string `query:"status" doc:"Exact status, any case (verified, declined, shipped...)"`
	Store   string `query:"store" doc:"Exact store name, any case"`
	Profile string `query:"profile" doc:"Exact profile name, any case"`
	Email   string `query:"email" doc:"Exact email, any case"`
	Q       string `query:"q" doc:"Text to find in the product name"`
	From    string `query:"from" doc:"Orders dated at or after this: 2026-11-20 or an RFC 3339 time"`
	To      string `query:"to" doc:"Orders dated before this; a plain date includes that whole day"`
	Cursor  string `query:"cursor" doc:"next_cursor of the previous page"`
	Limit   int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

// OrderPage is one page of orders.
type OrderPage struct {
	Orders     []order.Order `json:"orders"`
	NextCursor string        `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
}

func (s *server) listOrders(ctx context.Context, in *listOrdersInput) (*struct{ Body OrderPage }, error) {
	f := store.Filter{Status: in.Status, Store: in.Store, Profile: in.Profile, Email: in.Email, Query: in.Q, Limit: in.Limit}
	var err error
	if f.From, err = parseDay(in.From, false); err != nil {
		return nil, huma.Error400BadRequest("from: " + err.Error())
	}
	if f.To, err = parseDay(in.To, true); err != nil {
		return nil, huma.Error400BadRequest("to: " + err.Error())
	}
	if in.Cursor != "" {
		if f.Before, err = strconv.ParseUint(in.Cursor, 10, 64); err != nil {
			return nil, huma.Error400BadRequest("cursor is not one this API gave out")
		}
	}
	page, err := s.Store.List(ctx, f)
	if err != nil {
		return nil, err
	}
	out := OrderPage{Orders: page.Orders}
	if page.Next != 0 {
		out.NextCursor = strconv.FormatUint(page.Next, 10)
	}
	return &struct{ Body OrderPage }{out}, nil
}

// parseDay reads a date or a time. A plain date as an upper bound means the end of that
// day, which is what people mean by "to 2026-11-20".
func parseDay(s string, upper bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, errors.New("use a date like 2026-11-20 or a time like 2026-11-20T18:04:05Z")
	}
	if upper {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

type orderNumberInput struct {
	OrderNumber string `path:"order_number" doc:"The order number, with or without '#', any case"`
}

func (s *server) getOrder(ctx context.Context, in *orderNumberInput) (*struct{ Body order.Order }, error) {
	o, err := s.Store.Get(ctx, in.OrderNumber)
	if err != nil {
		return nil, notFound(err, in.OrderNumber)
	}
	return &struct{ Body order.Order }{o}, nil
}

func (s *server) listEvents(ctx context.Context, in *orderNumberInput) (*struct{ Body []order.Event }, error) {
	events, err := s.Store.Events(ctx, in.OrderNumber)
	if err != nil {
		return nil, notFound(err, in.OrderNumber)
	}
	return &struct{ Body []order.Event }{events}, nil
}

type updateOrderInput struct {
	OrderNumber string `path:"order_number"`
	Body        struct {
		Status         *string `json:"status,omitempty" doc:"For example shipped, delivered, cancelled" minLength:"1" maxLength:"50"`
		TrackingNumber *string `json:"tracking_number,omitempty" minLength:"1" maxLength:"100"`
		QtyReceived    *int    `json:"qty_received,omitempty" minimum:"0"`
		Notes          *string `json:"notes,omitempty" minLength:"1" maxLength:"5000"`
	}
}

// UpdateReply is the order after an update and what the update changed.
type UpdateReply struct {
	Action  string         `json:"action" enum:"updated,unchanged"`
	Order   order.Order    `json:"order"`
	Changes []order.Change `json:"changes"`
}

func (s *server) updateOrder(ctx context.Context, in *updateOrderInput) (*struct{ Body UpdateReply }, error) {
	b := in.Body
	f := order.Fields{OrderNumber: in.OrderNumber, QtyReceived: b.QtyReceived}
	if b.Status != nil {
		f.Status = parser.NormaliseStatus(*b.Status)
	}
	if b.TrackingNumber != nil {
		f.TrackingNumber = strings.TrimSpace(*b.TrackingNumber)
	}
	if b.Notes != nil {
		f.Notes = *b.Notes
	}
	if f.Status == "" && f.TrackingNumber == "" && f.Notes == "" && f.QtyReceived == nil {
		return nil, huma.Error422UnprocessableEntity("nothing to change: give status, tracking_number, qty_received or notes")
	}
	res, err := s.Store.Upsert(ctx, store.Write{Fields: f, Origin: order.Origin{Source: order.SourceAPI}, At: time.Now(), MustExist: true})
	if err != nil {
		return nil, notFound(err, in.OrderNumber)
	}
	if res.Outcome != store.OutcomeUnchanged {
		s.publish(res)
	}
	changes := res.Changes
	if changes == nil {
		changes = []order.Change{}
	}
	return &struct{ Body UpdateReply }{UpdateReply{Action: res.Outcome, Order: res.Order, Changes: changes}}, nil
}

func notFound(err error, number string) error {
	if errors.Is(err, store.ErrNotFound) {
		return huma.Error404NotFound("no order with number " + number)
	}
	return err
}

type listLogsInput struct {
	Limit int `query:"limit" minimum:"1" maximum:"1000" default:"50"`
}

func (s *server) listLogs(ctx context.Context, in *listLogsInput) (*struct{ Body []store.LogEntry }, error) {
	logs, err := s.Store.Logs(ctx, in.Limit)
	if err != nil {
		return nil, err
	}
	return &struct{ Body []store.LogEntry }{logs}, nil
}
