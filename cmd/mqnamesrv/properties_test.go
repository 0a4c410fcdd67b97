package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParsePropertiesJavaFormat(t *testing.T) {
	text := "# comment\n" +
		"  ! another comment\n" +
		"\n" +
		"listenPort=9877\n" +
		"kvConfigPath : /data/kv.json\n" +
		"orderMessageEnable true\n" +
		"rocketmqHome=/opt/rocket\\\n" +
		"    mq\n" +
		"key\\=with\\:seps=a\\tb\\u0041\r\n" +
		"empty=\n" +
		"last\\\n"
	got, err := parseProperties(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []property{
		{"listenPort", "9877", 4},
		{"kvConfigPath", "/data/kv.json", 5},
		{"orderMessageEnable", "true", 6},
		{"rocketmqHome", "/opt/rocketmq", 7},
		{"key=with:seps", "a\tbA", 9},
		{"empty", "", 10},
		{"last", "", 11},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParsePropertiesRejectsBadEscape(t *testing.T) {
	for _, text := range []string{`k=\u00zz`, `k=\u12`} {
		if _, err := parseProperties(text); err == nil {
			t.Errorf("%q: no error", text)
		}
	}
}

func TestSettingsLoadWarnsOnUnknownKeys(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "namesrv.conf")
	text := "listenPort=0\nbindAddress=127.0.0.1\nkvConfigPath=" + filepath.Join(dir, "kv.json") +
		"\norderMessageEnable=true\nscanNotActiveBrokerInterval=2000\nserverWorkerThreads=4\nnoSuchKey=1\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	st := defaultSettings("/home/u")
	if err := st.load(conf, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "key=noSuchKey") || strings.Contains(logs.String(), "serverWorkerThreads") {
		t.Errorf("warnings: %s", logs.String())
	}
	cfg := st.config("", nil)
	if cfg.Addr != "127.0.0.1:0" || !cfg.OrderMessageEnable || cfg.ScanInterval != 2*time.Second ||
		cfg.KVConfigPath != filepath.Join(dir, "kv.json") || cfg.IdleTimeout != 120*time.Second {
		t.Errorf("config %+v", cfg)
	}
	if st.inert["serverWorkerThreads"] != "4" {
		t.Errorf("inert key not kept: %q", st.inert["serverWorkerThreads"])
	}
	if cfg := st.config("127.0.0.1:1234", nil); cfg.Addr != "127.0.0.1:1234" {
		t.Errorf("-l not applied: %q", cfg.Addr)
	}
}

func TestSettingsRejectBadValues(t *testing.T) {
	for _, kv := range [][2]string{{"listenPort", "x"}, {"listenPort", "70000"}, {"orderMessageEnable", "yes please"},
		{"scanNotActiveBrokerInterval", "0"}, {"serverSelectorThreads", "-1"}} {
		if _, err := defaultSettings("/h").apply(kv[0], kv[1]); err == nil {
			t.Errorf("%s=%s accepted", kv[0], kv[1])
		}
	}
}

func TestRunPrintsEffectiveConfig(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "namesrv.conf")
	if err := os.WriteFile(conf, []byte("listenPort=9999\nclusterTest=true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"-c", conf, "-p"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, line := range []string{"listenPort=9999\n", "clusterTest=true\n", "scanNotActiveBrokerInterval=5000\n", "orderMessageEnable=false\n"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("-p output lacks %q:\n%s", line, out.String())
		}
	}
	if code := run([]string{"-c", filepath.Join(t.TempDir(), "missing.conf")}, &out, &errOut); code != 2 {
		t.Errorf("missing config file: exit %d", code)
	}
}
