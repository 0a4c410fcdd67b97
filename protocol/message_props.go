package protocol

import (
	"bytes"
	"unicode/utf8"
)

// Properties string: for each property, name + NameValueSeparator + value +
// PropertySeparator, UTF-8 (RocketMQ MessageDecoder.messageProperties2String).
const (
	NameValueSeparator byte = 1
	PropertySeparator  byte = 2

	// MaxPropertiesLength is the largest properties string the 2-byte length
	// field of the stored message can carry (Java Short.MAX_VALUE).
	MaxPropertiesLength = 32767
)

// Property keys the broker reads (RocketMQ MessageConst).
const (
	PropertyTags                     = "TAGS"
	PropertyKeys                     = "KEYS"
	PropertyUniqKey                  = "UNIQ_KEY"
	PropertyDelayTimeLevel           = "DELAY"
	PropertyWaitStoreMsgOK           = "WAIT"
	PropertyRealTopic                = "REAL_TOPIC"
	PropertyRealQueueID              = "REAL_QID"
	PropertyRetryTopic               = "RETRY_TOPIC"
	PropertyTransactionPrepared      = "TRAN_MSG"
	PropertyProducerGroup            = "PGROUP"
	PropertyReconsumeTime            = "RECONSUME_TIME"
	PropertyMaxReconsumeTimes        = "MAX_RECONSUME_TIMES"
	PropertyOriginMessageID          = "ORIGIN_MESSAGE_ID"
	PropertyTransactionCheckTimes    = "TRANSACTION_CHECK_TIMES"
	PropertyCheckImmunityTimeInSecs  = "CHECK_IMMUNITY_TIME_IN_SECONDS"
	PropertyTranPreparedQueueOffset  = "TRAN_PREPARED_QUEUE_OFFSET"
	PropertyTransactionID            = "__transactionId__"
	PropertyTimerDeliverMS           = "TIMER_DELIVER_MS"
	PropertyTimerDelaySec            = "TIMER_DELAY_SEC"
	PropertyTimerDelayMS             = "TIMER_DELAY_MS"
	PropertyTimerOutMS               = "TIMER_OUT_MS"
	PropertyTimerEnqueueMS           = "TIMER_ENQUEUE_MS"
	PropertyTimerDequeueMS           = "TIMER_DEQUEUE_MS"
	PropertyTimerRollTimes           = "TIMER_ROLL_TIMES"
	PropertyTimerDelUniqKey          = "TIMER_DEL_UNIQKEY"
	PropertyPopCK                    = "POP_CK"
	PropertyFirstPopTime             = "1ST_POP_TIME"
	PropertyInnerNum                 = "INNER_NUM"
	PropertyInnerBase                = "INNER_BASE"
	PropertyCluster                  = "CLUSTER"
	PropertyDupInfo                  = "DUP_INFO"
	PropertyCRC32                    = "__CRC32#"
	PropertyMinOffset                = "MIN_OFFSET"
	PropertyMaxOffset                = "MAX_OFFSET"
	PropertyBuyerID                  = "BUYER_ID"
	PropertyMsgRegion                = "MSG_REGION"
	PropertyTraceSwitch              = "TRACE_ON"
	PropertyShardingKey              = "__SHARDINGKEY"
	PropertyStartDeliverTime         = "__STARTDELIVERTIME"
	PropertyConsumeStartTimestamp    = "CONSUME_START_TIME"
	PropertyInstanceID               = "INSTANCE_ID"
	PropertyCorrelationID            = "CORRELATION_ID"
	PropertyMessageReplyToClient     = "REPLY_TO_CLIENT"
	PropertyMessageTTL               = "TTL"
	PropertyMessageArriveTime        = "ARRIVE_TIME"
	PropertyPushReplyTime            = "PUSH_REPLY_TIME"
	PropertyMessageType              = "MSG_TYPE"
	PropertyTransientTopicConfigKeys = "__RMQ.TRANSIENT.TOPIC_SYS_FLAG"
)

// PropertyValue finds key in a properties string and returns its value,
// aliasing props (valid as long as props is). It reads in place, never
// allocates and never panics; a malformed tail (a pair without its separator)
// is ignored except that a final pair missing only its trailing \x02 is
// still read, as Java's parser does.
func PropertyValue(props []byte, key string) ([]byte, bool) {
	for len(props) > 0 {
		pair := props
		if i := bytes.IndexByte(props, PropertySeparator); i >= 0 {
			pair, props = props[:i], props[i+1:]
		} else {
			props = nil
		}
		name, value, ok := bytes.Cut(pair, []byte{NameValueSeparator})
		if ok && string(name) == key {
			return value, true
		}
	}
	return nil, false
}

// AppendProperty appends one name/value pair to a properties string.
func AppendProperty(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, NameValueSeparator)
	dst = append(dst, value...)
	return append(dst, PropertySeparator)
}

// ForEachProperty calls fn for each well-formed pair, in order, with slices
// aliasing props; it stops early when fn returns false.
func ForEachProperty(props []byte, fn func(name, value []byte) bool) {
	for len(props) > 0 {
		pair := props
		if i := bytes.IndexByte(props, PropertySeparator); i >= 0 {
			pair, props = props[:i], props[i+1:]
		} else {
			props = nil
		}
		if name, value, ok := bytes.Cut(pair, []byte{NameValueSeparator}); ok && !fn(name, value) {
			return
		}
	}
}

// JavaStringHash returns Java's String.hashCode of the UTF-8 input: h = 31*h
// + c over UTF-16 code units, int32 with wrap-around. Code points above
// U+FFFF count as their surrogate pair; each invalid UTF-8 byte counts as
// U+FFFD, as Java's decoder replaces it.
func JavaStringHash(s []byte) int32 {
	var h int32
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			h = 31*h + int32(c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		i += n
		if r > 0xFFFF {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}
