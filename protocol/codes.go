package protocol

import "strconv"

// RequestCode is the code of a request command: which RPC it asks for.
type RequestCode int32

// ResponseCode is the code of a response command: how the RPC ended.
type ResponseCode int32

// responseInfo is one row of the response table.
type responseInfo struct {
	name string
	// retriable: the official Go client retries a synchronous send on it.
	retriable bool
}

// Name returns the Java name of the code (SEND_MESSAGE), or "" if unknown.
func (c RequestCode) Name() string { return requestNames[c] }

// String returns the Java name, or "REQUEST_<n>" for an unknown code.
func (c RequestCode) String() string {
	if n := requestNames[c]; n != "" {
		return n
	}
	return "REQUEST_" + strconv.Itoa(int(c))
}

// Known reports whether the code is in the table.
func (c RequestCode) Known() bool { _, ok := requestNames[c]; return ok }

// Name returns the Java name of the code (TOPIC_NOT_EXIST), or "" if unknown.
func (c ResponseCode) Name() string { return responseTable[c].name }

// String returns the Java name, or "RESPONSE_<n>" for an unknown code.
func (c ResponseCode) String() string {
	if n := responseTable[c].name; n != "" {
		return n
	}
	return "RESPONSE_" + strconv.Itoa(int(c))
}

// Retriable reports whether the official Go client retries a synchronous
// send answered with this code (SYSTEM_ERROR, SERVICE_NOT_AVAILABLE,
// NO_PERMISSION, TOPIC_NOT_EXIST; GO producer/producer.go needRetryCode).
func (c ResponseCode) Retriable() bool { return responseTable[c].retriable }

// Known reports whether the code is in the table.
func (c ResponseCode) Known() bool { _, ok := responseTable[c]; return ok }

