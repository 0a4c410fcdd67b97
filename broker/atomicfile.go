package broker

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// writeFileAtomic replaces path with data so that a crash leaves either the
// old or the new file: write a temp file, fsync it, rename it over path,
// fsync the directory (style.md rule 32).
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("broker: write %s: %w", path, err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("broker: write %s: %w", path, err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("broker: write %s: %w", tmp, werr)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("broker: rename %s: %w", tmp, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("broker: sync dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("broker: sync dir %s: %w", dir, err)
	}
	return nil
}

// readConfigFile returns path's contents, or nil when it does not exist.
// RocketMQ keeps a path+".bak" copy; it is read when the main file is gone.
func readConfigFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		b, err = os.ReadFile(path + ".bak")
		if os.IsNotExist(err) {
			return nil, nil
		}
	}
	return b, err
}

// intKeyRE matches an unquoted integer object key as fastjson writes them
// in RocketMQ's consumerOffset.json and delayOffset.json ({0:12,1:3}).
var intKeyRE = regexp.MustCompile(`([{,]\s*)(-?\d+)(\s*:)`)

// quoteIntKeys turns fastjson's unquoted integer keys into JSON strings so
// that encoding/json reads files written by a Java broker.
func quoteIntKeys(b []byte) []byte {
	return intKeyRE.ReplaceAll(b, []byte(`$1"$2"$3`))
}
