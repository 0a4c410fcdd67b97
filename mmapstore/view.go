package mmapstore

// View is a reference-counted, read-only view of mapped bytes. Bytes() is
// valid until Release; the segment under it is not unmapped while any View
// of it is held. The bytes must not be modified. Release exactly once; the
// zero View is valid and its Release does nothing.
type View struct {
	seg *segment
	b   []byte
}

// Bytes returns the viewed bytes, aliasing the mapping, valid until Release.
func (v View) Bytes() []byte { return v.b }

// Release drops the view's reference to its segment.
func (v View) Release() {
	if v.seg != nil {
		v.seg.release()
	}
}
