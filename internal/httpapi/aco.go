package httpapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roms-dev/roms/internal/aco"
	"github.com/roms-dev/roms/internal/order"
)

// acoRoutes: the ACO service's clients, assignments, fees and invoices.
type acoRoutes struct {
	aco  *aco.Service
	zone *time.Location
}

// ClientInput is a client as the API takes it: the fee as people write it.
type ClientInput struct {
	Name        string   `json:"name" minLength:"1" maxLength:"200"`
	DiscordUser string   `json:"discord_user,omitempty" doc:"Their Discord user id, to ping or DM them"`
	Channel     string   `json:"channel,omitempty" doc:"Their own channel's id, where pings with their details go; without one: a DM"`
	Profiles    []string `json:"profiles,omitempty" doc:"Profile names, exact or with * (Lennar #*)"`
	Emails      []string `json:"emails,omitempty" doc:"Their addresses (every Gmail dot and +tag of them matches) or @domain.com for a catch-all"`
	Fee         string   `json:"fee,omitempty" doc:"5/order, 3/unit, 8%, 8% min 5; rates for some stores after ';': 8%; Walmart: 3/unit"`
	Notify      string   `json:"notify,omitempty" enum:"ping,dm,none," doc:"How they hear of a checkout; empty: relay.notify"`
	Notes       string   `json:"notes,omitempty" maxLength:"5000"`
}

func (in ClientInput) client(id string) (aco.Client, error) {
	c := aco.Client{ID: id, Name: in.Name, DiscordUser: in.DiscordUser, Channel: in.Channel, Profiles: in.Profiles, Emails: in.Emails, Notify: in.Notify, Notes: in.Notes}
	if strings.TrimSpace(in.Fee) != "" {
		rule, err := aco.ParseFeeRule(in.Fee)
		if err != nil {
			return c, huma.Error422UnprocessableEntity(err.Error())
		}
		c.Fee = rule
	}
	return c, nil
}

// acoError turns the service's errors into answers.
func acoError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, aco.ErrNoClient), errors.Is(err, order.ErrNotFound):
		return huma.Error404NotFound(err.Error())
	case errors.Is(err, aco.ErrClientTaken), errors.Is(err, aco.ErrOpenFees):
		return huma.Error409Conflict(err.Error())
	case errors.Is(err, aco.ErrNothingToInvoice), errors.As(err, new(*aco.InvalidError)):
		return huma.Error422UnprocessableEntity(err.Error())
	}
	return err // a failure of the store: the server's, not the request's
}

func (h *acoRoutes) listClients(ctx context.Context, _ *struct{}) (*struct{ Body []aco.Client }, error) {
	list, err := h.aco.Clients(ctx)
	return &struct{ Body []aco.Client }{list}, err
}

type clientIDInput struct {
	ID string `path:"id" doc:"The client's id (from their name: ann-s-cooks)"`
}

func (h *acoRoutes) getClient(ctx context.Context, in *clientIDInput) (*struct{ Body aco.Client }, error) {
	c, err := h.aco.Client(ctx, in.ID)
	return &struct{ Body aco.Client }{c}, acoError(err)
}

type addClientInput struct{ Body ClientInput }

func (h *acoRoutes) addClient(ctx context.Context, in *addClientInput) (*struct{ Body aco.Client }, error) {
	c, err := in.Body.client("")
	if err == nil {
		c, err = h.aco.AddClient(ctx, c)
	}
	return &struct{ Body aco.Client }{c}, acoError(err)
}

type editClientInput struct {
	ID   string `path:"id"`
	Body ClientInput
}

func (h *acoRoutes) editClient(ctx context.Context, in *editClientInput) (*struct{ Body aco.Client }, error) {
	c, err := in.Body.client(in.ID)
	if err == nil {
		c, err = h.aco.EditClient(ctx, c)
	}
	return &struct{ Body aco.Client }{c}, acoError(err)
}

func (h *acoRoutes) removeClient(ctx context.Context, in *clientIDInput) (*struct{}, error) {
	return nil, acoError(h.aco.RemoveClient(ctx, in.ID))
}

type csvOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func csvFile(name string, write func(*bytes.Buffer) error) (*csvOutput, error) {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	if err := write(&b); err != nil {
		return nil, err
	}
	return &csvOutput{ContentType: "text/csv; charset=utf-8", ContentDisposition: `attachment; filename="` + name + `"`, Body: b.Bytes()}, nil
}

func (h *acoRoutes) exportClients(ctx context.Context, _ *struct{}) (*csvOutput, error) {
	list, err := h.aco.Clients(ctx)
	if err != nil {
		return nil, err
	}
	return csvFile("roms-clients.csv", func(b *bytes.Buffer) error { return aco.WriteClients(b, list) })
}

type importClientsInput struct {
	RawBody []byte `contentType:"text/csv"`
}

// ClientsImported is what an import of clients did.
type ClientsImported struct {
	Added    int `json:"added"`
	Replaced int `json:"replaced" doc:"Clients of the file that existed: replaced by the file's row"`
}

func (h *acoRoutes) importClients(ctx context.Context, in *importClientsInput) (*struct{ Body ClientsImported }, error) {
	list, err := aco.ReadClients(bytes.NewReader(in.RawBody))
	if err != nil {
		return nil, huma.Error422UnprocessableEntity("nothing was imported: " + err.Error())
	}
	added, replaced, err := h.aco.PutClients(ctx, list)
	return &struct{ Body ClientsImported }{ClientsImported{added, replaced}}, acoError(err)
}

type figuresInput struct {
	Period string `query:"period" doc:"A month (2026-12), this-month (the default), last-month, all, or 2026-12-01..2026-12-15"`
}

func (h *acoRoutes) figures(ctx context.Context, in *figuresInput) (*struct{ Body []aco.Figures }, error) {
	from, to, err := aco.ParsePeriod(in.Period, h.zone, time.Now())
	if err != nil {
		return nil, huma.Error422UnprocessableEntity(err.Error())
	}
	if strings.EqualFold(strings.TrimSpace(in.Period), "all") {
		to = time.Time{}
	}
	list, err := h.aco.ClientFigures(ctx, from, to)
	return &struct{ Body []aco.Figures }{list}, err
}

type unmatchedInput struct {
	Days int `query:"days" minimum:"1" maximum:"365" default:"7"`
}

func (h *acoRoutes) unmatched(ctx context.Context, in *unmatchedInput) (*struct{ Body []aco.Unmatched }, error) {
	list, err := h.aco.Unmatched(ctx, in.Days)
	return &struct{ Body []aco.Unmatched }{list}, err
}

type assignInput struct {
	Body struct {
		OrderNumber string `json:"order_number" minLength:"1"`
		Client      string `json:"client" doc:"The client's id; empty: no one's"`
		Teach       bool   `json:"teach,omitempty" doc:"Also give the client the order's profile (or, without one, its email)"`
	}
}

// FeeReply is an order's fee, or none.
type FeeReply struct {
	Fee *aco.Fee `json:"fee" doc:"null: the order earns no fee"`
}

func (h *acoRoutes) assign(ctx context.Context, in *assignInput) (*struct{ Body FeeReply }, error) {
	fee, err := h.aco.Assign(ctx, in.Body.OrderNumber, in.Body.Client, in.Body.Teach)
	return &struct{ Body FeeReply }{FeeReply{fee}}, acoError(err)
}

type feesInput struct {
	Client string `query:"client"`
	State  string `query:"state" doc:"One state or several, comma-separated: pending,due,invoiced,paid,void"`
}

func (h *acoRoutes) fees(ctx context.Context, in *feesInput) (*struct{ Body []aco.Fee }, error) {
	list, err := h.aco.Fees(ctx, aco.FeeFilter{Client: in.Client, States: order.SplitList(in.State)})
	return &struct{ Body []aco.Fee }{list}, err
}

func (h *acoRoutes) owed(ctx context.Context, _ *struct{}) (*struct{ Body []aco.Owed }, error) {
	list, err := h.aco.Owed(ctx)
	return &struct{ Body []aco.Owed }{list}, err
}

