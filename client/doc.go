// Package client will own the project's Go producer, push and pull
// consumers and admin calls over the native binary protocol. Nothing is
// implemented yet.
package client
