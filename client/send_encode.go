package client

import (
	"encoding/binary"
	"time"
	"unsafe"

	"github.com/fastmq/fastmq/protocol"
)

// sendBuf is the pooled memory of one send: the request command, its
// properties string and, when the body is compressed, the compressed body.
// It lives from the start of a send until its last attempt returns (the
// transport encodes the command before Invoke returns), then goes back to
// the pool. Steady-state sends allocate nothing here.
type sendBuf struct {
	cmd     protocol.Command
	props   []byte
	body    []byte // compressed body or batch encoding
	payload []byte // what goes on the wire: the message body or body
	sysFlag int32
	batch   bool
}

// maxPooledBuf caps what a sendBuf keeps when it goes back to the pool.
const maxPooledBuf = 1 << 20

func (p *Producer) getBuf() *sendBuf {
	b := p.bufs.Get().(*sendBuf)
	if cap(b.body) > maxPooledBuf {
		b.body = nil
	}
	if cap(b.props) > maxPooledBuf {
		b.props = nil
	}
	b.props, b.body, b.payload, b.sysFlag, b.batch = b.props[:0], b.body[:0], nil, 0, false
	return b
}

// encodeMessage fills b with m's properties (UNIQ_KEY = uniq) and body,
// compressed when it is at least the configured size.
func (p *Producer) encodeMessage(b *sendBuf, m *Message, uniq []byte) error {
	b.props = appendProperties(b.props, m, uniq)
	b.payload = m.Body
	if p.cfg.compressOver > 0 && len(m.Body) >= p.cfg.compressOver {
		z, err := deflate(b.body, m.Body, p.cfg.compressLevel)
		if err == nil { // on failure RocketMQ's clients send the raw body
			b.body, b.payload = z, z
			b.sysFlag |= protocol.SysFlagCompressed
		}
	}
	return nil
}

// fillSendCommand makes b.cmd the send request for queue mq.
func (p *Producer) fillSendCommand(b *sendBuf, m *Message, mq MessageQueue, now time.Time) {
	code := protocol.ReqSendMessage
	if b.batch {
		code = protocol.ReqSendBatchMessage
	}
	p.in.rpc.initRequest(&b.cmd, code)
	h := protocol.SendMessageRequestHeader{
		ProducerGroup:         p.cfg.group,
		Topic:                 m.Topic,
		DefaultTopic:          defaultTopicKey,
		DefaultTopicQueueNums: defaultTopicQueueNums,
		QueueID:               mq.QueueID,
		SysFlag:               b.sysFlag,
		BornTimestamp:         now.UnixMilli(),
		Flag:                  m.Flag,
		Properties:            bytesString(b.props),
		Batch:                 b.batch,
	}
	if b.batch {
		h.Flag = 0
		h.EncodeV2(&b.cmd)
	} else {
		h.Encode(&b.cmd)
	}
	b.cmd.Body = b.payload
}

// bytesString views b as a string without copying; b must not change
// while the string is in use (here: until the command is encoded).
func bytesString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// appendBatchEntry appends one message of a SEND_BATCH_MESSAGE body
// (wire-protocol.md §8.3): TOTALSIZE, MAGIC 0, BODYCRC 0, FLAG, BODY
// length and bytes, PROPERTIES length (int16) and bytes.
func appendBatchEntry(dst []byte, body []byte, flag int32, props []byte) []byte {
	total := 20 + len(body) + 2 + len(props)
	dst = binary.BigEndian.AppendUint32(dst, uint32(total))
	dst = binary.BigEndian.AppendUint32(dst, 0)
	dst = binary.BigEndian.AppendUint32(dst, 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(flag))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(body)))
	dst = append(dst, body...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(props)))
	return append(dst, props...)
}
