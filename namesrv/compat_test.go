package namesrv

import (
	"context"
	"errors"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/admin"
	mqerrors "github.com/apache/rocketmq-client-go/v2/errors"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/rlog"
)

// officialAdmin returns the official Go client's (v2.1.2) admin, used as
// is, pointed at nsAddr. Its route lookups go through the client's own
// GET_ROUTEINFO_BY_TOPIC path (internal/route.go queryTopicRouteInfoFromServer
// and TopicRouteData.decode, which splits brokerAddrs by hand).
func officialAdmin(t *testing.T, nsAddr string) admin.Admin {
	t.Helper()
	rlog.SetLogLevel("fatal")
	adm, err := admin.NewAdmin(admin.WithResolver(primitive.NewPassthroughResolver([]string{nsAddr})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { adm.Close() })
	return adm
}

func TestOfficialGoClientFetchesRegisteredRoute(t *testing.T) {
	s, _ := testServer(t, Config{})
	cl := testClient(t)
	// Two broker groups, one with a slave, registered as brokers do.
	register(t, cl, s.Addr(), brokerSpec{name: "broker-a", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"orders": 4, "TBW102": 8}})
	register(t, cl, s.Addr(), brokerSpec{name: "broker-a", addr: "10.0.0.2:10911", id: 1, counter: 1})
	register(t, cl, s.Addr(), brokerSpec{name: "broker-b", addr: "10.0.0.3:10911", counter: 1, topics: map[string]int32{"orders": 2}})

	adm := officialAdmin(t, s.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mqs, err := adm.FetchPublishMessageQueues(ctx, "orders")
	if err != nil {
		t.Fatalf("FetchPublishMessageQueues: %v", err)
	}
	var got []string
	for _, mq := range mqs {
		if mq.Topic != "orders" {
			t.Errorf("queue of topic %q", mq.Topic)
		}
		got = append(got, mq.BrokerName+"/"+string(rune('0'+mq.QueueId)))
	}
	sort.Strings(got)
	want := []string{"broker-a/0", "broker-a/1", "broker-a/2", "broker-a/3", "broker-b/0", "broker-b/1"}
	if !slices.Equal(got, want) {
		t.Errorf("publish queues %v, want %v", got, want)
	}

	list, err := adm.FetchAllTopicList(ctx)
	if err != nil {
		t.Fatalf("FetchAllTopicList: %v", err)
	}
	if !slices.Equal(list.TopicList, []string{"TBW102", "orders"}) {
		t.Errorf("topic list %v", list.TopicList)
	}
}

func TestOfficialGoClientGetsTopicNotExist(t *testing.T) {
	s, _ := testServer(t, Config{})
	register(t, testClient(t), s.Addr(), brokerSpec{name: "broker-a", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"orders": 4}})
	adm := officialAdmin(t, s.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := adm.FetchPublishMessageQueues(ctx, "no-such-topic")
	if !errors.Is(err, mqerrors.ErrTopicNotExist) {
		t.Fatalf("err = %v, want the client's ErrTopicNotExist", err)
	}
}
