package mmapstore

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

const crashChildEnv = "FASTMQ_CRASH_CHILD_DIR"

// crashConfig is the configuration parent and child share.
func crashConfig(dir string) Config {
	return Config{
		StorePathRootDir:        dir,
		MappedFileSizeCommitLog: 1 << 20,
		FlushDiskType:           SyncFlush,
		MaxMessageSize:          64 << 10,
	}
}

// crashBody is message seq's body: both sides derive it from seq alone.
func crashBody(seq int64) []byte {
	n := 50 + int(seq*7919%3000)
	b := bytes.Repeat([]byte{byte(seq)}, n)
	copy(b, strconv.FormatInt(seq, 10))
	return b
}

// TestCrashChild is the child process of TestCrashKeepsAcknowledgedMessages:
// it appends under sync flush from 4 goroutines and prints "seq phyOffset"
// for each acknowledged message until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("child process of the crash test")
	}
	base, _ := strconv.ParseInt(os.Getenv("FASTMQ_CRASH_SEQ"), 10, 64)
	l, err := Open(crashConfig(dir))
	if err != nil {
		fmt.Printf("open-error %v\n", err)
		os.Exit(3)
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	deadline := time.Now().Add(20 * time.Second) // bounded even if nobody kills it
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := NewWaiter()
			for i := int64(0); i < 100000 && time.Now().Before(deadline); i++ {
				seq := base + i*4 + int64(g)
				m := protocol.StoredMessage{Topic: []byte("CrashTopic"), QueueID: int32(g), Flag: int32(seq), Body: crashBody(seq)}
				if err := l.Append(&m, w.Done()); err != nil {
					fmt.Printf("append-error %v\n", err)
					os.Exit(4)
				}
				if err := w.Wait(); err != nil {
					fmt.Printf("flush-error %v\n", err)
					os.Exit(5)
				}
				out.Lock()
				fmt.Printf("%d %d\n", seq, m.PhysicalOffset)
				out.Unlock()
			}
		}()
	}
	wg.Wait()
	os.Exit(0)
}

// TestCrashKeepsAcknowledgedMessages kills a child appender with SIGKILL at
// random points, FASTMQ_CRASH_CYCLES times (default 10), and checks after
// each kill that every message the child reported acknowledged is present
// and intact.
func TestCrashKeepsAcknowledgedMessages(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("in the child")
	}
	cycles := 10
	if s := os.Getenv("FASTMQ_CRASH_CYCLES"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			cycles = n
		}
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	acked := map[int64]int64{} // seq → physical offset
	for cycle := range cycles {
		killAfter := 1 + rng.IntN(400)
		got := runCrashChild(t, dir, int64(cycle)<<32, killAfter)
		for seq, off := range got {
			acked[seq] = off
		}
		verifyCrashLog(t, dir, acked, cycle)
	}
	t.Logf("%d cycles, %d acknowledged messages verified", cycles, len(acked))
}

// runCrashChild starts the child, reads acknowledgements until killAfter of
// them arrived, kills it with SIGKILL and returns what it acknowledged.
func runCrashChild(t *testing.T, dir string, seqBase int64, killAfter int) map[int64]int64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, "FASTMQ_CRASH_SEQ="+strconv.FormatInt(seqBase, 10))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[int64]int64{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 {
			seq, err1 := strconv.ParseInt(f[0], 10, 64)
			off, err2 := strconv.ParseInt(f[1], 10, 64)
			if err1 == nil && err2 == nil {
				acked[seq] = off
				if len(acked) >= killAfter {
					break
				}
				continue
			}
		}
		if strings.Contains(sc.Text(), "error") {
			t.Fatalf("child: %s", sc.Text())
		}
	}
	cmd.Process.Kill() // SIGKILL
	for sc.Scan() {    // acknowledgements printed before the kill landed still count
		if f := strings.Fields(sc.Text()); len(f) == 2 {
			seq, err1 := strconv.ParseInt(f[0], 10, 64)
			off, err2 := strconv.ParseInt(f[1], 10, 64)
			if err1 == nil && err2 == nil {
				acked[seq] = off
			}
		}
	}
	cmd.Wait()
	if len(acked) == 0 {
		t.Fatalf("child acknowledged nothing; stderr: %s", stderr.String())
	}
	return acked
}

func verifyCrashLog(t *testing.T, dir string, acked map[int64]int64, cycle int) {
	t.Helper()
	l, err := Open(crashConfig(dir))
	if err != nil {
		t.Fatalf("cycle %d: reopen: %v", cycle, err)
	}
	defer l.Close()
	if l.Recovery().CleanShutdown {
		t.Fatalf("cycle %d: a killed process left no abort marker", cycle)
	}
	var m protocol.StoredMessage
	for seq, off := range acked {
		v, err := l.Read(off)
		if err != nil {
			t.Fatalf("cycle %d: acknowledged message %d at %d lost: %v (recovery %+v)", cycle, seq, off, err, l.Recovery())
		}
		err = protocol.DecodeStoredMessage(v.Bytes(), &m)
		ok := err == nil && int64(m.Flag) == int64(int32(seq)) && bytes.Equal(m.Body, crashBody(seq)) && protocol.VerifyBodyCRC(&m)
		v.Release()
		if !ok {
			t.Fatalf("cycle %d: acknowledged message %d at %d damaged: %v", cycle, seq, off, err)
		}
	}
}
