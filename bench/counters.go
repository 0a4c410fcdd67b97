package bench

import (
	"context"
	"strconv"

	"github.com/fastmq/fastmq/client"
)

// brokerCounters reads our broker's GET_BROKER_RUNTIME_INFO table and
// keeps its integer entries (byte counters, heap allocations, ...).
func brokerCounters(b *Broker) func(ctx context.Context) (map[string]int64, error) {
	return func(ctx context.Context) (map[string]int64, error) {
		a, err := client.NewAdmin(client.WithNameServers(b.NameServer))
		if err != nil {
			return nil, err
		}
		defer a.Close()
		table, err := a.BrokerRuntimeInfo(ctx, b.Addr)
		if err != nil {
			return nil, err
		}
		out := make(map[string]int64, len(table))
		for k, v := range table {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				out[k] = n
			}
		}
		return out, nil
	}
}
