package index

import (
	"encoding/binary"
	"fmt"

	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/protocol"
)

// Positions in the stored-message layout used to pick the store time
// without decoding the record (RocketMQ CommitLog.pickupStoreTimestamp):
// SYSFLAG at 36, STORETIMESTAMP at 56, 12 bytes later when the born host
// is IPv6.
const (
	sysFlagPos        = 36
	storeTimestampPos = 56
	bornHostV6Extra   = 12
)

// storeTimestamp returns the store time of the record at phyOffset.
func storeTimestamp(log *mmapstore.CommitLog, phyOffset int64) (int64, error) {
	v, err := log.Read(phyOffset)
	if err != nil {
		return 0, err
	}
	defer v.Release()
	return pickStoreTimestamp(v.Bytes(), phyOffset)
}

// pickStoreTimestamp reads STORETIMESTAMP from a whole record.
func pickStoreTimestamp(rec []byte, phyOffset int64) (int64, error) {
	if len(rec) < sysFlagPos+4 {
		return 0, &CorruptError{File: "commitlog", Offset: phyOffset, Reason: "record too short for a store time"}
	}
	pos := storeTimestampPos
	if int32(binary.BigEndian.Uint32(rec[sysFlagPos:]))&protocol.SysFlagBornHostV6 != 0 {
		pos += bornHostV6Extra
	}
	if len(rec) < pos+8 {
		return 0, &CorruptError{File: "commitlog", Offset: phyOffset, Reason: fmt.Sprintf("record of %d bytes too short for a store time", len(rec))}
	}
	return int64(binary.BigEndian.Uint64(rec[pos:])), nil
}
