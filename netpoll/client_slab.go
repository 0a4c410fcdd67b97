package netpoll

// readSlab hands out the memory of small inbound frames and of decoded
// commands in chunks, so that a response costs a fraction of an allocation
// instead of two. Memory handed out is never handed out again: a response
// owns it for as long as it is referenced. The price is that a retained
// response keeps its whole chunk alive (at most slabFrameBytes of frames
// and slabCommands commands). Used by one connection's reader only.
type readSlab struct {
	frames []byte         // unused tail of the current frame chunk
	cmds   []ownedCommand // unused tail of the current command chunk
}

const (
	// slabFrameBytes is the frame chunk; frames over slabMaxFrame get
	// memory of their own, so big pull results never pin small ones.
	slabFrameBytes = 16 << 10
	slabMaxFrame   = 2 << 10
	slabCommands   = 16
)

// frame returns n bytes of memory no one else uses.
func (s *readSlab) frame(n int) []byte {
	if n > slabMaxFrame {
		return make([]byte, n)
	}
	if len(s.frames) < n {
		s.frames = make([]byte, slabFrameBytes)
	}
	b := s.frames[:n:n]
	s.frames = s.frames[n:]
	return b
}

// command returns a zeroed ownedCommand no one else uses.
func (s *readSlab) command() *ownedCommand {
	if len(s.cmds) == 0 {
		s.cmds = make([]ownedCommand, slabCommands)
	}
	o := &s.cmds[0]
	s.cmds = s.cmds[1:]
	return o
}
