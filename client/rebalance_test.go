package client

import (
	"context"
	"testing"
	"time"
)

// TestStartOffsetFollowsConsumeFrom pins RebalancePushImpl.computePullFromWhere:
// with no stored offset, LAST starts at the queue's max offset (a retry
// topic at 0), FIRST at 0, TIMESTAMP at the searched offset (a retry topic
// at its max offset).
func TestStartOffsetFollowsConsumeFrom(t *testing.T) {
	b := startFakeBroker(t, "broker-a")
	ns := startFakeNameServer(t, b)
	for _, tc := range []struct {
		from                 ConsumeFrom
		topicWant, retryWant int64
	}{
		{ConsumeFromLast, 100, 0},
		{ConsumeFromFirst, 0, 0},
		{ConsumeFromTimestamp, 42, 100},
	} {
		c, err := NewPushConsumer(WithNameServers(ns.Addr()), WithConsumerGroup("g"),
			WithConsumeFrom(tc.from, time.Unix(1700000000, 0)))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for topic, want := range map[string]int64{"T": tc.topicWant, "%RETRY%g": tc.retryWant} {
			got, err := c.startOffset(ctx, MessageQueue{Topic: topic, BrokerName: "broker-a", QueueID: 0})
			if err != nil || got != want {
				t.Errorf("from %d topic %s: %d %v, want %d", tc.from, topic, got, err, want)
			}
		}
		c.Shutdown()
	}
}