// Request codes (J4 common/protocol/RequestCode.java; 904 from J5). These values are
// wire format and must never change.
const (
	// ReqSendMessage is SEND_MESSAGE.
	ReqSendMessage RequestCode = 10
	// ReqPullMessage is PULL_MESSAGE.
	ReqPullMessage RequestCode = 11
	// ReqQueryMessage is QUERY_MESSAGE.
	ReqQueryMessage RequestCode = 12
	// ReqQueryBrokerOffset is QUERY_BROKER_OFFSET.
	ReqQueryBrokerOffset RequestCode = 13
	// ReqQueryConsumerOffset is QUERY_CONSUMER_OFFSET.
	ReqQueryConsumerOffset RequestCode = 14
	// ReqUpdateConsumerOffset is UPDATE_CONSUMER_OFFSET.
	ReqUpdateConsumerOffset RequestCode = 15
	// ReqUpdateAndCreateTopic is UPDATE_AND_CREATE_TOPIC.
	ReqUpdateAndCreateTopic RequestCode = 17
	// ReqGetAllTopicConfig is GET_ALL_TOPIC_CONFIG.
	ReqGetAllTopicConfig RequestCode = 21
	// ReqGetTopicConfigList is GET_TOPIC_CONFIG_LIST.
	ReqGetTopicConfigList RequestCode = 22
	// ReqGetTopicNameList is GET_TOPIC_NAME_LIST.
	ReqGetTopicNameList RequestCode = 23
	// ReqUpdateBrokerConfig is UPDATE_BROKER_CONFIG.
	ReqUpdateBrokerConfig RequestCode = 25
	// ReqGetBrokerConfig is GET_BROKER_CONFIG.
	ReqGetBrokerConfig RequestCode = 26
	// ReqTriggerDeleteFiles is TRIGGER_DELETE_FILES.
	ReqTriggerDeleteFiles RequestCode = 27
	// ReqGetBrokerRuntimeInfo is GET_BROKER_RUNTIME_INFO.
	ReqGetBrokerRuntimeInfo RequestCode = 28
	// ReqSearchOffsetByTimestamp is SEARCH_OFFSET_BY_TIMESTAMP.
	ReqSearchOffsetByTimestamp RequestCode = 29
	// ReqGetMaxOffset is GET_MAX_OFFSET.
	ReqGetMaxOffset RequestCode = 30
	// ReqGetMinOffset is GET_MIN_OFFSET.
	ReqGetMinOffset RequestCode = 31
	// ReqGetEarliestMsgStoretime is GET_EARLIEST_MSG_STORETIME.
	ReqGetEarliestMsgStoretime RequestCode = 32
	// ReqViewMessageByID is VIEW_MESSAGE_BY_ID.
	ReqViewMessageByID RequestCode = 33
	// ReqHeartBeat is HEART_BEAT.
	ReqHeartBeat RequestCode = 34
	// ReqUnregisterClient is UNREGISTER_CLIENT.
	ReqUnregisterClient RequestCode = 35
	// ReqConsumerSendMsgBack is CONSUMER_SEND_MSG_BACK.
	ReqConsumerSendMsgBack RequestCode = 36
	// ReqEndTransaction is END_TRANSACTION.
	ReqEndTransaction RequestCode = 37
	// ReqGetConsumerListByGroup is GET_CONSUMER_LIST_BY_GROUP.
	ReqGetConsumerListByGroup RequestCode = 38
	// ReqCheckTransactionState is CHECK_TRANSACTION_STATE.
	ReqCheckTransactionState RequestCode = 39
	// ReqNotifyConsumerIdsChanged is NOTIFY_CONSUMER_IDS_CHANGED.
	ReqNotifyConsumerIdsChanged RequestCode = 40
	// ReqLockBatchMQ is LOCK_BATCH_MQ.
	ReqLockBatchMQ RequestCode = 41
	// ReqUnlockBatchMQ is UNLOCK_BATCH_MQ.
	ReqUnlockBatchMQ RequestCode = 42
	// ReqGetAllConsumerOffset is GET_ALL_CONSUMER_OFFSET.
	ReqGetAllConsumerOffset RequestCode = 43
	// ReqGetAllDelayOffset is GET_ALL_DELAY_OFFSET.
	ReqGetAllDelayOffset RequestCode = 45
	// ReqCheckClientConfig is CHECK_CLIENT_CONFIG.
	ReqCheckClientConfig RequestCode = 46
	// ReqUpdateAndCreateACLConfig is UPDATE_AND_CREATE_ACL_CONFIG.
	ReqUpdateAndCreateACLConfig RequestCode = 50
	// ReqDeleteACLConfig is DELETE_ACL_CONFIG.
	ReqDeleteACLConfig RequestCode = 51
	// ReqGetBrokerClusterACLInfo is GET_BROKER_CLUSTER_ACL_INFO.
	ReqGetBrokerClusterACLInfo RequestCode = 52
	// ReqUpdateGlobalWhiteAddrsConfig is UPDATE_GLOBAL_WHITE_ADDRS_CONFIG.
	ReqUpdateGlobalWhiteAddrsConfig RequestCode = 53
	// ReqPutKVConfig is PUT_KV_CONFIG.
	ReqPutKVConfig RequestCode = 100
	// ReqGetKVConfig is GET_KV_CONFIG.
	ReqGetKVConfig RequestCode = 101
	// ReqDeleteKVConfig is DELETE_KV_CONFIG.
	ReqDeleteKVConfig RequestCode = 102
	// ReqRegisterBroker is REGISTER_BROKER.
	ReqRegisterBroker RequestCode = 103
	// ReqUnregisterBroker is UNREGISTER_BROKER.
	ReqUnregisterBroker RequestCode = 104
	// ReqGetRouteInfoByTopic is GET_ROUTEINFO_BY_TOPIC.
	ReqGetRouteInfoByTopic RequestCode = 105
	// ReqGetBrokerClusterInfo is GET_BROKER_CLUSTER_INFO.
	ReqGetBrokerClusterInfo RequestCode = 106
	// ReqUpdateAndCreateSubscriptionGroup is UPDATE_AND_CREATE_SUBSCRIPTIONGROUP.
	ReqUpdateAndCreateSubscriptionGroup RequestCode = 200
	// ReqGetAllSubscriptionGroupConfig is GET_ALL_SUBSCRIPTIONGROUP_CONFIG.
	ReqGetAllSubscriptionGroupConfig RequestCode = 201
	// ReqGetTopicStatsInfo is GET_TOPIC_STATS_INFO.
	ReqGetTopicStatsInfo RequestCode = 202
	// ReqGetConsumerConnectionList is GET_CONSUMER_CONNECTION_LIST.
	ReqGetConsumerConnectionList RequestCode = 203
	// ReqGetProducerConnectionList is GET_PRODUCER_CONNECTION_LIST.
	ReqGetProducerConnectionList RequestCode = 204
	// ReqWipeWritePermOfBroker is WIPE_WRITE_PERM_OF_BROKER.
	ReqWipeWritePermOfBroker RequestCode = 205
	// ReqGetAllTopicListFromNameServer is GET_ALL_TOPIC_LIST_FROM_NAMESERVER.
	ReqGetAllTopicListFromNameServer RequestCode = 206
	// ReqDeleteSubscriptionGroup is DELETE_SUBSCRIPTIONGROUP.
	ReqDeleteSubscriptionGroup RequestCode = 207
	// ReqGetConsumeStats is GET_CONSUME_STATS.
	ReqGetConsumeStats RequestCode = 208
	// ReqSuspendConsumer is SUSPEND_CONSUMER.
	ReqSuspendConsumer RequestCode = 209
	// ReqResumeConsumer is RESUME_CONSUMER.
	ReqResumeConsumer RequestCode = 210
	// ReqResetConsumerOffsetInConsumer is RESET_CONSUMER_OFFSET_IN_CONSUMER.
	ReqResetConsumerOffsetInConsumer RequestCode = 211
	// ReqResetConsumerOffsetInBroker is RESET_CONSUMER_OFFSET_IN_BROKER.
	ReqResetConsumerOffsetInBroker RequestCode = 212
	// ReqAdjustConsumerThreadPool is ADJUST_CONSUMER_THREAD_POOL.
	ReqAdjustConsumerThreadPool RequestCode = 213
	// ReqWhoConsumeTheMessage is WHO_CONSUME_THE_MESSAGE.
	ReqWhoConsumeTheMessage RequestCode = 214
	// ReqDeleteTopicInBroker is DELETE_TOPIC_IN_BROKER.
	ReqDeleteTopicInBroker RequestCode = 215
	// ReqDeleteTopicInNamesrv is DELETE_TOPIC_IN_NAMESRV.
	ReqDeleteTopicInNamesrv RequestCode = 216
	// ReqGetKVListByNamespace is GET_KVLIST_BY_NAMESPACE.
	ReqGetKVListByNamespace RequestCode = 219
	// ReqResetConsumerClientOffset is RESET_CONSUMER_CLIENT_OFFSET.
	ReqResetConsumerClientOffset RequestCode = 220
	// ReqGetConsumerStatusFromClient is GET_CONSUMER_STATUS_FROM_CLIENT.
	ReqGetConsumerStatusFromClient RequestCode = 221
	// ReqInvokeBrokerToResetOffset is INVOKE_BROKER_TO_RESET_OFFSET.
	ReqInvokeBrokerToResetOffset RequestCode = 222
	// ReqInvokeBrokerToGetConsumerStatus is INVOKE_BROKER_TO_GET_CONSUMER_STATUS.
	ReqInvokeBrokerToGetConsumerStatus RequestCode = 223
	// ReqGetTopicsByCluster is GET_TOPICS_BY_CLUSTER.
	ReqGetTopicsByCluster RequestCode = 224
	// ReqQueryTopicConsumeByWho is QUERY_TOPIC_CONSUME_BY_WHO.
	ReqQueryTopicConsumeByWho RequestCode = 300
	// ReqRegisterFilterServer is REGISTER_FILTER_SERVER.
	ReqRegisterFilterServer RequestCode = 301
	// ReqRegisterMessageFilterClass is REGISTER_MESSAGE_FILTER_CLASS.
	ReqRegisterMessageFilterClass RequestCode = 302
	// ReqQueryConsumeTimeSpan is QUERY_CONSUME_TIME_SPAN.
	ReqQueryConsumeTimeSpan RequestCode = 303
	// ReqGetSystemTopicListFromNS is GET_SYSTEM_TOPIC_LIST_FROM_NS.
	ReqGetSystemTopicListFromNS RequestCode = 304
	// ReqGetSystemTopicListFromBroker is GET_SYSTEM_TOPIC_LIST_FROM_BROKER.
	ReqGetSystemTopicListFromBroker RequestCode = 305
	// ReqCleanExpiredConsumeQueue is CLEAN_EXPIRED_CONSUMEQUEUE.
	ReqCleanExpiredConsumeQueue RequestCode = 306
	// ReqGetConsumerRunningInfo is GET_CONSUMER_RUNNING_INFO.
	ReqGetConsumerRunningInfo RequestCode = 307
	// ReqQueryCorrectionOffset is QUERY_CORRECTION_OFFSET.
	ReqQueryCorrectionOffset RequestCode = 308
	// ReqConsumeMessageDirectly is CONSUME_MESSAGE_DIRECTLY.
	ReqConsumeMessageDirectly RequestCode = 309
	// ReqSendMessageV2 is SEND_MESSAGE_V2.
	ReqSendMessageV2 RequestCode = 310
	// ReqGetUnitTopicList is GET_UNIT_TOPIC_LIST.
	ReqGetUnitTopicList RequestCode = 311
	// ReqGetHasUnitSubTopicList is GET_HAS_UNIT_SUB_TOPIC_LIST.
	ReqGetHasUnitSubTopicList RequestCode = 312
	// ReqGetHasUnitSubUnunitTopicList is GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST.
	ReqGetHasUnitSubUnunitTopicList RequestCode = 313
	// ReqCloneGroupOffset is CLONE_GROUP_OFFSET.
	ReqCloneGroupOffset RequestCode = 314
	// ReqViewBrokerStatsData is VIEW_BROKER_STATS_DATA.
	ReqViewBrokerStatsData RequestCode = 315
	// ReqCleanUnusedTopic is CLEAN_UNUSED_TOPIC.
	ReqCleanUnusedTopic RequestCode = 316
	// ReqGetBrokerConsumeStats is GET_BROKER_CONSUME_STATS.
	ReqGetBrokerConsumeStats RequestCode = 317
	// ReqUpdateNamesrvConfig is UPDATE_NAMESRV_CONFIG.
	ReqUpdateNamesrvConfig RequestCode = 318
	// ReqGetNamesrvConfig is GET_NAMESRV_CONFIG.
	ReqGetNamesrvConfig RequestCode = 319
	// ReqSendBatchMessage is SEND_BATCH_MESSAGE.
	ReqSendBatchMessage RequestCode = 320
	// ReqQueryConsumeQueue is QUERY_CONSUME_QUEUE.
	ReqQueryConsumeQueue RequestCode = 321
	// ReqQueryDataVersion is QUERY_DATA_VERSION.
	ReqQueryDataVersion RequestCode = 322
	// ReqResumeCheckHalfMessage is RESUME_CHECK_HALF_MESSAGE.
	ReqResumeCheckHalfMessage RequestCode = 323
	// ReqSendReplyMessage is SEND_REPLY_MESSAGE.
	ReqSendReplyMessage RequestCode = 324
	// ReqSendReplyMessageV2 is SEND_REPLY_MESSAGE_V2.
	ReqSendReplyMessageV2 RequestCode = 325
	// ReqPushReplyMessageToClient is PUSH_REPLY_MESSAGE_TO_CLIENT.
	ReqPushReplyMessageToClient RequestCode = 326
	// ReqAddWritePermOfBroker is ADD_WRITE_PERM_OF_BROKER.
	ReqAddWritePermOfBroker RequestCode = 327
	// ReqGetAllProducerInfo is GET_ALL_PRODUCER_INFO.
	ReqGetAllProducerInfo RequestCode = 328
	// ReqDeleteExpiredCommitlog is DELETE_EXPIRED_COMMITLOG.
	ReqDeleteExpiredCommitlog RequestCode = 329
	// ReqBrokerHeartbeat is BROKER_HEARTBEAT.
	ReqBrokerHeartbeat RequestCode = 904
)

