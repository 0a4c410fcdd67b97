package protocol

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
)

// Topic filter types (J4 common/TopicFilterType.java); TopicConfig carries
// the name.
const (
	TopicFilterSingleTag = "SINGLE_TAG"
	TopicFilterMultiTag  = "MULTI_TAG"
)

// DataVersion stamps a broker's topic table; the NameServer rebuilds a
// master's queue data only when the stamp changes (J4 common/DataVersion.java).
// Java 4.x writes timestamp and counter; 5.x adds stateVersion.
type DataVersion struct {
	Timestamp    int64 // Unix milliseconds of the last change
	Counter      int64
	StateVersion int64 // 5.x only; 0 from 4.x brokers and never written
}

// AppendDataVersion appends v as {"counter":n,"timestamp":ms} (fastjson's
// sorted members; stateVersion only when non-zero).
func AppendDataVersion(dst []byte, v DataVersion) []byte {
	dst = append(dst, `{"counter":`...)
	dst = strconv.AppendInt(dst, v.Counter, 10)
	if v.StateVersion != 0 {
		dst = append(dst, `,"stateVersion":`...)
		dst = strconv.AppendInt(dst, v.StateVersion, 10)
	}
	dst = append(dst, `,"timestamp":`...)
	dst = strconv.AppendInt(dst, v.Timestamp, 10)
	return append(dst, '}')
}

// DecodeDataVersion decodes a DataVersion JSON body. b is only read.
func DecodeDataVersion(b []byte) (DataVersion, error) {
	var raw nsDataVersionJSON
	if err := nsUnmarshal("DataVersion", b, &raw); err != nil {
		return DataVersion{}, err
	}
	return DataVersion(raw), nil
}

type nsDataVersionJSON struct {
	Timestamp    int64 `json:"timestamp"`
	Counter      int64 `json:"counter"`
	StateVersion int64 `json:"stateVersion"`
}

// TopicConfig is a broker's configuration of one topic as a broker reports
// it to the NameServer (J4 common/TopicConfig.java).
type TopicConfig struct {
	TopicName       string
	ReadQueueNums   int32
	WriteQueueNums  int32
	Perm            int32
	TopicFilterType string // TopicFilterSingleTag or TopicFilterMultiTag
	TopicSysFlag    int32
	Order           bool
}

// AppendTopicConfig appends c as fastjson writes it (members sorted).
func AppendTopicConfig(dst []byte, c *TopicConfig) []byte {
	dst = append(dst, `{"order":`...)
	dst = strconv.AppendBool(dst, c.Order)
	dst = append(dst, `,"perm":`...)
	dst = strconv.AppendInt(dst, int64(c.Perm), 10)
	dst = append(dst, `,"readQueueNums":`...)
	dst = strconv.AppendInt(dst, int64(c.ReadQueueNums), 10)
	dst = append(dst, `,"topicFilterType":`...)
	dst = nsAppendString(dst, nsFilterType(c.TopicFilterType))
	dst = append(dst, `,"topicName":`...)
	dst = nsAppendString(dst, c.TopicName)
	dst = append(dst, `,"topicSysFlag":`...)
	dst = strconv.AppendInt(dst, int64(c.TopicSysFlag), 10)
	dst = append(dst, `,"writeQueueNums":`...)
	dst = strconv.AppendInt(dst, int64(c.WriteQueueNums), 10)
	return append(dst, '}')
}

// nsFilterType maps "" to the Java default, SINGLE_TAG.
func nsFilterType(t string) string {
	if t == "" {
		return TopicFilterSingleTag
	}
	return t
}

// TopicConfigSerializeWrapper is a broker's whole topic table with its
// version (J4 common/protocol/body/TopicConfigSerializeWrapper.java).
type TopicConfigSerializeWrapper struct {
	TopicConfigTable map[string]TopicConfig // by topic name
	DataVersion      DataVersion
}

// RegisterBrokerBody is the body of REGISTER_BROKER from brokers of version
// V3_0_11 and later (J4 common/protocol/body/RegisterBrokerBody.java).
type RegisterBrokerBody struct {
	TopicConfigSerializeWrapper TopicConfigSerializeWrapper
	FilterServerList            []string
}

// AppendTopicConfigSerializeWrapper appends w as fastjson writes it
// (members sorted, topics in name order).
func AppendTopicConfigSerializeWrapper(dst []byte, w *TopicConfigSerializeWrapper) []byte {
	dst = append(dst, `{"dataVersion":`...)
	dst = AppendDataVersion(dst, w.DataVersion)
	dst = append(dst, `,"topicConfigTable":{`...)
	for i, name := range nsSortedKeys(w.TopicConfigTable) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = nsAppendKey(dst, name)
		c := w.TopicConfigTable[name]
		dst = AppendTopicConfig(dst, &c)
	}
	return append(dst, "}}"...)
}

