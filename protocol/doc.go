// Package protocol owns RocketMQ's remoting protocol and message formats:
// frames, RemotingCommand, the JSON and ROCKETMQ header codecs, the request
// and response code table, typed request headers, the JSON bodies (routes,
// broker registration, heartbeats, admin) and the stored-message layout that
// the commit log writes and pull responses carry byte for byte.
//
// It imports none of our packages. Decoders read in place and never panic on
// input; encoders append to a caller's buffer.
package protocol
