// Package broker owns the broker's request processors and the state they
// share: topic and subscription-group configuration, consumer offsets,
// consumer groups and their clients, queue locks, long polling, delay levels,
// retry and dead-letter topics, and NameServer registration.
//
// # Exports and callers
//
// cmd/mqbroker builds a Config from broker.conf and flags, then
//
//	b, err := broker.Open(cfg) // store opened and recovered, config/*.json loaded
//	err = b.Start()            // listening, registered with every NameServer
//	b.Addr()                   // the announced "ip:port"
//	b.Close()                  // clean stop (see below)
//
// Standalone mode (a NameServer in the same process) is wiring in cmd/; this
// package never imports namesrv.
//
// # Files
//
//	dispatch.go      the one table from request code to handler
//	errors.go        sentinel errors and their mapping to response codes
//	send.go          SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320)
//	flowcontrol.go   the sync-flush backlog: sends past it get SYSTEM_BUSY, never a blocked loop
//	batch.go         the batch body decoder
//	pull.go          PULL_MESSAGE (11), tag filters, SQL92 filters (internal/sqlfilter,
//	                 with enablePropertyFilter)
//	longpoll.go      held pulls, woken by the dispatcher's Arrived hook
//	coldread.go      pulls of probably-uncached data served off the event loops
//	offset.go        QUERY/UPDATE_CONSUMER_OFFSET (14/15), GET_MAX/MIN_OFFSET (30/31),
//	                 SEARCH_OFFSET_BY_TIMESTAMP (29), GET_EARLIEST_MSG_STORETIME (32)
//	offsets.go       the offset table, config/consumerOffset.json
//	heartbeat.go     HEART_BEAT (34), UNREGISTER_CLIENT (35), GET_CONSUMER_LIST_BY_GROUP (38),
//	                 NOTIFY_CONSUMER_IDS_CHANGED (40) to clients
//	clients.go       consumer groups: clients, subscriptions, expiry
//	groups.go        subscription groups, config/subscriptionGroup.json
//	lock.go          LOCK_BATCH_MQ (41), UNLOCK_BATCH_MQ (42)
//	sendback.go      CONSUMER_SEND_MSG_BACK (36): retry and DLQ
//	transaction.go   half messages, END_TRANSACTION (37)
//	txcheck.go       CHECK_TRANSACTION_STATE (39) to producers of unresolved half messages
//	schedule.go      delay levels over SCHEDULE_TOPIC_XXXX, config/delayOffset.json
//	query.go         QUERY_MESSAGE (12), VIEW_MESSAGE_BY_ID (33)
//	admin.go         UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215),
//	                 GET_ALL_TOPIC_CONFIG (21), GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201)
//	reset.go         INVOKE_BROKER_TO_RESET_OFFSET (222) → RESET_CONSUMER_CLIENT_OFFSET (220)
//	reply.go         SEND_REPLY_MESSAGE (324/325) → PUSH_REPLY_MESSAGE_TO_CLIENT (326)
//	callconsumer.go  GET_CONSUMER_RUNNING_INFO (307), CONSUME_MESSAGE_DIRECTLY (309): forwarded to the client
//	stats.go         GET_BROKER_RUNTIME_INFO (28), GET_TOPIC_STATS_INFO (202),
//	                 GET_CONSUMER_CONNECTION_LIST (203), GET_PRODUCER_CONNECTION_LIST (204),
//	                 GET_CONSUME_STATS (208)
//	admin_groups.go  UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200), DELETE_SUBSCRIPTIONGROUP (207),
//	                 GET_ALL_CONSUMER_OFFSET (43), GET_ALL_DELAY_OFFSET (45),
//	                 GET_TOPIC_NAME_LIST (23), GET_BROKER_CONFIG (26)
//	topics.go        the topic table, config/topics.json
//	register.go      REGISTER_BROKER / UNREGISTER_BROKER to every NameServer
//	persist.go       off-loop writers of the config files
//	atomicfile.go    temp file, fsync, rename, fsync dir
//	storelock_*.go   <root>/lock (flock) held while the store is open
//
// Any other request code is answered REQUEST_CODE_NOT_SUPPORTED.
//
// # The send path
//
// A send is validated on the event loop (topic name and permission, queue id,
// body against maxMessageSize, properties), auto-creates its topic from
// TBW102 when allowed, rewrites properties (WAIT dropped, CLUSTER added, a
// DELAY level moves the message to SCHEDULE_TOPIC_XXXX with REAL_TOPIC and
// REAL_QID, TRAN_MSG makes it a half message in RMQ_SYS_TRANS_HALF_TOPIC, a
// %RETRY% send past its reconsume times goes to %DLQ%) into a pooled buffer,
// and is appended to the commit log with a completion. The answer leaves
// when both the handler has recorded the offsets and the flush policy is met
// (sync flush: the group-commit flusher's completion; async: at once;
// WAIT=false: at once), through netpoll's deferred reply, so no loop ever
// waits on a disk. A send that created its topic is also held
// until the NameServers have the new topic. FLUSH_DISK_TIMEOUT is answered
// with code 10 and the stored message's ids. The steady path allocates
// nothing (TestSendPathAllocs). Every append is counted in a sync-flush
// backlog until its completion runs; past DefaultSyncBacklogBytes (half
// the store's 64 MiB write buffer, where Append would wait) a send is
// answered SYSTEM_BUSY "[PCBUSY_CLEAN_QUEUE]broker busy" instead
// (flowcontrol.go).
//
// # The pull path
//
// A pull reads up to 32 consume-queue entries (scanning at most 800),
// filters them by tag hash, and answers with the commit-log records
// themselves: reference-counted views written with writev and released after
// the write. Every answer carries nextBeginOffset, minOffset and maxOffset.
// PULL_NOT_FOUND with the suspend flag is parked in the hold service until
// the dispatcher reports the queue grew or the hold time ends. Without a
// subscription from a heartbeat (a pull racing the first heartbeat after a
// restart) all messages are sent; the Go client filters tags by text again.
// A pull whose first record lies more than accessMessageInMemoryMaxRatio
// (40 %) of RAM behind the log's end is handed to the cold-read goroutines
// (bounded queue; inline when full), so a page fault does not stall a loop.
// The same goroutines run the other handlers that read files: QUERY_MESSAGE
// (key-index pread), VIEW_MESSAGE_BY_ID, SEARCH_OFFSET_BY_TIMESTAMP,
// GET_EARLIEST_MSG_STORETIME and CONSUMER_SEND_MSG_BACK.
//
// # Goroutines
//
// Open starts the store's goroutines (mmapstore, index). Start starts the
// netpoll server's, registerLoop (every 30 s and on topic creation),
// housekeepLoop (client expiry, lock expiry, queue trimming after
// retention), the hold service, the cold readers, the schedule service,
// the transaction checker and three persisters (topics, groups: on change;
// offsets: every 5 s). Close, safe to call twice: stops accepting
// connections (open ones are still served; netpoll StopAccepting), refuses
// new sends, unregisters from the NameServers, waits for appended sends to
// be answered and their replies written (netpoll Drain), closes the server, stops every goroutine, writes the config
// files, closes the index and the commit log (final flush, checkpoint, abort
// marker removed) and releases the store lock.
//
// # Locks
//
// topicTable.mu, groupTable.mu, offsetTable.mu, clientTable.mu, lockTable.mu,
// holdService.mu, scheduleService.mu, Broker.regMu and persister.mu are
// leaves: none is held while another is taken, across I/O, or across a call
// into netpoll or the store.
//
// # Not yet
//
// Slaves and replication (brokerRole SLAVE is refused, SYNC_MASTER acts as
// ASYNC_MASTER), the bloom-filter bitmap that J4 keeps to skip SQL92
// evaluation (every candidate record's properties are evaluated), storing reply
// messages (they are only pushed), TPS figures in the statistics.
package broker
