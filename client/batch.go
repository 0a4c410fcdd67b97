package client

import (
	"context"
	"fmt"
)

// SendBatch sends msgs as one SEND_BATCH_MESSAGE: they share a topic and
// land in one queue, in order. Bodies are not compressed and delay levels
// are refused, as in RocketMQ. Every message gets its own UNIQ_KEY; the
// result's MsgID is the first one's and BatchIDs lists them all.
func (p *Producer) SendBatch(ctx context.Context, msgs []*Message) (SendResult, []UniqID, error) {
	if len(msgs) == 0 {
		return SendResult{}, nil, ErrEmptyBatch
	}
	topic := msgs[0].Topic
	for _, m := range msgs {
		if err := p.checkMessage(m); err != nil {
			return SendResult{}, nil, err
		}
		if m.Topic != topic {
			return SendResult{}, nil, ErrBatchTopics
		}
		if m.DelayLevel > 0 {
			return SendResult{}, nil, fmt.Errorf("%w: delayed messages cannot be batched", ErrConfig)
		}
	}
	tr, err := p.route(ctx, topic)
	if err != nil {
		return SendResult{}, nil, err
	}
	b := p.getBuf()
	defer p.bufs.Put(b)
	ids := make([]UniqID, len(msgs))
	now := p.cfg.clock()
	for i, m := range msgs {
		ids[i] = p.uniq.Next(now)
		b.props = appendProperties(b.props[:0], m, ids[i][:])
		b.body = appendBatchEntry(b.body, m.Body, m.Flag, b.props)
	}
	if len(b.body) > p.cfg.maxMessageBytes {
		return SendResult{}, nil, fmt.Errorf("%w: batch of %d bytes", ErrMessageTooLarge, len(b.body))
	}
	b.props, b.payload, b.batch = b.props[:0], b.body, true
	wrapper := &Message{Topic: topic}
	res, err := p.attempts(ctx, tr, b, wrapper, p.cfg.selector, p.cfg.retryTimes, ids[0])
	return res, ids, err
}
