package orders

// ImportKindHelp says what an import of one kind reads, with a small file that shows it:
// the command line's help, the API and the dashboard's Imports page all read it.
type ImportKindHelp struct {
	Kind   string `json:"kind"`
	Name   string `json:"name" doc:"The kind in words"`
	Reads  string `json:"reads" doc:"The columns it reads; names match in any case"`
	Sample string `json:"sample" doc:"A small file of this kind, to start from"`
}

// ImportHelp is every kind's help, in the order the kinds are offered.
var ImportHelp = []ImportKindHelp{
	{ImportTracking, "Tracking numbers",
		"an order number column (Order Number, Order #, Order No...) and a tracking number column (Tracking Number, Tracking, Tracking #...)",
		"Order Number,Tracking Number\nBBY01-807102506907,1Z0X5W242034567895\n"},
	{ImportReceived, "Units received",
		"Qty Received (or Quantity Received, Received...), by order number or tracking number; optionally Total, Commission, Status",
		"Order Number,Qty Received\nBBY01-807102506907,1\n"},
	{ImportCharges, "Card statement (charges)",
		"a card statement: a date, a description holding the order number, a reference",
		"Posted Date,Description,Reference\n11/27/2026,BESTBUY.COM BBY01-807102506907,24692166331000123456789\n"},
	{ImportCancellations, "Cancellations",
		"order numbers (a column, or one or more a line), optionally a Reason",
		"Order Number,Reason\n102000987654321,purchase limit\n"},
	{ImportOrders, "Orders (pasted messages or a CSV of orders)",
		"pasted checkout messages one after another, or a CSV of orders with an order number column (ROMS's own export, ROMS V2's, a spreadsheet)",
		"Order Number,Product,Price,Store,Profile\nTGT-1001,Pokemon ETB,49.99,Target,Chase 2\n"},
}
