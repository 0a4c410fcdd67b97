package broker

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// panicCounter is a slog handler that counts "handler panicked" records.
type panicCounter struct {
	n    *atomic.Int64
	last *atomic.Value
}

func (p panicCounter) Enabled(context.Context, slog.Level) bool { return true }
func (p panicCounter) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panic") {
		p.n.Add(1)
		var attrs []string
		r.Attrs(func(a slog.Attr) bool { attrs = append(attrs, a.String()); return true })
		p.last.Store(r.Message + " " + strings.Join(attrs, " "))
	}
	return nil
}
func (p panicCounter) WithAttrs([]slog.Attr) slog.Handler { return p }
func (p panicCounter) WithGroup(string) slog.Handler      { return p }

// fuzzCodes are the request codes the broker handles.
var fuzzCodes = []protocol.RequestCode{10, 11, 12, 14, 15, 17, 21, 204, 23, 26, 43, 45, 200, 207, 28, 202, 203, 208, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 41, 42, 201, 215, 222, 307, 309, 310, 320, 324, 325}

// FuzzHandlers sends arbitrary ext fields and bodies under every handled
// request code to one live broker: each request is answered, no handler
// panics (netpoll turns a panic into SYSTEM_ERROR and logs it; the log is
// counted), and the broker keeps serving.
func FuzzHandlers(f *testing.F) {
	f.Add(uint8(0), "topic", "T", "queueId", "0", []byte("body"))
	f.Add(uint8(1), "queueOffset", "-5", "maxMsgNums", "99999", []byte{})
	f.Add(uint8(8), "consumerGroup", "g", "x", "y", []byte(`{"clientID":"c","consumerDataSet":[{"groupName":"g"}]}`))
	f.Add(uint8(25), "b", "T", "m", "true", []byte{0, 0, 0, 30, 0, 0, 0, 0})
	f.Add(uint8(14), "offset", "99999999999", "group", "g", []byte(nil))
	f.Add(uint8(17), "topic", "T", "timestamp", "-1", []byte(nil))
	var panics atomic.Int64
	var last atomic.Value
	cfg := testConfig(f.TempDir())
	cfg.Logger = slog.New(panicCounter{n: &panics, last: &last})
	b := startBroker(f, cfg)
	cl := netpoll.NewClient(netpoll.ClientConfig{Logger: testLogger()})
	f.Cleanup(func() { cl.Close() })
	f.Fuzz(func(t *testing.T, code uint8, k1, v1, k2, v2 string, body []byte) {
		req := protocol.NewRequest(fuzzCodes[int(code)%len(fuzzCodes)])
		for _, kv := range [][2]string{{"topic", "FuzzTopic"}, {"consumerGroup", "fg"}, {k1, v1}, {k2, v2}} {
			if kv[0] != "" {
				req.AddExtField(kv[0], kv[1])
			}
		}
		req.Body = body
		wait := 10 * time.Second
		endTx := protocol.RequestCode(req.Code) == protocol.ReqEndTransaction
		if endTx {
			wait = 200 * time.Millisecond // an unknown outcome is, by design, not answered
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		before := panics.Load()
		if _, err := cl.Invoke(ctx, b.ListenAddr(), req); err != nil && !endTx {
			t.Fatalf("code %d: %v", req.Code, err)
		}
		if panics.Load() != before {
			t.Fatalf("code %d: handler panicked: %v", req.Code, last.Load())
		}
	})
}