// AppendRegisterBrokerBody appends b as the uncompressed JSON body
// (compressed=false in the request header).
func AppendRegisterBrokerBody(dst []byte, b *RegisterBrokerBody) []byte {
	dst = append(dst, `{"filterServerList":`...)
	dst = nsAppendStrings(dst, b.FilterServerList)
	dst = append(dst, `,"topicConfigSerializeWrapper":`...)
	dst = AppendTopicConfigSerializeWrapper(dst, &b.TopicConfigSerializeWrapper)
	return append(dst, '}')
}

type nsTopicConfigJSON struct {
	TopicName       string `json:"topicName"`
	ReadQueueNums   int32  `json:"readQueueNums"`
	WriteQueueNums  int32  `json:"writeQueueNums"`
	Perm            int32  `json:"perm"`
	TopicFilterType string `json:"topicFilterType"`
	TopicSysFlag    int32  `json:"topicSysFlag"`
	Order           bool   `json:"order"`
}

type nsWrapperJSON struct {
	TopicConfigTable map[string]nsTopicConfigJSON `json:"topicConfigTable"`
	DataVersion      nsDataVersionJSON            `json:"dataVersion"`
}

func (w *nsWrapperJSON) value() TopicConfigSerializeWrapper {
	v := TopicConfigSerializeWrapper{DataVersion: DataVersion(w.DataVersion)}
	v.TopicConfigTable = make(map[string]TopicConfig, len(w.TopicConfigTable))
	for name, c := range w.TopicConfigTable {
		tc := TopicConfig(c)
		if tc.TopicName == "" {
			tc.TopicName = name
		}
		tc.TopicFilterType = nsFilterType(tc.TopicFilterType)
		v.TopicConfigTable[name] = tc
	}
	return v
}

// DecodeTopicConfigSerializeWrapper decodes the bare wrapper that brokers
// older than V3_0_11 send as the REGISTER_BROKER body. b is only read.
func DecodeTopicConfigSerializeWrapper(b []byte) (TopicConfigSerializeWrapper, error) {
	var raw nsWrapperJSON
	if err := nsUnmarshal("TopicConfigSerializeWrapper", b, &raw); err != nil {
		return TopicConfigSerializeWrapper{}, err
	}
	return raw.value(), nil
}

// DecodeRegisterBrokerBody decodes a REGISTER_BROKER body; compressed is the
// request header's flag. The result shares nothing with b.
func DecodeRegisterBrokerBody(b []byte, compressed bool) (RegisterBrokerBody, error) {
	if compressed {
		return decodeRegisterBrokerBodyCompressed(b)
	}
	var raw struct {
		TopicConfigSerializeWrapper nsWrapperJSON `json:"topicConfigSerializeWrapper"`
		FilterServerList            []string      `json:"filterServerList"`
	}
	if err := nsUnmarshal("RegisterBrokerBody", b, &raw); err != nil {
		return RegisterBrokerBody{}, err
	}
	return RegisterBrokerBody{
		TopicConfigSerializeWrapper: raw.TopicConfigSerializeWrapper.value(),
		FilterServerList:            raw.FilterServerList,
	}, nil
}

// RegisterBodyCRC32 is the bodyCrc32 a broker puts in the REGISTER_BROKER
// header: CRC32 (IEEE) of the body, masked to 31 bits (J4 UtilAll.crc32).
// The NameServer skips the check when the header carries 0.
func RegisterBodyCRC32(body []byte) int32 {
	return int32(crc32.ChecksumIEEE(body) & 0x7FFFFFFF)
}

// MaxRegisterBodyInflatedBytes bounds what a compressed REGISTER_BROKER body
// may inflate to; a larger one is refused as malformed. Must stay far above
// a real topic table (a 10,000-topic broker inflates to about 1 MiB).
const MaxRegisterBodyInflatedBytes = 256 << 20