type feeInput struct {
	OrderNumber string `path:"order_number"`
}

func (h *acoRoutes) fee(ctx context.Context, in *feeInput) (*struct{ Body aco.Fee }, error) {
	f, err := h.aco.Fee(ctx, in.OrderNumber)
	if errors.Is(err, order.ErrNotFound) {
		return nil, huma.Error404NotFound("order " + in.OrderNumber + " has no fee: it is no client's, or earns none")
	}
	return &struct{ Body aco.Fee }{f}, err
}

type makeInvoiceInput struct {
	Body struct {
		Client string `json:"client" minLength:"1"`
		Period string `json:"period,omitempty" doc:"A month (2026-12), this-month (the default), last-month, all (every due fee), or 2026-12-01..2026-12-15"`
	}
}

func (h *acoRoutes) makeInvoice(ctx context.Context, in *makeInvoiceInput) (*struct{ Body aco.Invoice }, error) {
	from, to, err := aco.ParsePeriod(in.Body.Period, h.zone, time.Now())
	if err != nil {
		return nil, huma.Error422UnprocessableEntity(err.Error())
	}
	inv, err := h.aco.MakeInvoice(ctx, in.Body.Client, from, to)
	return &struct{ Body aco.Invoice }{inv}, acoError(err)
}

type invoicesInput struct {
	Client string `query:"client"`
}

func (h *acoRoutes) invoices(ctx context.Context, in *invoicesInput) (*struct{ Body []aco.Invoice }, error) {
	list, err := h.aco.Invoices(ctx, in.Client)
	return &struct{ Body []aco.Invoice }{list}, err
}

type invoiceIDInput struct {
	ID string `path:"id"`
}

func (h *acoRoutes) getInvoice(ctx context.Context, in *invoiceIDInput) (*struct{ Body aco.Invoice }, error) {
	inv, err := h.aco.GetInvoice(ctx, in.ID)
	return &struct{ Body aco.Invoice }{inv}, acoError(err)
}

func (h *acoRoutes) invoiceCSV(ctx context.Context, in *invoiceIDInput) (*csvOutput, error) {
	inv, err := h.aco.GetInvoice(ctx, in.ID)
	if err != nil {
		return nil, acoError(err)
	}
	return csvFile("invoice-"+inv.ID+".csv", func(b *bytes.Buffer) error { return aco.WriteInvoice(b, inv, h.zone) })
}

func (h *acoRoutes) markSent(ctx context.Context, in *invoiceIDInput) (*struct{ Body aco.Invoice }, error) {
	inv, err := h.aco.MarkSent(ctx, in.ID)
	return &struct{ Body aco.Invoice }{inv}, acoError(err)
}

type paymentInput struct {
	ID   string `path:"id"`
	Body struct {
		Amount order.Money `json:"amount"`
		Date   string      `json:"date,omitempty" doc:"When it was paid (2026-12-03); today when left out"`
		Method string      `json:"method,omitempty" doc:"PayPal, Zelle, cash..."`
		Note   string      `json:"note,omitempty"`
	}
}

func (h *acoRoutes) recordPayment(ctx context.Context, in *paymentInput) (*struct{ Body aco.Invoice }, error) {
	p := aco.Payment{Amount: in.Body.Amount, Method: in.Body.Method, Note: in.Body.Note}
	if in.Body.Date != "" {
		at, err := time.ParseInLocation(time.DateOnly, in.Body.Date, h.zone)
		if err != nil {
			return nil, huma.Error422UnprocessableEntity("date: write 2026-12-03")
		}
		p.At = at
	}
	inv, err := h.aco.RecordPayment(ctx, in.ID, p)
	return &struct{ Body aco.Invoice }{inv}, acoError(err)
}

