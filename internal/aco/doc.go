// Package aco is what an ACO ("auto-checkout") service needs on top of the orders: its
// clients, which order is whose, and the fee each success earns, which follows the
// order's outcome (a checkout the retailer cancels later earns nothing).
//
// Everything is worked out again from an order's current state whenever it changes
// (Reconcile), never from the change alone: seeing a change twice, or late, or after a
// restart, ends in the same place.
package aco
