package client

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// TestIntegrationBrokerRuntimeInfoCountsPuts reads GET_BROKER_RUNTIME_INFO
// from the real broker before and after sends: the keys mqadmin
// brokerStatus shows are there, and the put count and the commit log's end
// grow by what was sent.
func TestIntegrationBrokerRuntimeInfoCountsPuts(t *testing.T) {
	cl := startCluster(t)
	a, err := NewAdmin(WithNameServers(cl.ns))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	createTopic(t, cl.ns, "RuntimeInfo", 4)

	read := func() (puts, maxOffset int64) {
		t.Helper()
		info, err := a.BrokerRuntimeInfo(ctx, cl.broker)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"commitLogMaxOffset", "commitLogMinOffset", "msgPutTotalTodayNow", "msgGetTotalTodayNow", "bootTimestamp"} {
			if _, ok := info[k]; !ok {
				t.Fatalf("runtime info lacks %q: %v", k, info)
			}
		}
		return runtimeInt(t, info, "msgPutTotalTodayNow"), runtimeInt(t, info, "commitLogMaxOffset")
	}
	puts0, max0 := read()
	const n = 25
	sendN(t, newIntegrationProducer(t, cl.ns), "RuntimeInfo", "runtime", n)
	puts1, max1 := read()
	if puts1-puts0 != n {
		t.Errorf("msgPutTotalTodayNow went from %d to %d after %d sends", puts0, puts1, n)
	}
	if max1 <= max0 {
		t.Errorf("commitLogMaxOffset did not grow: %d then %d", max0, max1)
	}
}

func TestIntegrationBrokerRuntimeInfoFailsOnDeadAddress(t *testing.T) {
	a, err := NewAdmin(WithNameServers("127.0.0.1:1"), WithRequestTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.BrokerRuntimeInfo(context.Background(), "127.0.0.1:1"); err == nil {
		t.Fatal("runtime info from a closed port: no error")
	}
}

func runtimeInt(t *testing.T, info map[string]string, key string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(info[key], 10, 64)
	if err != nil {
		t.Fatalf("%s = %q: %v", key, info[key], err)
	}
	return v
}
