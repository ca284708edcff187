package base

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Class is the category of an error, used to choose the HTTP status and the
// category reported in Druid's error JSON. The zero value is ClassInternal.
type Class int

// The error classes. They mirror DruidException's categories.
const (
	ClassInternal     Class = iota // a bug or an unexpected failure: 500
	ClassInvalidInput              // the request is wrong and retrying will not help: 400
	ClassNotFound                  // the named thing does not exist: 404
	ClassConflict                  // the request conflicts with current state: 409
	ClassUnavailable               // a dependency is not ready or is down: 503
	ClassTimeout                   // the operation ran past its deadline: 504
	ClassUnsupported               // a documented feature dryad does not implement: 501
	ClassForbidden                 // not authorised: 403
	ClassCapacity                  // too many concurrent requests: 429
	ClassCanceled                  // the caller cancelled the operation: 500 (Druid's "Query cancelled")
)

var classNames = [...]string{
	ClassInternal:     "UNCATEGORIZED",
	ClassInvalidInput: "INVALID_INPUT",
	ClassNotFound:     "NOT_FOUND",
	ClassConflict:     "CONFLICT",
	ClassUnavailable:  "RUNTIME_FAILURE",
	ClassTimeout:      "TIMEOUT",
	ClassUnsupported:  "UNSUPPORTED",
	ClassForbidden:    "FORBIDDEN",
	ClassCapacity:     "CAPACITY_EXCEEDED",
	ClassCanceled:     "CANCELED",
}

var classCodes = [...]string{
	ClassInternal:     "internalError",
	ClassInvalidInput: "invalidInput",
	ClassNotFound:     "notFound",
	ClassConflict:     "conflict",
	ClassUnavailable:  "unavailable",
	ClassTimeout:      "timeout",
	ClassUnsupported:  "unsupported",
	ClassForbidden:    "forbidden",
	ClassCapacity:     "capacityExceeded",
	ClassCanceled:     "canceled",
}

var classStatus = [...]int{
	ClassInternal:     http.StatusInternalServerError,
	ClassInvalidInput: http.StatusBadRequest,
	ClassNotFound:     http.StatusNotFound,
	ClassConflict:     http.StatusConflict,
	ClassUnavailable:  http.StatusServiceUnavailable,
	ClassTimeout:      http.StatusGatewayTimeout,
	ClassUnsupported:  http.StatusNotImplemented,
	ClassForbidden:    http.StatusForbidden,
	ClassCapacity:     http.StatusTooManyRequests,
	ClassCanceled:     http.StatusInternalServerError,
}

func (c Class) valid() bool { return c >= 0 && int(c) < len(classNames) }

// Category is the Druid error category (e.g. "INVALID_INPUT").
func (c Class) Category() string {
	if !c.valid() {
		return classNames[ClassInternal]
	}
	return classNames[c]
}

// Code is the Druid errorCode (e.g. "invalidInput").
func (c Class) Code() string {
	if !c.valid() {
		return classCodes[ClassInternal]
	}
	return classCodes[c]
}

// HTTPStatus is the HTTP status code an error of this class is reported with.
// This is the one place where error classes map to statuses.
func (c Class) HTTPStatus() int {
	if !c.valid() {
		return http.StatusInternalServerError
	}
	return classStatus[c]
}

// String returns the category name.
func (c Class) String() string { return c.Category() }

// Error is an error with a class. Its message is meant for the user; the
// wrapped cause, if any, is reachable with errors.Unwrap.
type Error struct {
	Class Class
	Msg   string
	Err   error
}

// Error returns the message, or the cause's message when Msg is empty.
// Errorf already folds the cause's text into Msg, as fmt.Errorf does.
func (e *Error) Error() string {
	if e.Msg == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of class c. As with fmt.Errorf, a %w verb wraps
// its operand, which stays reachable through errors.Is and errors.As.
func Errorf(c Class, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &Error{Class: c, Msg: err.Error(), Err: errors.Unwrap(err)}
}

// WithClass wraps err so that ClassOf reports c, keeping err's message.
// It returns nil for a nil err.
func WithClass(c Class, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Class: c, Err: err}
}

// ClassOf returns the class of the outermost *Error in err's chain.
// Context cancellation and deadline errors without a class map to
// ClassCanceled and ClassTimeout; anything else is ClassInternal.
func ClassOf(err error) Class {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return ClassTimeout
	case errors.Is(err, context.Canceled):
		return ClassCanceled
	}
	return ClassInternal
}

// IsClass reports whether ClassOf(err) is c.
func IsClass(err error, c Class) bool { return err != nil && ClassOf(err) == c }
