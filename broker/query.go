package broker

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// defaultQueryMaxNum caps a unique-key query (J4 defaultQueryMaxNum).
const defaultQueryMaxNum = 32

// handleQueryMessage serves QUERY_MESSAGE (12): messages of a topic whose
// KEYS or UNIQ_KEY equal the key, stored in the time range, as stored
// records concatenated (J4 QueryMessageProcessor). The key index is read
// with pread, so the lookup runs off the event loop.
func (b *Broker) handleQueryMessage(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.QueryMessageRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	maxNum := int(h.MaxNum)
	if h.UniqueKeyQuery || maxNum <= 0 || maxNum > 64 {
		maxNum = defaultQueryMaxNum
	}
	topic, key, begin, end := strings.Clone(h.Topic), strings.Clone(h.Key), h.BeginTimestamp, h.EndTimestamp
	to := c.Defer(req)
	b.offload(func() { b.queryMessage(to, topic, key, begin, end, maxNum) })
}

func (b *Broker) queryMessage(to netpoll.ReplyTo, topic, key string, begin, end int64, maxNum int) {
	res, err := b.store.QueryKey(nil, topic, key, begin, end, maxNum)
	if err != nil {
		b.replyErrorLater(to, fmt.Errorf("query %s#%s: %w", topic, key, err))
		return
	}
	var views []mmapstore.View
	var bufs [][]byte
	for _, off := range res.PhyOffsets {
		v, err := b.clog.Read(off)
		if err != nil {
			continue
		}
		var m protocol.StoredMessage
		if protocol.DecodeStoredMessage(v.Bytes(), &m) != nil || string(m.Topic) != topic || !hasKey(m.Properties, key) {
			v.Release()
			continue
		}
		views, bufs = append(views, v), append(bufs, v.Bytes())
	}
	if len(bufs) == 0 {
		b.replyLater(to, protocol.RespQueryNotFound, "can not find message, maybe time range not correct", nil)
		return
	}
	resp := protocol.NewResponse(protocol.RespSuccess, "")
	(&protocol.QueryMessageResponseHeader{IndexLastUpdateTimestamp: res.LastUpdateTimestamp,
		IndexLastUpdatePhyoffset: res.LastUpdatePhyOffset}).Encode(resp)
	to.ReplyVec(resp, bufs, func(error) {
		for _, v := range views {
			v.Release()
		}
	})
}

// hasKey reports whether key is the message's UNIQ_KEY or one of its
// space-separated KEYS.
func hasKey(props []byte, key string) bool {
	if u, ok := protocol.PropertyValue(props, protocol.PropertyUniqKey); ok && string(u) == key {
		return true
	}
	keys, _ := protocol.PropertyValue(props, protocol.PropertyKeys)
	for _, k := range bytes.Fields(keys) {
		if string(k) == key {
			return true
		}
	}
	return false
}

// handleViewMessage serves VIEW_MESSAGE_BY_ID (33): the stored record at a
// commit-log offset, read off the event loop (it may be cold).
func (b *Broker) handleViewMessage(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.ViewMessageByIDRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	to, offset := c.Defer(req), h.Offset
	b.offload(func() {
		v, err := b.clog.Read(offset)
		if err != nil {
			b.replyLater(to, protocol.RespSystemError, "can not find message by the offset, "+itoa(offset), nil)
			return
		}
		to.ReplyVec(protocol.NewResponse(protocol.RespSuccess, ""), [][]byte{v.Bytes()}, func(error) { v.Release() })
	})
}
