package httpapi

import (
	"errors"
	"net/http"

	"github.com/dryaddb/dryad/internal/base"
)

// Persona is the audience Druid's error body addresses: who can fix it.
type Persona string

// The personas Druid reports.
const (
	PersonaUser      Persona = "USER"
	PersonaOperator  Persona = "OPERATOR"
	PersonaDeveloper Persona = "DEVELOPER"
)

// PersonaOf returns the persona Druid reports for an error class: operators
// fix unavailable dependencies, developers fix internal errors, users fix
// everything else (their input, their names, their load).
func PersonaOf(c base.Class) Persona {
	switch c {
	case base.ClassUnavailable:
		return PersonaOperator
	case base.ClassInternal:
		return PersonaDeveloper
	}
	return PersonaUser
}

// StatusError is an error answered with an explicit HTTP status that the
// classes in base have no status for: 405 Method Not Allowed and 415
// Unsupported Media Type. Class still chooses the Druid category and code.
type StatusError struct {
	Status int
	Class  base.Class
	Err    error
}

// Error returns the cause's message.
func (e *StatusError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *StatusError) Unwrap() error { return e.Err }

// ErrorBody is Druid's error JSON body (DruidException's serialized form).
type ErrorBody struct {
	Error        string            `json:"error"`
	ErrorCode    string            `json:"errorCode"`
	Persona      Persona           `json:"persona"`
	Category     string            `json:"category"`
	ErrorMessage string            `json:"errorMessage"`
	Context      map[string]string `json:"context"`
}

// StatusOf returns the HTTP status err is answered with: a StatusError's
// status if err wraps one, otherwise the status of base.ClassOf(err).
func StatusOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return base.ClassOf(err).HTTPStatus()
}

// BodyOf returns Druid's error body for err.
func BodyOf(err error) ErrorBody {
	c := base.ClassOf(err)
	var se *StatusError
	if errors.As(err, &se) {
		c = se.Class
	}
	return ErrorBody{
		Error:        "druidException",
		ErrorCode:    c.Code(),
		Persona:      PersonaOf(c),
		Category:     c.Category(),
		ErrorMessage: err.Error(),
		Context:      map[string]string{},
	}
}

// WriteError answers the request with err as Druid's error body and the
// status StatusOf(err). It is the one place where errors become HTTP
// responses; handlers return classed errors (base.Errorf) and call it.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	if err == nil {
		err = base.Errorf(base.ClassInternal, "internal error without a cause")
	}
	WriteJSON(w, r, StatusOf(err), BodyOf(err))
}
