package httpapi

import (
	"cmp"
	"context"
	"errors"
	"io"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// FilterParams is the filter every orders route shares: list, totals and export.
type FilterParams struct {
	Status        string `query:"status" doc:"One status or several, comma-separated: shipped,delivered"`
	Store         string `query:"store" doc:"Part of the store name, any case: 'best buy' finds 'Best Buy US'"`
	Profile       string `query:"profile" doc:"Part of the profile name, any case"`
	Email         string `query:"email" doc:"Part of the email, any case"`
	Q             string `query:"q" doc:"Text found in the order number, product, email, profile, store or tracking numbers"`
	HasTracking   string `query:"has_tracking" enum:"true,false" doc:"Only orders with (true) or without (false) a tracking number"`
	FullyReceived string `query:"fully_received" enum:"true,false" doc:"Only orders whose quantity received has (true) or has not (false) reached the quantity"`
	From          string `query:"from" doc:"Orders dated at or after this: 2026-11-20 (midnight in the configured time zone), an RFC 3339 time, or today, yesterday, week, month, last-week, last-month"`
	To            string `query:"to" doc:"Orders dated before this; a plain date includes that whole day"`
	Open          bool   `query:"open" doc:"Only orders still waiting on something: no tracking yet, units not all received, or in review hold (never declined, cancelled, refunded or returned)"`
	Deleted       bool   `query:"deleted" doc:"List deleted orders instead of live ones"`
}

// filter turns the query into the service's filter; dates are read in the configured
// time zone.
func (h *orderRoutes) filter(in FilterParams) (order.Filter, error) {
	f, err := h.orders.Filter(orders.FilterText{
		Status: in.Status, Store: in.Store, Profile: in.Profile, Email: in.Email, Query: in.Q,
		HasTracking: in.HasTracking, FullyReceived: in.FullyReceived, From: in.From, To: in.To, Open: in.Open, Deleted: in.Deleted,
	})
	if errors.Is(err, orders.ErrBadTime) {
		return f, huma.Error400BadRequest(err.Error())
	}
	var inv *orders.InvalidError
	if errors.As(err, &inv) {
		return f, huma.Error422UnprocessableEntity(inv.Error())
	}
	return f, err
}

type listOrdersInput struct {
	FilterParams
	Search   string `query:"search" doc:"The same as q (ROMS V2's name)"`
	Sort     string `query:"sort" enum:"date_desc,date_asc,price_desc,price_asc" default:"date_desc" doc:"Order date or price, either way; orders without a price come last"`
	Cursor   string `query:"cursor" doc:"next_cursor of the previous page"`
	Limit    int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
	Page     int    `query:"page" minimum:"0" doc:"Numbered pages, as ROMS V2 had: page 1 is the first; with page_size instead of cursor and limit"`
	PageSize int    `query:"page_size" minimum:"0" maximum:"1000" doc:"Orders per numbered page (default 50)"`
}

// OrderPage is one page of orders.
type OrderPage struct {
	Orders      []order.Order `json:"orders"`
	Total       int           `json:"total" doc:"How many orders match the filter, on all pages"`
	NextCursor  string        `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
	Page        int           `json:"page,omitempty" doc:"With numbered pages"`
	PageSize    int           `json:"page_size,omitempty"`
	HasNext     bool          `json:"has_next"`
	HasPrevious bool          `json:"has_previous"`
}

func (h *orderRoutes) listOrders(ctx context.Context, in *listOrdersInput) (*struct{ Body OrderPage }, error) {
	if in.Q == "" {
		in.Q = in.Search
	}
	f, err := h.filter(in.FilterParams)
	if err != nil {
		return nil, err
	}
	f.Sort, f.After, f.Limit = in.Sort, in.Cursor, in.Limit
	numbered := in.Page > 0 || in.PageSize > 0
	if numbered {
		in.Page, in.PageSize = max(in.Page, 1), cmp.Or(in.PageSize, 50)
		f.Offset, f.Limit, f.After = (in.Page-1)*in.PageSize, in.PageSize, ""
	}
	page, err := h.orders.List(ctx, f)
	if err != nil {
		return nil, orderError(err, "")
	}
	out := OrderPage{Orders: page.Orders, Total: page.Total, NextCursor: page.Next, HasNext: page.Next != "",
		HasPrevious: in.Cursor != "" || f.Offset > 0}
	if numbered {
		out.NextCursor, out.Page, out.PageSize = "", in.Page, in.PageSize
		out.HasNext = f.Offset+len(page.Orders) < page.Total
	}
	return &struct{ Body OrderPage }{out}, nil
}

type statsInput struct {
	FilterParams
	GroupBy string `query:"group_by" enum:"store,profile,status,product,day,week,month" doc:"Totals per group as well as overall"`
}

func (h *orderRoutes) stats(ctx context.Context, in *statsInput) (*struct{ Body orders.Stats }, error) {
	f, err := h.filter(in.FilterParams)
	if err != nil {
		return nil, err
	}
	st, err := h.orders.Stats(ctx, f, in.GroupBy)
	if err != nil {
		return nil, err
	}
	return &struct{ Body orders.Stats }{st}, nil
}

// overview is the dashboard's first page in one answer.
func (h *orderRoutes) overview(ctx context.Context, _ *struct{}) (*struct{ Body []orders.Period }, error) {
	periods, err := h.orders.Overview(ctx)
	if err != nil {
		return nil, err
	}
	return &struct{ Body []orders.Period }{periods}, nil
}

type exportInput struct {
	FilterParams
	Sort    string `query:"sort" enum:"date_desc,date_asc,price_desc,price_asc" default:"date_desc"`
	Numbers string `query:"numbers" doc:"Only these orders, comma-separated, in this order (a selection): of them, those the other filters also select"`
}

type exportOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               func(ctx huma.Context)
}

// exportCSV streams the orders a filter selects as CSV, one row at a time.
func (h *orderRoutes) exportCSV(ctx context.Context, in *exportInput) (*exportOutput, error) {
	f, err := h.filter(in.FilterParams)
	if err != nil {
		return nil, err
	}
	f.Sort = in.Sort
	name := "roms-orders-" + time.Now().In(h.orders.Location()).Format("20060102-1504") + ".csv"
	return &exportOutput{
		ContentType:        "text/csv; charset=utf-8",
		ContentDisposition: `attachment; filename="` + name + `"`,
		Body: func(hc huma.Context) {
			export := h.orders.Export
			if numbers := order.SplitList(in.Numbers); len(numbers) > 0 {
				export = func(ctx context.Context, f order.Filter, w io.Writer) (int, error) {
					return h.orders.ExportNumbers(ctx, numbers, f, w)
				}
			}
			if _, err := export(ctx, f, hc.BodyWriter()); err != nil {
				h.logger.Error("export stopped", "error", err)
			}
		},
	}, nil
}

type orderNumberInput struct {
	OrderNumber string `path:"order_number" doc:"The order number, with or without '#', any case; or the order's numeric id (an all-digit value that is not an order number)"`
}

func (h *orderRoutes) getOrder(ctx context.Context, in *orderNumberInput) (*struct{ Body order.Order }, error) {
	o, err := h.orders.Get(ctx, in.OrderNumber)
	if err != nil {
		return nil, orderError(err, in.OrderNumber)
	}
	return &struct{ Body order.Order }{o}, nil
}

func (h *orderRoutes) listEvents(ctx context.Context, in *orderNumberInput) (*struct{ Body []order.Event }, error) {
	events, err := h.orders.Events(ctx, in.OrderNumber)
	if err != nil {
		return nil, orderError(err, in.OrderNumber)
	}
	return &struct{ Body []order.Event }{events}, nil
}

// ChangeReply is the order after a change, with what the change did beside its fields:
// the order itself, as ROMS V2's clients expect.
type ChangeReply struct {
	order.Order
	Action   string         `json:"action" enum:"created,updated,unchanged,deleted,restored"`
	Changes  []order.Change `json:"changes"`
	Warnings []string       `json:"warnings,omitempty"`
}

func changeReply(res order.Result, warnings []string) *struct{ Body ChangeReply } {
	changes := res.Changes
	if changes == nil {
		changes = []order.Change{}
	}
	return &struct{ Body ChangeReply }{ChangeReply{Action: res.Outcome, Order: res.Order, Changes: changes, Warnings: warnings}}
}

type updateOrderInput struct {
	OrderNumber string `path:"order_number" doc:"The order number, with or without '#', any case"`
	Body        OrderFields
}

func (h *orderRoutes) updateOrder(ctx context.Context, in *updateOrderInput) (*struct{ Body ChangeReply }, error) {
	if in.Body.OrderNumber.Set {
		return nil, huma.Error422UnprocessableEntity("order_number cannot be changed: create the order under its right number and delete this one")
	}
	res, err := h.orders.Correct(ctx, in.OrderNumber, in.Body.edit(), order.ActorAPI)
	if err != nil {
		return nil, orderError(err, in.OrderNumber)
	}
	return changeReply(res, nil), nil
}

type createOrderInput struct {
	Body struct {
		OrderFields
		Text string `json:"text,omitempty" maxLength:"1048576" doc:"A whole message in the text format, instead of the fields"`
	}
}

func (h *orderRoutes) createOrder(ctx context.Context, in *createOrderInput) (*struct{ Body ChangeReply }, error) {
	if in.Body.Text != "" {
		res, warnings, err := h.orders.CreateFromText(ctx, in.Body.Text, order.ActorAPI)
		if err != nil {
			return nil, orderError(err, "")
		}
		return changeReply(res, warnings), nil
	}
	e := in.Body.edit()
	e.OrderNumber = in.Body.OrderNumber.Value
	res, err := h.orders.Create(ctx, e.Fields, order.ActorAPI)
	if err != nil {
		return nil, orderError(err, e.OrderNumber)
	}
	return changeReply(res, nil), nil
}

func (h *orderRoutes) deleteOrder(ctx context.Context, in *orderNumberInput) (*struct{ Body ChangeReply }, error) {
	res, err := h.orders.Delete(ctx, in.OrderNumber, order.ActorAPI)
	if err != nil {
		return nil, orderError(err, in.OrderNumber)
	}
	return changeReply(res, nil), nil
}

func (h *orderRoutes) restoreOrder(ctx context.Context, in *orderNumberInput) (*struct{ Body ChangeReply }, error) {
	res, err := h.orders.Restore(ctx, in.OrderNumber, order.ActorAPI)
	if err != nil {
		return nil, orderError(err, in.OrderNumber)
	}
	return changeReply(res, nil), nil
}

// orderError turns a service error into the HTTP error that says what is wrong.
func orderError(err error, number string) error {
	var inv *orders.InvalidError
	switch {
	case errors.As(err, &inv):
		details := make([]error, len(inv.Problems))
		for i, p := range inv.Problems {
			details[i] = &huma.ErrorDetail{Location: "body." + p.Field, Message: p.Message}
		}
		return huma.Error422UnprocessableEntity("nothing was changed: "+inv.Error(), details...)
	case errors.Is(err, orders.ErrNothingToChange):
		return huma.Error422UnprocessableEntity(err.Error())
	case errors.Is(err, order.ErrNotFound):
		return huma.Error404NotFound("no order with number " + number)
	case errors.Is(err, order.ErrExists):
		return huma.Error409Conflict("an order with number " + number + " exists already: change it with PATCH")
	case errors.Is(err, order.ErrBadCursor):
		return huma.Error400BadRequest(err.Error())
	}
	return err
}
