package broker

import (
	"bytes"
	"fmt"

	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// defaultQueryMaxNum caps a unique-key query (J4 defaultQueryMaxNum).
const defaultQueryMaxNum = 32

// handleQueryMessage serves QUERY_MESSAGE (12): messages of a topic whose
// KEYS or UNIQ_KEY equal the key, stored in the time range, as stored
// records concatenated (J4 QueryMessageProcessor).
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
	res, err := b.store.QueryKey(nil, h.Topic, h.Key, h.BeginTimestamp, h.EndTimestamp, maxNum)
	if err != nil {
		b.replyError(c, req, fmt.Errorf("query %s#%s: %w", h.Topic, h.Key, err))
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
		if protocol.DecodeStoredMessage(v.Bytes(), &m) != nil || string(m.Topic) != h.Topic || !hasKey(m.Properties, h.Key) {
			v.Release()
			continue
		}
		views, bufs = append(views, v), append(bufs, v.Bytes())
	}
	if len(bufs) == 0 {
		b.reply(c, req, protocol.RespQueryNotFound, "can not find message, maybe time range not correct", nil)
		return
	}
	resp := protocol.NewResponse(protocol.RespSuccess, "")
	resp.InitResponseTo(req, protocol.RespSuccess, "")
	(&protocol.QueryMessageResponseHeader{IndexLastUpdateTimestamp: res.LastUpdateTimestamp,
		IndexLastUpdatePhyoffset: res.LastUpdatePhyOffset}).Encode(resp)
	c.ReplyVec(req, resp, bufs, func(error) {
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
// commit-log offset.
func (b *Broker) handleViewMessage(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.ViewMessageByIDRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	v, err := b.clog.Read(h.Offset)
	if err != nil {
		b.reply(c, req, protocol.RespSystemError, "can not find message by the offset, "+itoa(h.Offset), nil)
		return
	}
	resp := protocol.NewResponse(protocol.RespSuccess, "")
	resp.InitResponseTo(req, protocol.RespSuccess, "")
	c.ReplyVec(req, resp, [][]byte{v.Bytes()}, func(error) { v.Release() })
}
