// Package bench will own the `make bench` suite: scenarios run on our broker
// and on peers side by side, and the report. Nothing is implemented yet.
package bench
