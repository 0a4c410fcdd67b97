// Package client is the project's own Go client for RocketMQ-compatible
// brokers, over the native remoting protocol: a Producer, a PullConsumer,
// a PushConsumer and an Admin. It speaks to any RocketMQ 4.x NameServer
// and broker as well as to ours.
//
// # Exports
//
//   - NewProducer: Send (sync), SendAsync, SendOneway, SendBatch,
//     SendWithSelector, SendTo. Messages carry tags, keys, user
//     properties, a delay level and a sharding key; every message gets a
//     UNIQ_KEY (UniqID, RocketMQ's layout). Queue choice: round robin with
//     RocketMQ's latency-aware broker fault avoidance, or a QueueSelector
//     (RoundRobinSelector, HashSelector for ordered messages,
//     SelectorFunc). Failed synchronous and async sends are retried
//     (WithRetryTimes, default 2) on another broker when there is one.
//     Bodies of 4 KiB and more are zlib-compressed (sysflag bit 0).
//   - NewPullConsumer: Queues, Pull/PullWait by queue and offset,
//     PullNext/Seek/Position, CommittedOffset/CommitOffset (stored on the
//     broker), Min/MaxOffset, OffsetForTime.
//   - NewPushConsumer: Subscribe(topic, tag expression, Handler), Start,
//     Shutdown. Clustering (queues shared by AllocateAveragely, exactly
//     RocketMQ's AVG; rebalance every 20 s and on
//     NOTIFY_CONSUMER_IDS_CHANGED; offsets on the broker every 5 s and at
//     shutdown) or broadcasting (offsets in a local file); concurrent or
//     orderly (queue locks taken and renewed on the broker); long-polling
//     pulls (15 s suspend, 30 s timeout); flow control by cached message
//     count and size per queue; consume from first, last or a timestamp.
//   - NewAdmin: CreateTopic, TopicRoute, ClusterInfo, ConsumerProgress,
//     BrokerRuntimeInfo.
//   - Options are typed by where they apply: ProducerOption,
//     ConsumerOption, AdminOption; CommonOption (WithNameServers,
//     WithJSONHeaders, ...) applies to all. Headers use the ROCKETMQ binary
//     codec unless WithJSONHeaders.
//
// # Send path
//
// A send encodes into a pooled sendBuf: the command, its properties
// string (appended, never formatted), the compressed body; the header is
// written by protocol's typed-header encoder, ints into the command's
// scratch memory. No reflection, fmt or JSON, and no allocation in the
// client's part of a send (TestSendEncodeDoesNotAllocate); the transport
// (netpoll.Client) allocates the response frame and command it returns.
//
// # Goroutines
//
// Each client owns an instance: the route refresher (every 30 s) and the
// heartbeat sender (every 30 s), plus netpoll's reader per connection. A
// Producer adds, for an async send whose first attempt failed, a retry
// goroutine; a PushConsumer adds its rebalancer,
// offset committer, consume workers (or, orderly, one consume loop per
// queue), lock renewer, and one pull loop per owned queue. Start starts
// them; Shutdown (Close for Admin) stops and awaits them all.
//
// # Locks
//
// routes.mu, faultTolerance.mu, uniqGen.mu, memOffsets.mu are leaves.
// PushConsumer.mu is taken before processQueue.mu. None is held across a
// request or a handler call, except Producer.asyncMu, held shared while
// SendAsync waits for an in-flight token (completions return tokens
// without that lock).
//
// # Files
//
//	options.go         options and configuration
//	errors.go          sentinel errors, BrokerError
//	message.go         Message, MessageExt, SendResult, pull-body decoding
//	properties.go      the properties string
//	uniqid.go          UNIQ_KEY and the client id
//	compress.go        zlib bodies
//	remoting.go        transport over netpoll.Client
//	instance.go        shared machinery: routes, heartbeats, loops
//	route.go           route table, publish and subscribe queues
//	fault.go           latency fault tolerance (MQFaultStrategy)
//	selector.go        queue selectors and the default queue choice
//	producer.go        Producer: sync and oneway sends, attempts and retries
//	producer_async.go  SendAsync: pipelined (InvokeAsync), no goroutine per message
//	send_encode.go     the send request, batch entries
//	batch.go           SendBatch
//	pull.go            PULL_MESSAGE, subscriptions
//	offset.go          offset RPCs
//	offset_store.go    broker and local-file offset stores
//	pull_consumer.go   PullConsumer
//	push_consumer.go   PushConsumer
//	allocate.go        AllocateAveragely and Java string order
//	rebalance.go       rebalance, taking and releasing queues
//	process_queue.go   per-queue cache, commit offsets, lock state
//	consume.go         pull loop, concurrent consumption, send-back
//	orderly.go         orderly consumption and queue locks
//	admin.go           Admin
package client
