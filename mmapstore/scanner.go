package mmapstore

import (
	"fmt"
)

// Scanner iterates records from an offset up to ConfirmedOffset, for
// dispatch and rebuilds. It holds a reference to one segment at a time and
// skips blank segment tails. Next returns false at ConfirmedOffset or on an
// error (see Err); after a false without error, Next may be called again
// once ConfirmedOffset has advanced. Not safe for concurrent use.
type Scanner struct {
	l      *CommitLog
	off    int64 // offset of the next record
	cur    int64 // offset of Record()
	view   View  // current segment from its start; zero when none
	segEnd int64
	rec    []byte
	err    error
}

// NewScanner returns a scanner positioned at from, which must be a record
// boundary (or a segment start).
func (l *CommitLog) NewScanner(from int64) *Scanner {
	return &Scanner{l: l, off: from, cur: -1}
}

// Next advances to the next record.
func (s *Scanner) Next() bool {
	s.rec = nil
	if s.err != nil {
		return false
	}
	for {
		limit := s.l.ConfirmedOffset()
		if s.off+blankSize > limit {
			return false
		}
		if s.view.seg == nil || s.off >= s.segEnd {
			if !s.mapSegment() {
				return false
			}
		}
		b := s.view.b[s.off-s.view.seg.start:]
		size, kind, reason := checkRecord(b, s.off, false)
		switch kind {
		case recordValid:
			if s.off+int64(size) > limit {
				return false
			}
			s.rec, s.cur = b[:size:size], s.off
			s.off += int64(size)
			return true
		case recordBlank:
			s.off = s.segEnd
		default:
			if reason == "" {
				reason = "zero header"
			}
			s.err = fmt.Errorf("%w: scanner at %d: %s", ErrNotRecord, s.off, reason)
			return false
		}
	}
}

// mapSegment takes a reference to the segment holding s.off.
func (s *Scanner) mapSegment() bool {
	s.view.Release()
	s.view = View{}
	seg, err := s.l.q.acquireAt(s.off)
	if err != nil {
		s.err = err
		return false
	}
	s.view = View{seg: seg, b: seg.data}
	s.segEnd = seg.end()
	return true
}

// Record returns the current record, aliasing the mapping; valid until the
// next call of Next or Close.
func (s *Scanner) Record() []byte { return s.rec }

// Offset returns the commit-log offset of the current record.
func (s *Scanner) Offset() int64 { return s.cur }

// NextOffset returns where the next record is expected.
func (s *Scanner) NextOffset() int64 { return s.off }

// Err returns the error that stopped the scan, if any.
func (s *Scanner) Err() error { return s.err }

// Close releases the segment reference.
func (s *Scanner) Close() {
	s.view.Release()
	s.view = View{}
	s.rec = nil
}
