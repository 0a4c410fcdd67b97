package protocol

import (
	"errors"
	"math"
	"strconv"
)

// Typed-header errors. Decoders return a *HeaderError wrapping one of them.
var (
	// ErrMissingField: a required custom-header field is absent or empty.
	ErrMissingField = errors.New("protocol: missing required header field")
	// ErrBadField: a required custom-header field does not parse (a number
	// that is not one, or out of range).
	ErrBadField = errors.New("protocol: malformed header field")
)

// HeaderError says which field of which typed header failed to decode.
type HeaderError struct {
	Header string // Go type name, e.g. "SendMessageRequestHeader"
	Field  string // ext key, e.g. "topic"
	Err    error  // ErrMissingField or ErrBadField
}

func (e *HeaderError) Error() string {
	return e.Err.Error() + " " + strconv.Quote(e.Field) + " in " + e.Header
}

func (e *HeaderError) Unwrap() error { return e.Err }

// extReader reads a Command's ext fields into a typed header. Like the Java
// broker it tolerates absent optional fields and ignores malformed optional
// numbers (Java logs them and leaves the field null); a required field that
// is absent, empty or malformed is an error. The first error sticks.
type extReader struct {
	c      *Command
	header string
	err    error
}

func (r *extReader) fail(field string, err error) {
	if r.err == nil {
		r.err = &HeaderError{Header: r.header, Field: field, Err: err}
	}
}

// str returns the field's value (aliasing the command) or "".
func (r *extReader) str(key string, required bool) string {
	v, ok := r.c.ExtField(key)
	if required && (!ok || v == "") {
		r.fail(key, ErrMissingField)
	}
	return v
}

// num parses an integer field within [lo, hi]; absent or malformed
// optional fields give def and false.
func (r *extReader) num(key string, required bool, lo, hi, def int64) (int64, bool) {
	v, ok := r.c.ExtField(key)
	if !ok || v == "" {
		if required {
			r.fail(key, ErrMissingField)
		}
		return def, false
	}
	n, ok := parseInt(stringBytes(v))
	if !ok || n < lo || n > hi {
		if required {
			r.fail(key, ErrBadField)
		}
		return def, false
	}
	return n, true
}

func (r *extReader) i64(key string, required bool) int64 {
	n, _ := r.num(key, required, math.MinInt64, math.MaxInt64, 0)
	return n
}

func (r *extReader) i32(key string, required bool) int32 {
	n, _ := r.num(key, required, math.MinInt32, math.MaxInt32, 0)
	return int32(n)
}

// optI32 returns an optional Integer field and whether it was present and
// valid (Java's null check).
func (r *extReader) optI32(key string) (int32, bool) {
	n, ok := r.num(key, false, math.MinInt32, math.MaxInt32, 0)
	return int32(n), ok
}

// boolean is Boolean.parseBoolean of the field; absent is false.
func (r *extReader) boolean(key string) bool {
	v, _ := r.c.ExtField(key)
	return parseBool(stringBytes(v))
}

// putStr adds a string field when it is not empty (Java skips nulls).
func putStr(c *Command, key, v string) {
	if v != "" {
		c.AddExtField(key, v)
	}
}
