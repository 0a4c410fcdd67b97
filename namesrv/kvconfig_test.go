package namesrv

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestKVStorePersistsAsRocketMQAndReloads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "namesrv", "kvConfig.json")
	s, err := openKVStore(path)
	if err != nil {
		t.Fatal(err)
	}
	s.start()
	errs := make(chan error, 3)
	s.put("ORDER_TOPIC_CONFIG", "orders", "broker-a:4", func(err error) { errs <- err })
	s.put("ns", "k", "v", func(err error) { errs <- err })
	s.delete("ns", "missing", func(err error) { errs <- err })
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	s.close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"configTable":{"ORDER_TOPIC_CONFIG":{"orders":"broker-a:4"},"ns":{"k":"v"}}}`
	if string(b) != want {
		t.Errorf("file %s, want %s", b, want)
	}
	again, err := openKVStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := again.get("ns", "k"); !ok || v != "v" {
		t.Errorf("reloaded %q %v", v, ok)
	}
	if _, ok := again.appendNamespace(nil, "none"); ok {
		t.Error("unknown namespace found")
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.tmp*"))
	if len(leftovers) != 0 {
		t.Errorf("temp files left: %v", leftovers)
	}
}

func TestKVStoreReportsWriteFailure(t *testing.T) {
	s, err := openKVStore(filepath.Join(t.TempDir(), "kv.json"))
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	s.writeFile = func(string, []byte) error { return boom }
	s.start()
	defer s.close()
	errs := make(chan error, 1)
	s.put("a", "b", "c", func(err error) { errs <- err })
	if err := <-errs; !errors.Is(err, boom) {
		t.Errorf("err = %v, want the write error", err)
	}
}

func TestKVStoreRefusesCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kvConfig.json")
	if err := os.WriteFile(path, []byte(`{"configTable":{"ns":`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := openKVStore(path); err == nil {
		t.Fatal("corrupt kvConfig.json accepted")
	}
}

func TestKVStoreCompletesEveryConcurrentPut(t *testing.T) {
	s, err := openKVStore(filepath.Join(t.TempDir(), "kv.json"))
	if err != nil {
		t.Fatal(err)
	}
	writes := 0
	s.writeFile = func(p string, b []byte) error { writes++; return writeFileAtomic(p, b) }
	s.start()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		s.put("ns", string(rune('a'+i%26)), "v", func(err error) {
			if err != nil {
				t.Error(err)
			}
			wg.Done()
		})
	}
	wg.Wait()
	s.close()
	s.close() // twice is fine
	if writes == 0 || writes > 50 {
		t.Errorf("%d writes for 50 puts", writes)
	}
	s.put("ns", "late", "v", func(err error) {
		if !errors.Is(err, errKVClosed) {
			t.Errorf("put after close: %v", err)
		}
	})
}
