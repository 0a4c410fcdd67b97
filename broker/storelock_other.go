//go:build !unix

package broker

import "os"

// lockStore does nothing where flock is unavailable.
func lockStore(string) (*os.File, error) { return nil, nil }
