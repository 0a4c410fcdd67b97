package client

import (
	"strconv"

	"github.com/fastmq/fastmq/protocol"
)

// appendProperties appends m's properties string (name \x01 value \x02 for
// each pair, wire-protocol.md §8.1): TAGS, KEYS, DELAY, the sharding key,
// UNIQ_KEY when uniq is not nil, then the user's properties in map order.
// It allocates nothing once dst has grown.
func appendProperties(dst []byte, m *Message, uniq []byte) []byte {
	if m.Tags != "" {
		dst = protocol.AppendProperty(dst, protocol.PropertyTags, m.Tags)
	}
	if len(m.Keys) > 0 {
		dst = append(dst, protocol.PropertyKeys...)
		dst = append(dst, protocol.NameValueSeparator)
		for i, k := range m.Keys {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = append(dst, k...)
		}
		dst = append(dst, protocol.PropertySeparator)
	}
	if m.DelayLevel > 0 {
		dst = append(dst, protocol.PropertyDelayTimeLevel...)
		dst = append(dst, protocol.NameValueSeparator)
		dst = strconv.AppendInt(dst, int64(m.DelayLevel), 10)
		dst = append(dst, protocol.PropertySeparator)
	}
	if m.ShardingKey != "" {
		dst = protocol.AppendProperty(dst, protocol.PropertyShardingKey, m.ShardingKey)
	}
	if uniq != nil {
		dst = append(dst, protocol.PropertyUniqKey...)
		dst = append(dst, protocol.NameValueSeparator)
		dst = append(dst, uniq...)
		dst = append(dst, protocol.PropertySeparator)
	}
	for k, v := range m.Properties {
		if k == "" || v == "" {
			continue // RocketMQ's clients never store empty names or values
		}
		dst = protocol.AppendProperty(dst, k, v)
	}
	return dst
}

// validProperties reports whether no user property name or value carries
// a separator byte, which would corrupt the properties string.
func validProperties(m *Message) bool {
	for k, v := range m.Properties {
		if hasSeparator(k) || hasSeparator(v) {
			return false
		}
	}
	for _, k := range m.Keys {
		if hasSeparator(k) {
			return false
		}
	}
	return !hasSeparator(m.Tags) && !hasSeparator(m.ShardingKey)
}

func hasSeparator(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == protocol.NameValueSeparator || s[i] == protocol.PropertySeparator {
			return true
		}
	}
	return false
}
