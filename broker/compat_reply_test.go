package broker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/fastmq/fastmq/protocol"
)

func init() { scenarios["requestReply"] = scenarioRequestReply }

// scenarioRequestReply: the official producer's Request gets the reply a
// consumer sends back with SEND_REPLY_MESSAGE, pushed by the broker.
func scenarioRequestReply(ctx context.Context, env scenarioEnv) error {
	responder, err := producer.NewDefaultProducer(producer.WithNameServer(primitive.NamesrvAddr{env.ns}),
		producer.WithGroupName("pg-responder"), producer.WithInstanceName("responder"))
	if err != nil {
		return err
	}
	if err := responder.Start(); err != nil {
		return err
	}
	defer responder.Shutdown()
	c, err := consumer.NewPushConsumer(consumer.WithNameServer(primitive.NamesrvAddr{env.ns}), consumer.WithGroupName("cg-req"),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		return err
	}
	err = c.Subscribe("TopicReq", consumer.MessageSelector{}, func(ctx context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		for _, m := range msgs {
			reply, err := consumer.CreateReplyMessage(m, nil)
			if err != nil {
				return consumer.ConsumeRetryLater, err
			}
			reply.Body = []byte("pong:" + string(m.Body))
			if _, err := responder.SendSync(ctx, reply); err != nil {
				return consumer.ConsumeRetryLater, err
			}
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	defer c.Shutdown()
	requester, err := producer.NewDefaultProducer(producer.WithNameServer(primitive.NamesrvAddr{env.ns}),
		producer.WithGroupName("pg-requester"), producer.WithInstanceName("requester"))
	if err != nil {
		return err
	}
	if err := requester.Start(); err != nil {
		return err
	}
	defer requester.Shutdown()
	for i := 0; i < 3; i++ {
		reply, err := requester.Request(ctx, 10*time.Second, primitive.NewMessage("TopicReq", []byte(fmt.Sprintf("ping-%d", i))))
		if err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		if want := fmt.Sprintf("pong:ping-%d", i); string(reply.Body) != want {
			return fmt.Errorf("request %d: reply %q, want %q", i, reply.Body, want)
		}
	}
	return nil
}

// TestRequestReply covers SEND_REPLY_MESSAGE and PUSH_REPLY_MESSAGE_TO_CLIENT
// with the official client's Request.
func TestRequestReply(t *testing.T) {
	ns := startNamesrv(t)
	b := startBroker(t, testConfig(t.TempDir(), ns))
	req := protocol.NewRequest(protocol.ReqUpdateAndCreateTopic)
	(&protocol.CreateTopicRequestHeader{Topic: "TopicReq", DefaultTopic: TopicAutoCreate, ReadQueueNums: 2, WriteQueueNums: 2, Perm: 6,
		TopicFilterType: protocol.TopicFilterSingleTag}).Encode(req)
	if resp := invoke(t, b.ListenAddr(), req); resp.Code != 0 {
		t.Fatal(resp.Remark)
	}
	b.registerAll() // the route exists before the consumer starts
	runClient(t, "requestReply", ns, b.ListenAddr())
}