// AppendRegisterBrokerBodyCompressed appends b in the compressed form a Java
// broker sends with compressed=true (J4 RegisterBrokerBody.encode(true)): one
// zlib stream holding int32 length + DataVersion JSON, int32 topic count,
// per topic int32 length + "name read write perm filterType", int32 length +
// filterServerList JSON. That form drops topicSysFlag and order.
func AppendRegisterBrokerBodyCompressed(dst []byte, b *RegisterBrokerBody) []byte {
	var plain []byte
	w := &b.TopicConfigSerializeWrapper
	plain = nsAppendLenPrefixed(plain, AppendDataVersion(nil, w.DataVersion))
	plain = binary.BigEndian.AppendUint32(plain, uint32(len(w.TopicConfigTable)))
	for _, name := range nsSortedKeys(w.TopicConfigTable) {
		c := w.TopicConfigTable[name]
		line := fmt.Appendf(nil, "%s %d %d %d %s", c.TopicName, c.ReadQueueNums,
			c.WriteQueueNums, c.Perm, nsFilterType(c.TopicFilterType))
		plain = nsAppendLenPrefixed(plain, line)
	}
	plain = nsAppendLenPrefixed(plain, nsAppendStrings(nil, b.FilterServerList))

	out := bytes.NewBuffer(dst)
	zw, err := zlib.NewWriterLevel(out, zlib.BestCompression)
	if err != nil {
		panic(err) // BestCompression is a valid level: unreachable
	}
	// Writes to a bytes.Buffer cannot fail.
	_, _ = zw.Write(plain)
	_ = zw.Close()
	return out.Bytes()
}

func nsAppendLenPrefixed(dst, item []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(item)))
	return append(dst, item...)
}

// decodeRegisterBrokerBodyCompressed reads the compressed form (see
// AppendRegisterBrokerBodyCompressed).
func decodeRegisterBrokerBodyCompressed(b []byte) (RegisterBrokerBody, error) {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return RegisterBrokerBody{}, nsBodyError("compressed RegisterBrokerBody", err)
	}
	r := &nsLenReader{r: io.LimitReader(zr, MaxRegisterBodyInflatedBytes)}
	var body RegisterBrokerBody
	dv := r.item()
	count := r.int32()
	if r.err == nil {
		body.TopicConfigSerializeWrapper.DataVersion, r.err = DecodeDataVersion(dv)
	}
	if r.err == nil && (count < 0 || count > MaxRegisterBodyInflatedBytes/9) {
		r.err = fmt.Errorf("topic count %d", count)
	}
	table := make(map[string]TopicConfig)
	for i := int32(0); i < count && r.err == nil; i++ {
		line := r.item()
		if r.err != nil {
			break
		}
		var c TopicConfig
		if c, r.err = nsParseTopicConfigLine(string(line)); r.err == nil {
			table[c.TopicName] = c
		}
	}
	body.TopicConfigSerializeWrapper.TopicConfigTable = table
	filters := r.item()
	if r.err == nil && len(filters) > 0 {
		r.err = json.Unmarshal(filters, &body.FilterServerList)
	}
	if r.err != nil {
		return RegisterBrokerBody{}, nsBodyError("compressed RegisterBrokerBody", r.err)
	}
	return body, nil
}

// nsParseTopicConfigLine parses "name read write perm filterType".
func nsParseTopicConfigLine(line string) (TopicConfig, error) {
	f := strings.Split(line, " ")
	if len(f) != 5 {
		return TopicConfig{}, fmt.Errorf("topic config %q: want 5 fields", line)
	}
	var nums [3]int32
	for i := range nums {
		n, err := strconv.ParseInt(f[i+1], 10, 32)
		if err != nil {
			return TopicConfig{}, fmt.Errorf("topic config %q: %w", line, err)
		}
		nums[i] = int32(n)
	}
	if f[4] != TopicFilterSingleTag && f[4] != TopicFilterMultiTag {
		return TopicConfig{}, fmt.Errorf("topic config %q: filter type %q", line, f[4])
	}
	return TopicConfig{TopicName: f[0], ReadQueueNums: nums[0], WriteQueueNums: nums[1],
		Perm: nums[2], TopicFilterType: f[4]}, nil
}

// nsLenReader reads big-endian int32 lengths and items from a stream with
// a sticky error.
type nsLenReader struct {
	r   io.Reader
	err error
	buf [4]byte
}

func (r *nsLenReader) int32() int32 {
	if r.err != nil {
		return 0
	}
	if _, err := io.ReadFull(r.r, r.buf[:]); err != nil {
		r.err = nsNoEOF(err)
		return 0
	}
	return int32(binary.BigEndian.Uint32(r.buf[:]))
}

// item reads an int32 length and that many bytes. The length is not trusted:
// bytes are read in bounded steps so a huge length costs only what the
// stream really holds.
func (r *nsLenReader) item() []byte {
	n := r.int32()
	if r.err != nil {
		return nil
	}
	if n < 0 {
		r.err = fmt.Errorf("negative length %d", n)
		return nil
	}
	out, err := io.ReadAll(io.LimitReader(r.r, int64(n)))
	if err == nil && len(out) < int(n) {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		r.err = nsNoEOF(err)
		return nil
	}
	return out
}

func nsNoEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
