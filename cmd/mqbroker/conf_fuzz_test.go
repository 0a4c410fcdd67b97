package main

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/fastmq/fastmq/broker"
)

// FuzzParseProperties: any broker.conf text parses or fails with an error,
// never a panic; every parsed key is non-empty and trimmed, and applying the
// result never panics either.
func FuzzParseProperties(f *testing.F) {
	f.Add("brokerClusterName=DefaultCluster\nbrokerName=broker-a\nbrokerId=0\ndeleteWhen=04\n")
	f.Add("# c\n! c\nnamesrvAddr = a:9876;b:9876\nlistenPort: 10911\nmessageDelayLevel=1s \\\n 5s\n")
	f.Add("=x\n")
	f.Add("flushDiskType=SOMETIMES\n")
	f.Add("brokerId=99999999999999999999\n")
	f.Fuzz(func(t *testing.T, text string) {
		props, order, err := parseProperties(strings.NewReader(text))
		if err != nil {
			return
		}
		if len(order) != len(props) {
			t.Fatalf("%d keys in order, %d in map", len(order), len(props))
		}
		for _, k := range order {
			if k == "" || strings.TrimSpace(k) != k {
				t.Fatalf("bad key %q", k)
			}
		}
		var cfg broker.Config
		_ = applyProperties(&cfg, props, order, slog.New(slog.NewTextHandler(io.Discard, nil))) // errors are fine; panics are not
	})
}

func TestParsePropertiesJavaStyle(t *testing.T) {
	props, order, err := parseProperties(strings.NewReader("# comment\n a = 1 \nb:2\nc=x\\\ny\n!bang\n"))
	if err != nil {
		t.Fatal(err)
	}
	if props["a"] != "1" || props["b"] != "2" || props["c"] != "xy" || strings.Join(order, ",") != "a,b,c" {
		t.Fatalf("parsed %v %v", props, order)
	}
	if _, _, err := parseProperties(strings.NewReader("novalue\n")); err == nil {
		t.Fatal("line without = accepted")
	}
}
