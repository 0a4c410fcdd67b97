package index

import "github.com/fastmq/fastmq/protocol"

// TagsCodeOf returns RocketMQ's default consume-queue tags code for a
// properties string: the Java String.hashCode of the TAGS property,
// sign-extended to 64 bits, or 0 when there is no TAGS or it is empty
// (MessageExtBrokerInner.tagsString2tagsCode). It allocates nothing.
func TagsCodeOf(props []byte) int64 {
	tags, ok := protocol.PropertyValue(props, protocol.PropertyTags)
	if !ok || len(tags) == 0 {
		return 0
	}
	return int64(protocol.JavaStringHash(tags))
}
