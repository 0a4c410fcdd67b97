package bench

import (
	"context"
	"testing"
	"time"
)

func newTestOfficialClient(t *testing.T) (Client, *Broker) {
	t.Helper()
	if raceEnabled {
		t.Skip("the official Go client v2.1.2 has data races of its own; run without -race")
	}
	b := testBroker(t, AsyncFlush)
	c, err := NewOfficialClient(b.NameServer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, b
}

func TestOfficialPublishesAndConsumesEveryBodyOnce(t *testing.T) {
	c, _ := newTestOfficialClient(t)
	if c.Name() != "official" {
		t.Fatalf("Name() = %q", c.Name())
	}
	checkClientRoundTrip(t, c, "BenchOfficialRoundTrip")
}

func TestOfficialPublishBlocksAtWindow(t *testing.T) {
	c, _ := newTestOfficialClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.CreateTopic(ctx, "BenchOfficialWindow"); err != nil {
		t.Fatal(err)
	}
	checkWindowBlocks(t, c, "BenchOfficialWindow")
}

func TestOfficialStalledBrokerFailsSend(t *testing.T) {
	c, b := newTestOfficialClient(t)
	checkStalledBrokerFailsSend(t, c, b, "BenchOfficialStall")
}

func BenchmarkOfficialPublish(b *testing.B) {
	if raceEnabled {
		b.Skip("the official Go client v2.1.2 has data races of its own; run without -race")
	}
	br := testBroker(b, AsyncFlush)
	c, err := NewOfficialClient(br.NameServer)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	benchmarkPublish(b, c, "BenchOfficialPublish")
}
