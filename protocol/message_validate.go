package protocol

import "errors"

// Errors for a message the broker must refuse before storing it
// (RocketMQ TopicValidator and MessageExtEncoder checks).
var (
	ErrTopicEmpty        = errors.New("protocol: topic is empty")
	ErrTopicTooLong      = errors.New("protocol: topic is longer than 127 characters")
	ErrTopicChars        = errors.New("protocol: topic has characters outside ^[%|a-zA-Z0-9_-]+$")
	ErrPropertiesTooLong = errors.New("protocol: properties longer than 32767 bytes")
	ErrHostFlags         = errors.New("protocol: host field length does not match the IPv6 sysflag bits")
)

// MaxTopicLength is the longest topic name the broker accepts
// (TopicValidator.TOPIC_MAX_LENGTH).
const MaxTopicLength = 127

// ValidateTopic checks a topic name against RocketMQ's TopicValidator:
// non-empty, at most 127 characters, only %, |, letters, digits, _ and -.
func ValidateTopic(topic []byte) error {
	switch {
	case len(topic) == 0:
		return ErrTopicEmpty
	case len(topic) > MaxTopicLength:
		return ErrTopicTooLong
	}
	for _, c := range topic {
		if !topicChar(c) {
			return ErrTopicChars
		}
	}
	return nil
}

func topicChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return c == '%' || c == '|' || c == '_' || c == '-'
}

// ValidateStoredMessage checks what PutStoredMessage needs of m: a valid
// topic, properties that fit the 2-byte length, and host fields whose
// lengths match the sysflag's IPv6 bits (an empty host is written as zeros).
// The body size limit is the store's to check.
func ValidateStoredMessage(m *StoredMessage) error {
	if err := ValidateTopic(m.Topic); err != nil {
		return err
	}
	if len(m.Properties) > MaxPropertiesLength {
		return ErrPropertiesTooLong
	}
	if !hostFits(m.BornHost, m.SysFlag, SysFlagBornHostV6) || !hostFits(m.StoreHost, m.SysFlag, SysFlagStoreHostV6) {
		return ErrHostFlags
	}
	return nil
}

func hostFits(h []byte, sysFlag, v6bit int32) bool {
	return len(h) == 0 || len(h) == hostSize(sysFlag, v6bit)
}
