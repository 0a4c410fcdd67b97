package broker

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

func init() { scenarios["transaction"] = scenarioTransaction }

// txListener commits "commit-*", rolls back "rollback-*", leaves
// "unknown-*" unknown, and commits whatever the broker checks.
type txListener struct{ checked atomic.Int32 }

func (l *txListener) ExecuteLocalTransaction(m *primitive.Message) primitive.LocalTransactionState {
	switch body := string(m.Body); {
	case strings.HasPrefix(body, "commit"):
		return primitive.CommitMessageState
	case strings.HasPrefix(body, "rollback"):
		return primitive.RollbackMessageState
	}
	return primitive.UnknowState
}

func (l *txListener) CheckLocalTransaction(*primitive.MessageExt) primitive.LocalTransactionState {
	l.checked.Add(1)
	return primitive.CommitMessageState
}

// scenarioTransaction: the official transactional producer's committed
// messages are delivered, rolled-back ones never, and unknown ones after
// the broker's CHECK_TRANSACTION_STATE got a commit.
func scenarioTransaction(ctx context.Context, env scenarioEnv) error {
	l := &txListener{}
	p, err := producer.NewTransactionProducer(l, producer.WithNameServer(primitive.NamesrvAddr{env.ns}),
		producer.WithGroupName("pg-tx"), producer.WithRetry(1))
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	defer p.Shutdown()
	for i := 0; i < 5; i++ {
		for _, kind := range []string{"commit", "rollback", "unknown"} {
			res, err := p.SendMessageInTransaction(ctx, primitive.NewMessage("TopicTx", []byte(fmt.Sprintf("%s-%d", kind, i))))
			if err != nil || res.Status != primitive.SendOK {
				return fmt.Errorf("send %s-%d: %v %v", kind, i, res, err)
			}
		}
	}
	r := newReceived()
	stop, err := startConsumer(env.ns, "cg-tx", "c-tx", "TopicTx", "", r, consumer.ConsumeSuccess)
	if err != nil {
		return err
	}
	defer stop()
	if err := waitUntil(ctx, 60*time.Second, "committed and checked messages", func() bool { return r.count() >= 10 }); err != nil {
		return fmt.Errorf("%w: got %d, checks %d", err, r.count(), l.checked.Load())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for body := range r.got {
		if strings.HasPrefix(body, "rollback") {
			return fmt.Errorf("rolled-back message %s delivered", body)
		}
	}
	if d := len(r.got); d != 10 {
		return fmt.Errorf("%d distinct messages, want 10", d)
	}
	if l.checked.Load() < 5 {
		return fmt.Errorf("%d checks, want at least 5", l.checked.Load())
	}
	return nil
}

// TestTransactionalProducer covers half messages, END_TRANSACTION commit
// and rollback, and CHECK_TRANSACTION_STATE for unknown outcomes.
func TestTransactionalProducer(t *testing.T) {
	ns := startNamesrv(t)
	cfg := testConfig(t.TempDir(), ns)
	cfg.TransactionTimeOut, cfg.TransactionCheckInterval = 200*time.Millisecond, 100*time.Millisecond
	b := startBroker(t, cfg)
	runClient(t, "transaction", ns, b.ListenAddr())
	waitFor(t, 10*time.Second, "half queue fully resolved", func() bool {
		return b.offsets.get(transGroup, TopicTransHalf, 0) == 15
	})
	if n := storedCount(b, "TopicTx"); n != 10 {
		t.Fatalf("%d messages in the real topic, want 10", n)
	}
}