// requestNames maps each known request code to its Java name.
var requestNames = map[RequestCode]string{
	ReqSendMessage:                      "SEND_MESSAGE",
	ReqPullMessage:                      "PULL_MESSAGE",
	ReqQueryMessage:                     "QUERY_MESSAGE",
	ReqQueryBrokerOffset:                "QUERY_BROKER_OFFSET",
	ReqQueryConsumerOffset:              "QUERY_CONSUMER_OFFSET",
	ReqUpdateConsumerOffset:             "UPDATE_CONSUMER_OFFSET",
	ReqUpdateAndCreateTopic:             "UPDATE_AND_CREATE_TOPIC",
	ReqGetAllTopicConfig:                "GET_ALL_TOPIC_CONFIG",
	ReqGetTopicConfigList:               "GET_TOPIC_CONFIG_LIST",
	ReqGetTopicNameList:                 "GET_TOPIC_NAME_LIST",
	ReqUpdateBrokerConfig:               "UPDATE_BROKER_CONFIG",
	ReqGetBrokerConfig:                  "GET_BROKER_CONFIG",
	ReqTriggerDeleteFiles:               "TRIGGER_DELETE_FILES",
	ReqGetBrokerRuntimeInfo:             "GET_BROKER_RUNTIME_INFO",
	ReqSearchOffsetByTimestamp:          "SEARCH_OFFSET_BY_TIMESTAMP",
	ReqGetMaxOffset:                     "GET_MAX_OFFSET",
	ReqGetMinOffset:                     "GET_MIN_OFFSET",
	ReqGetEarliestMsgStoretime:          "GET_EARLIEST_MSG_STORETIME",
	ReqViewMessageByID:                  "VIEW_MESSAGE_BY_ID",
	ReqHeartBeat:                        "HEART_BEAT",
	ReqUnregisterClient:                 "UNREGISTER_CLIENT",
	ReqConsumerSendMsgBack:              "CONSUMER_SEND_MSG_BACK",
	ReqEndTransaction:                   "END_TRANSACTION",
	ReqGetConsumerListByGroup:           "GET_CONSUMER_LIST_BY_GROUP",
	ReqCheckTransactionState:            "CHECK_TRANSACTION_STATE",
	ReqNotifyConsumerIdsChanged:         "NOTIFY_CONSUMER_IDS_CHANGED",
	ReqLockBatchMQ:                      "LOCK_BATCH_MQ",
	ReqUnlockBatchMQ:                    "UNLOCK_BATCH_MQ",
	ReqGetAllConsumerOffset:             "GET_ALL_CONSUMER_OFFSET",
	ReqGetAllDelayOffset:                "GET_ALL_DELAY_OFFSET",
	ReqCheckClientConfig:                "CHECK_CLIENT_CONFIG",
	ReqUpdateAndCreateACLConfig:         "UPDATE_AND_CREATE_ACL_CONFIG",
	ReqDeleteACLConfig:                  "DELETE_ACL_CONFIG",
	ReqGetBrokerClusterACLInfo:          "GET_BROKER_CLUSTER_ACL_INFO",
	ReqUpdateGlobalWhiteAddrsConfig:     "UPDATE_GLOBAL_WHITE_ADDRS_CONFIG",
	ReqPutKVConfig:                      "PUT_KV_CONFIG",
	ReqGetKVConfig:                      "GET_KV_CONFIG",
	ReqDeleteKVConfig:                   "DELETE_KV_CONFIG",
	ReqRegisterBroker:                   "REGISTER_BROKER",
	ReqUnregisterBroker:                 "UNREGISTER_BROKER",
	ReqGetRouteInfoByTopic:              "GET_ROUTEINFO_BY_TOPIC",
	ReqGetBrokerClusterInfo:             "GET_BROKER_CLUSTER_INFO",
	ReqUpdateAndCreateSubscriptionGroup: "UPDATE_AND_CREATE_SUBSCRIPTIONGROUP",
	ReqGetAllSubscriptionGroupConfig:    "GET_ALL_SUBSCRIPTIONGROUP_CONFIG",
	ReqGetTopicStatsInfo:                "GET_TOPIC_STATS_INFO",
	ReqGetConsumerConnectionList:        "GET_CONSUMER_CONNECTION_LIST",
	ReqGetProducerConnectionList:        "GET_PRODUCER_CONNECTION_LIST",
	ReqWipeWritePermOfBroker:            "WIPE_WRITE_PERM_OF_BROKER",
	ReqGetAllTopicListFromNameServer:    "GET_ALL_TOPIC_LIST_FROM_NAMESERVER",
	ReqDeleteSubscriptionGroup:          "DELETE_SUBSCRIPTIONGROUP",
	ReqGetConsumeStats:                  "GET_CONSUME_STATS",
	ReqSuspendConsumer:                  "SUSPEND_CONSUMER",
	ReqResumeConsumer:                   "RESUME_CONSUMER",
	ReqResetConsumerOffsetInConsumer:    "RESET_CONSUMER_OFFSET_IN_CONSUMER",
	ReqResetConsumerOffsetInBroker:      "RESET_CONSUMER_OFFSET_IN_BROKER",
	ReqAdjustConsumerThreadPool:         "ADJUST_CONSUMER_THREAD_POOL",
	ReqWhoConsumeTheMessage:             "WHO_CONSUME_THE_MESSAGE",
	ReqDeleteTopicInBroker:              "DELETE_TOPIC_IN_BROKER",
	ReqDeleteTopicInNamesrv:             "DELETE_TOPIC_IN_NAMESRV",
	ReqGetKVListByNamespace:             "GET_KVLIST_BY_NAMESPACE",
	ReqResetConsumerClientOffset:        "RESET_CONSUMER_CLIENT_OFFSET",
	ReqGetConsumerStatusFromClient:      "GET_CONSUMER_STATUS_FROM_CLIENT",
	ReqInvokeBrokerToResetOffset:        "INVOKE_BROKER_TO_RESET_OFFSET",
	ReqInvokeBrokerToGetConsumerStatus:  "INVOKE_BROKER_TO_GET_CONSUMER_STATUS",
	ReqGetTopicsByCluster:               "GET_TOPICS_BY_CLUSTER",
	ReqQueryTopicConsumeByWho:           "QUERY_TOPIC_CONSUME_BY_WHO",
	ReqRegisterFilterServer:             "REGISTER_FILTER_SERVER",
	ReqRegisterMessageFilterClass:       "REGISTER_MESSAGE_FILTER_CLASS",
	ReqQueryConsumeTimeSpan:             "QUERY_CONSUME_TIME_SPAN",
	ReqGetSystemTopicListFromNS:         "GET_SYSTEM_TOPIC_LIST_FROM_NS",
	ReqGetSystemTopicListFromBroker:     "GET_SYSTEM_TOPIC_LIST_FROM_BROKER",
	ReqCleanExpiredConsumeQueue:         "CLEAN_EXPIRED_CONSUMEQUEUE",
	ReqGetConsumerRunningInfo:           "GET_CONSUMER_RUNNING_INFO",
	ReqQueryCorrectionOffset:            "QUERY_CORRECTION_OFFSET",
	ReqConsumeMessageDirectly:           "CONSUME_MESSAGE_DIRECTLY",
	ReqSendMessageV2:                    "SEND_MESSAGE_V2",
	ReqGetUnitTopicList:                 "GET_UNIT_TOPIC_LIST",
	ReqGetHasUnitSubTopicList:           "GET_HAS_UNIT_SUB_TOPIC_LIST",
	ReqGetHasUnitSubUnunitTopicList:     "GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST",
	ReqCloneGroupOffset:                 "CLONE_GROUP_OFFSET",
	ReqViewBrokerStatsData:              "VIEW_BROKER_STATS_DATA",
	ReqCleanUnusedTopic:                 "CLEAN_UNUSED_TOPIC",
	ReqGetBrokerConsumeStats:            "GET_BROKER_CONSUME_STATS",
	ReqUpdateNamesrvConfig:              "UPDATE_NAMESRV_CONFIG",
	ReqGetNamesrvConfig:                 "GET_NAMESRV_CONFIG",
	ReqSendBatchMessage:                 "SEND_BATCH_MESSAGE",
	ReqQueryConsumeQueue:                "QUERY_CONSUME_QUEUE",
	ReqQueryDataVersion:                 "QUERY_DATA_VERSION",
	ReqResumeCheckHalfMessage:           "RESUME_CHECK_HALF_MESSAGE",
	ReqSendReplyMessage:                 "SEND_REPLY_MESSAGE",
	ReqSendReplyMessageV2:               "SEND_REPLY_MESSAGE_V2",
	ReqPushReplyMessageToClient:         "PUSH_REPLY_MESSAGE_TO_CLIENT",
	ReqAddWritePermOfBroker:             "ADD_WRITE_PERM_OF_BROKER",
	ReqGetAllProducerInfo:               "GET_ALL_PRODUCER_INFO",
	ReqDeleteExpiredCommitlog:           "DELETE_EXPIRED_COMMITLOG",
	ReqBrokerHeartbeat:                  "BROKER_HEARTBEAT",
}

