package mmapstore

import (
	"bytes"
	"testing"

	"github.com/fastmq/fastmq/protocol"
)

const fuzzSegSize = 16 << 10

// fuzzSegment builds a segment holding valid records from offset 0.
func fuzzSegment(n int) []byte {
	seg := make([]byte, 0, fuzzSegSize)
	for i := range n {
		m := testMessage(i, 40+i*13)
		m.PhysicalOffset = int64(len(seg))
		m.BodyCRC = protocol.BodyCRC(m.Body)
		seg = protocol.AppendStoredMessage(seg, &m)
	}
	return seg
}

// FuzzScanLog feeds arbitrary segment contents to the recovery scanner and
// checks its invariants: it never panics; the end lies inside the segment
// and after every record it accepted; records are contiguous from 0; and the
// valid prefix, re-scanned alone, gives the same records and end.
func FuzzScanLog(f *testing.F) {
	valid := fuzzSegment(20)
	f.Add(valid, int64(0))
	f.Add([]byte{}, int64(0))
	f.Add(valid[:len(valid)-30], int64(0))
	f.Add(append(bytes.Clone(valid), bytes.Repeat([]byte{0xDA, 0xA3, 0x20, 0xA7}, 20)...), int64(0))
	flipped := bytes.Clone(valid)
	flipped[300] ^= 0xFF
	f.Add(flipped, int64(len(valid)))
	blank := bytes.Clone(valid)
	blank = append(blank, make([]byte, 8)...)
	protocol.PutBlank(blank[len(valid):], int32(fuzzSegSize-len(valid)))
	f.Add(blank, int64(0))
	f.Fuzz(func(t *testing.T, data []byte, ckpFlushed int64) {
		seg := make([]byte, fuzzSegSize)
		copy(seg, data)
		var offs []int64
		res := scanLog([]scanSeg{{start: 0, data: seg}}, ckpFlushed, func(rec []byte) {
			offs = append(offs, int64(len(rec)))
		})
		if res.end < 0 || res.end > fuzzSegSize || res.zeroTo < res.end || res.zeroTo > fuzzSegSize {
			t.Fatalf("end %d zeroTo %d outside the segment", res.end, res.zeroTo)
		}
		var pos int64
		for _, n := range offs {
			pos += n
		}
		if pos > res.end {
			t.Fatalf("records run to %d, past end %d", pos, res.end)
		}
		if res.corrupt != nil {
			if res.corrupt.Offset >= ckpFlushed || res.corrupt.NextValid <= res.corrupt.Offset {
				t.Fatalf("bad corruption report %+v (ckp %d)", res.corrupt, ckpFlushed)
			}
			return
		}
		prefix := make([]byte, fuzzSegSize)
		copy(prefix, seg[:pos])
		var again int
		res2 := scanLog([]scanSeg{{start: 0, data: prefix}}, 0, func([]byte) { again++ })
		if again != len(offs) || res2.end != pos || res2.corrupt != nil || res2.tornAt != -1 {
			t.Fatalf("valid prefix re-scans to %d records end %d (%+v), want %d end %d", again, res2.end, res2, len(offs), pos)
		}
	})
}