// registerACO adds the ACO routes; routes calls it.
func registerACO(api huma.API, op func(id, method, path, summary, tag string) huma.Operation, h *acoRoutes) {
	huma.Register(api, op("list-clients", http.MethodGet, "/api/v2/clients", "The ACO service's clients", "ACO"), h.listClients)
	add := op("add-client", http.MethodPost, "/api/v2/clients", "Add a client", "ACO")
	add.DefaultStatus, add.Errors = http.StatusCreated, []int{409, 422}
	huma.Register(api, add, h.addClient)
	huma.Register(api, op("export-clients", http.MethodGet, "/api/v2/clients/export.csv", "The clients as CSV", "ACO"), h.exportClients)
	imp := op("import-clients", http.MethodPost, "/api/v2/clients/import", "Add or replace clients from CSV (a Name column; ID, Discord User, Profiles, Emails, Fee, Notify, Notes)", "ACO")
	imp.Errors = []int{422}
	huma.Register(api, imp, h.importClients)
	fig := op("client-figures", http.MethodGet, "/api/v2/clients/figures", "Each client's checkouts, spend, success and cancel rate, and fees, of a period", "ACO")
	fig.Errors = []int{422}
	huma.Register(api, fig, h.figures)
	get := op("get-client", http.MethodGet, "/api/v2/clients/{id}", "One client", "ACO")
	get.Errors = []int{404}
	huma.Register(api, get, h.getClient)
	edit := op("edit-client", http.MethodPut, "/api/v2/clients/{id}", "Replace a client's details", "ACO")
	edit.Errors = []int{404, 422}
	huma.Register(api, edit, h.editClient)
	remove := op("remove-client", http.MethodDelete, "/api/v2/clients/{id}", "Remove a client whose fees are all paid or voided", "ACO")
	remove.DefaultStatus, remove.Errors = http.StatusNoContent, []int{404, 409}
	huma.Register(api, remove, h.removeClient)
	huma.Register(api, op("unmatched-orders", http.MethodGet, "/api/v2/aco/unmatched", "Recent orders that are no client's, or could be several clients'", "ACO"), h.unmatched)
	assign := op("assign-order", http.MethodPost, "/api/v2/aco/assign", "Say whose an order is (and, with teach, give them its profile or email)", "ACO")
	assign.Errors = []int{404, 422}
	huma.Register(api, assign, h.assign)
	huma.Register(api, op("list-fees", http.MethodGet, "/api/v2/fees", "Fees, oldest order first, with each change and why", "ACO"), h.fees)
	fee := op("get-fee", http.MethodGet, "/api/v2/fees/{order_number}", "One order's fee, with each change and why", "ACO")
	fee.Errors = []int{404}
	huma.Register(api, fee, h.fee)
	huma.Register(api, op("owed", http.MethodGet, "/api/v2/owed", "What each client owes and has paid", "ACO"), h.owed)
	mk := op("make-invoice", http.MethodPost, "/api/v2/invoices", "Invoice a client's due fees of a period, less their open credits", "ACO")
	mk.DefaultStatus, mk.Errors = http.StatusCreated, []int{404, 422}
	huma.Register(api, mk, h.makeInvoice)
	huma.Register(api, op("list-invoices", http.MethodGet, "/api/v2/invoices", "Invoices, newest first", "ACO"), h.invoices)
	gi := op("get-invoice", http.MethodGet, "/api/v2/invoices/{id}", "One invoice", "ACO")
	gi.Errors = []int{404}
	huma.Register(api, gi, h.getInvoice)
	gc := op("invoice-csv", http.MethodGet, "/api/v2/invoices/{id}/csv", "One invoice as CSV", "ACO")
	gc.Errors = []int{404}
	huma.Register(api, gc, h.invoiceCSV)
	sent := op("invoice-sent", http.MethodPost, "/api/v2/invoices/{id}/sent", "Mark an invoice sent", "ACO")
	sent.Errors = []int{404}
	huma.Register(api, sent, h.markSent)
	pay := op("invoice-payment", http.MethodPost, "/api/v2/invoices/{id}/payments", "Record a payment (no processor is called); paid in full, its fees are paid", "ACO")
	pay.Errors = []int{404, 422}
	huma.Register(api, pay, h.recordPayment)
}