// Response codes (J4 RemotingSysResponseCode.java and common/protocol/ResponseCode.java).
// These values are wire format and must never change.
const (
	// RespSuccess is SUCCESS.
	RespSuccess ResponseCode = 0
	// RespSystemError is SYSTEM_ERROR.
	RespSystemError ResponseCode = 1
	// RespSystemBusy is SYSTEM_BUSY.
	RespSystemBusy ResponseCode = 2
	// RespRequestCodeNotSupported is REQUEST_CODE_NOT_SUPPORTED.
	RespRequestCodeNotSupported ResponseCode = 3
	// RespTransactionFailed is TRANSACTION_FAILED.
	RespTransactionFailed ResponseCode = 4
	// RespFlushDiskTimeout is FLUSH_DISK_TIMEOUT.
	RespFlushDiskTimeout ResponseCode = 10
	// RespSlaveNotAvailable is SLAVE_NOT_AVAILABLE.
	RespSlaveNotAvailable ResponseCode = 11
	// RespFlushSlaveTimeout is FLUSH_SLAVE_TIMEOUT.
	RespFlushSlaveTimeout ResponseCode = 12
	// RespMessageIllegal is MESSAGE_ILLEGAL.
	RespMessageIllegal ResponseCode = 13
	// RespServiceNotAvailable is SERVICE_NOT_AVAILABLE.
	RespServiceNotAvailable ResponseCode = 14
	// RespVersionNotSupported is VERSION_NOT_SUPPORTED.
	RespVersionNotSupported ResponseCode = 15
	// RespNoPermission is NO_PERMISSION.
	RespNoPermission ResponseCode = 16
	// RespTopicNotExist is TOPIC_NOT_EXIST.
	RespTopicNotExist ResponseCode = 17
	// RespTopicExistAlready is TOPIC_EXIST_ALREADY.
	RespTopicExistAlready ResponseCode = 18
	// RespPullNotFound is PULL_NOT_FOUND.
	RespPullNotFound ResponseCode = 19
	// RespPullRetryImmediately is PULL_RETRY_IMMEDIATELY.
	RespPullRetryImmediately ResponseCode = 20
	// RespPullOffsetMoved is PULL_OFFSET_MOVED.
	RespPullOffsetMoved ResponseCode = 21
	// RespQueryNotFound is QUERY_NOT_FOUND.
	RespQueryNotFound ResponseCode = 22
	// RespSubscriptionParseFailed is SUBSCRIPTION_PARSE_FAILED.
	RespSubscriptionParseFailed ResponseCode = 23
	// RespSubscriptionNotExist is SUBSCRIPTION_NOT_EXIST.
	RespSubscriptionNotExist ResponseCode = 24
	// RespSubscriptionNotLatest is SUBSCRIPTION_NOT_LATEST.
	RespSubscriptionNotLatest ResponseCode = 25
	// RespSubscriptionGroupNotExist is SUBSCRIPTION_GROUP_NOT_EXIST.
	RespSubscriptionGroupNotExist ResponseCode = 26
	// RespFilterDataNotExist is FILTER_DATA_NOT_EXIST.
	RespFilterDataNotExist ResponseCode = 27
	// RespFilterDataNotLatest is FILTER_DATA_NOT_LATEST.
	RespFilterDataNotLatest ResponseCode = 28
	// RespTransactionShouldCommit is TRANSACTION_SHOULD_COMMIT.
	RespTransactionShouldCommit ResponseCode = 200
	// RespTransactionShouldRollback is TRANSACTION_SHOULD_ROLLBACK.
	RespTransactionShouldRollback ResponseCode = 201
	// RespTransactionStateUnknow is TRANSACTION_STATE_UNKNOW.
	RespTransactionStateUnknow ResponseCode = 202
	// RespTransactionStateGroupWrong is TRANSACTION_STATE_GROUP_WRONG.
	RespTransactionStateGroupWrong ResponseCode = 203
	// RespNoBuyerID is NO_BUYER_ID.
	RespNoBuyerID ResponseCode = 204
	// RespNotInCurrentUnit is NOT_IN_CURRENT_UNIT.
	RespNotInCurrentUnit ResponseCode = 205
	// RespConsumerNotOnline is CONSUMER_NOT_ONLINE.
	RespConsumerNotOnline ResponseCode = 206
	// RespConsumeMsgTimeout is CONSUME_MSG_TIMEOUT.
	RespConsumeMsgTimeout ResponseCode = 207
	// RespNoMessage is NO_MESSAGE.
	RespNoMessage ResponseCode = 208
	// RespUpdateAndCreateACLConfigFailed is UPDATE_AND_CREATE_ACL_CONFIG_FAILED.
	RespUpdateAndCreateACLConfigFailed ResponseCode = 209
	// RespDeleteACLConfigFailed is DELETE_ACL_CONFIG_FAILED.
	RespDeleteACLConfigFailed ResponseCode = 210
	// RespUpdateGlobalWhiteAddrsConfigFailed is UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED.
	RespUpdateGlobalWhiteAddrsConfigFailed ResponseCode = 211
	// RespFlowControl is FLOW_CONTROL.
	RespFlowControl ResponseCode = 215
)

