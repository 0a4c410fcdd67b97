package client

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"
)

// msgSnapshot is a deep copy of what a handler saw of a message.
type msgSnapshot struct {
	body                                      []byte
	topic, tags, msgID, offsetID, born, store string
	keys                                      []string
	props                                     map[string]string
}

func snapshot(m *MessageExt) msgSnapshot {
	return msgSnapshot{
		body: bytes.Clone(m.Body), topic: m.Topic, tags: m.Tags, msgID: m.MsgID, offsetID: m.OffsetMsgID,
		born: m.BornHost, store: m.StoreHost, keys: slices.Clone(m.Keys), props: maps.Clone(m.Properties),
	}
}

func (s msgSnapshot) equal(m *MessageExt) bool {
	return bytes.Equal(s.body, m.Body) && s.topic == m.Topic && s.tags == m.Tags && s.msgID == m.MsgID &&
		s.offsetID == m.OffsetMsgID && s.born == m.BornHost && s.store == m.StoreHost &&
		slices.Equal(s.keys, m.Keys) && maps.Equal(s.props, m.Properties)
}

// TestIntegrationPulledMessagesOwnTheirMemory pulls small batches (frames
// from the reader's shared chunk) and big ones (frames of their own),
// checks every field a user reads, and checks that messages kept across
// later pulls never change.
func TestIntegrationPulledMessagesOwnTheirMemory(t *testing.T) {
	cl := startCluster(t)
	topic := "PullOwnership"
	createTopic(t, cl.ns, topic, 1)
	p := newIntegrationProducer(t, cl.ns)
	c := newIntegrationPullConsumer(t, cl.ns, "it-ownership")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	qs, err := c.Queues(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	mq := qs[0]
	const n = 40
	ids := make([]string, n)
	for i := range n {
		size := 10 + i // small: a pull of a few shares the reader's chunk
		if i >= n/2 {
			size = 3000 // a pull of these is a frame of its own
		}
		body := bytes.Repeat([]byte{byte('a' + i%26)}, size)
		m := &Message{Topic: topic, Body: body, Tags: "t" + strconv.Itoa(i%3), Keys: []string{"k" + strconv.Itoa(i), "common"},
			Properties: map[string]string{"user": "v" + strconv.Itoa(i)}}
		res, err := p.SendTo(ctx, m, mq)
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		ids[i] = res.MsgID.String()
	}
	eventually(t, 10*time.Second, "max offset "+strconv.Itoa(n), func() bool {
		off, err := c.MaxOffset(ctx, mq)
		return err == nil && off == n
	})
	var kept []*MessageExt
	var snaps []msgSnapshot
	for off := int64(0); off < n; {
		res, err := c.Pull(ctx, mq, off, 3)
		if err != nil || res.Status != PullFound || len(res.Messages) == 0 {
			t.Fatalf("pull at %d: %+v %v", off, res, err)
		}
		for _, m := range res.Messages {
			i := int(m.QueueOffset)
			size := 10 + i
			if i >= n/2 {
				size = 3000
			}
			if !bytes.Equal(m.Body, bytes.Repeat([]byte{byte('a' + i%26)}, size)) || m.Topic != topic || m.Queue != mq ||
				m.Tags != "t"+strconv.Itoa(i%3) || !slices.Equal(m.Keys, []string{"k" + strconv.Itoa(i), "common"}) ||
				m.Property("user") != "v"+strconv.Itoa(i) || m.MsgID != ids[i] || len(m.OffsetMsgID) != 32 ||
				m.BornHost == "" || m.StoreHost == "" || m.Property("MAX_OFFSET") != strconv.Itoa(n) {
				t.Fatalf("message %d: %+v", i, m)
			}
			kept, snaps = append(kept, m), append(snaps, snapshot(m))
		}
		// A user may append to a body it got: that must not reach the next
		// message of the same pull.
		first := res.Messages[0]
		_ = append(first.Body, bytes.Repeat([]byte{'!'}, 1024)...)
		off = res.NextBeginOffset
	}
	if len(kept) != n {
		t.Fatalf("pulled %d of %d", len(kept), n)
	}
	// Pull everything again (new frames): the kept messages must not change.
	for off := int64(0); off < n; {
		res, err := c.Pull(ctx, mq, off, 32)
		if err != nil || len(res.Messages) == 0 {
			t.Fatalf("second pull at %d: %v", off, err)
		}
		off = res.NextBeginOffset
	}
	for i, m := range kept {
		if !snaps[i].equal(m) {
			t.Errorf("message %d changed after later pulls", i)
		}
	}
}
