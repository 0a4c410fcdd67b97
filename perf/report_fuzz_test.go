package perf

import (
	"bytes"
	"testing"
)

// FuzzReadJSON: ReadJSON never panics, and a report it accepts writes
// back to JSON that reads and writes again to the same bytes.
func FuzzReadJSON(f *testing.F) {
	var buf bytes.Buffer
	WriteJSON(&buf, sampleReport())
	f.Add(buf.Bytes())
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"runs":[{"name":"x","latency":{"p50_ns":-1}}]}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteJSON(&out, r); err != nil {
			t.Fatalf("write back: %v", err)
		}
		first := append([]byte(nil), out.Bytes()...)
		again, err := ReadJSON(&out)
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, out.Bytes())
		}
		var out2 bytes.Buffer
		if err := WriteJSON(&out2, again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, out2.Bytes()) {
			t.Fatalf("round trip changed the report:\n%s\n%s", first, out2.Bytes())
		}
	})
}