// responseTable holds the name of each known response code and whether the
// official Go client retries a synchronous send that receives it
// (producer.go needRetryCode: 1, 14, 16, 17).
var responseTable = map[ResponseCode]responseInfo{
	RespSuccess:                            {"SUCCESS", false},
	RespSystemError:                        {"SYSTEM_ERROR", true},
	RespSystemBusy:                         {"SYSTEM_BUSY", false},
	RespRequestCodeNotSupported:            {"REQUEST_CODE_NOT_SUPPORTED", false},
	RespTransactionFailed:                  {"TRANSACTION_FAILED", false},
	RespFlushDiskTimeout:                   {"FLUSH_DISK_TIMEOUT", false},
	RespSlaveNotAvailable:                  {"SLAVE_NOT_AVAILABLE", false},
	RespFlushSlaveTimeout:                  {"FLUSH_SLAVE_TIMEOUT", false},
	RespMessageIllegal:                     {"MESSAGE_ILLEGAL", false},
	RespServiceNotAvailable:                {"SERVICE_NOT_AVAILABLE", true},
	RespVersionNotSupported:                {"VERSION_NOT_SUPPORTED", false},
	RespNoPermission:                       {"NO_PERMISSION", true},
	RespTopicNotExist:                      {"TOPIC_NOT_EXIST", true},
	RespTopicExistAlready:                  {"TOPIC_EXIST_ALREADY", false},
	RespPullNotFound:                       {"PULL_NOT_FOUND", false},
	RespPullRetryImmediately:               {"PULL_RETRY_IMMEDIATELY", false},
	RespPullOffsetMoved:                    {"PULL_OFFSET_MOVED", false},
	RespQueryNotFound:                      {"QUERY_NOT_FOUND", false},
	RespSubscriptionParseFailed:            {"SUBSCRIPTION_PARSE_FAILED", false},
	RespSubscriptionNotExist:               {"SUBSCRIPTION_NOT_EXIST", false},
	RespSubscriptionNotLatest:              {"SUBSCRIPTION_NOT_LATEST", false},
	RespSubscriptionGroupNotExist:          {"SUBSCRIPTION_GROUP_NOT_EXIST", false},
	RespFilterDataNotExist:                 {"FILTER_DATA_NOT_EXIST", false},
	RespFilterDataNotLatest:                {"FILTER_DATA_NOT_LATEST", false},
	RespTransactionShouldCommit:            {"TRANSACTION_SHOULD_COMMIT", false},
	RespTransactionShouldRollback:          {"TRANSACTION_SHOULD_ROLLBACK", false},
	RespTransactionStateUnknow:             {"TRANSACTION_STATE_UNKNOW", false},
	RespTransactionStateGroupWrong:         {"TRANSACTION_STATE_GROUP_WRONG", false},
	RespNoBuyerID:                          {"NO_BUYER_ID", false},
	RespNotInCurrentUnit:                   {"NOT_IN_CURRENT_UNIT", false},
	RespConsumerNotOnline:                  {"CONSUMER_NOT_ONLINE", false},
	RespConsumeMsgTimeout:                  {"CONSUME_MSG_TIMEOUT", false},
	RespNoMessage:                          {"NO_MESSAGE", false},
	RespUpdateAndCreateACLConfigFailed:     {"UPDATE_AND_CREATE_ACL_CONFIG_FAILED", false},
	RespDeleteACLConfigFailed:              {"DELETE_ACL_CONFIG_FAILED", false},
	RespUpdateGlobalWhiteAddrsConfigFailed: {"UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED", false},
	RespFlowControl:                        {"FLOW_CONTROL", false},
}
