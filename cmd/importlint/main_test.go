package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testModule = "example.com/mq"

func TestVerdictFollowsPackageMap(t *testing.T) {
	f := func(top, imp string, allowed bool) {
		t.Helper()
		why := verdict(top, rules[top], testModule, imp)
		if (why == "") != allowed {
			t.Errorf("%s importing %s: allowed=%v, want %v (%s)", top, imp, why == "", allowed, why)
		}
	}
	f("protocol", "encoding/binary", true)
	f("protocol", testModule+"/mmapstore", false)
	f("mmapstore", testModule+"/protocol", true)
	f("mmapstore", "github.com/edsrzf/mmap-go", true)
	f("index", "github.com/edsrzf/mmap-go", false)
	f("index", testModule+"/mmapstore/internal/seg", true)
	f("netpoll", "github.com/panjf2000/gnet/v2/pkg/logging", true)
	f("broker", testModule+"/namesrv", false)
	f("broker", testModule+"/perf", true)
	f("broker", "github.com/panjf2000/gnet/v2", false)
	f("namesrv", testModule+"/namesrv/internal/x", true)
	f("client", testModule+"/broker", false)
	f("cmd", testModule+"/broker", true)
	f("cmd", "github.com/anything/else", true)
}

func TestCheckReportsForbiddenImportsButNotTests(t *testing.T) {
	root := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module "+testModule+"\n\ngo 1.26\n")
	write("broker/send.go", "package broker\nimport _ \""+testModule+"/namesrv\"\n")
	write("broker/send_test.go", "package broker\nimport _ \"github.com/apache/rocketmq-client-go/v2\"\n")
	write("protocol/frame.go", "package protocol\nimport _ \"encoding/binary\"\n")
	write("stray/x.go", "package stray\n")

	module, err := modulePath(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	problems, err := check(root, module)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(problems, "\n")
	if len(problems) != 2 || !strings.Contains(joined, "broker/send.go") || !strings.Contains(joined, "stray/x.go") {
		t.Fatalf("problems = %q, want the broker->namesrv import and the stray package only", problems)
	}
}
