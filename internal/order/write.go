package order

import "errors"

// CheckError wraps the error of a write's Check, so that a store can tell a refused write
// from a failure of the database.
type CheckError struct{ Err error }

func (e CheckError) Error() string { return e.Err.Error() }
func (e CheckError) Unwrap() error { return e.Err }

// Refused reports whether a write's error is a refusal that changed nothing (the order is
// missing or exists already, or its Check said no), rather than a failure of the storage.
func Refused(err error) bool {
	var checkErr CheckError
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrExists) || errors.As(err, &checkErr)
}

// Merge applies w to the stored order, or to a new one when stored is nil: the rule every
// store follows, so that they agree on outcomes. It returns the order to store and the
// result; a store writes nothing when the outcome is OutcomeUnchanged, and gives a new
// order its id. Everything that can refuse the write runs here, before anything is
// stored.
func Merge(stored *Order, w Write) (Order, Result, error) {
	var o Order
	switch {
	case stored == nil && w.MustExist:
		return Order{}, Result{}, ErrNotFound
	case stored != nil && w.MustBeNew:
		return Order{}, Result{}, ErrExists
	case stored == nil:
		at := w.OccurredAt
		if at.IsZero() {
			at = w.At
		}
		o = New(w.Number, w.Origin, at)
		o.CreatedAt = w.At.UTC()
	default:
		o = *stored
	}
	res := Result{Changes: w.Edit.Apply(&o, w.At)}
	if w.Check != nil {
		if err := w.Check(&o, res.Changes); err != nil {
			return Order{}, Result{}, CheckError{err}
		}
	}
	switch {
	case stored == nil:
		res.Outcome = OutcomeCreated
	case len(res.Changes) == 0:
		res.Outcome = OutcomeUnchanged
	default:
		res.Outcome = outcomeOf(EventType(res.Changes))
	}
	if res.Outcome != OutcomeUnchanged {
		o.UpdatedAt = w.At.UTC()
	}
	return o, res, nil
}

func outcomeOf(eventType string) string {
	switch eventType {
	case EventDeleted:
		return OutcomeDeleted
	case EventRestored:
		return OutcomeRestored
	}
	return OutcomeUpdated
}

// EventOf is the event a stored result records, with its id and the order's id to come.
func EventOf(o *Order, res Result, w Write) Event {
	typ := EventType(res.Changes)
	if res.Outcome == OutcomeCreated {
		typ = EventCreated
	}
	changes := res.Changes
	if changes == nil {
		changes = []Change{}
	}
	return Event{OrderID: o.ID, Number: o.OrderNumber, Type: typ, At: w.At.UTC(), Actor: w.Actor, Origin: w.Origin, Changes: changes,
		Inferred: w.Inferred}
}
