package client

import (
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// UniqID is a message's unique id (the UNIQ_KEY property): 32 hex
// characters, laid out as RocketMQ's clients lay it out
// (wire-protocol.md §8.4, J4 MessageClientIDSetter, GO CreateUniqID):
//
//	chars  content
//	 0–7   IPv4 address of the host, upper-case hex
//	 8–11  process id as an int16, upper-case hex
//	12–19  class-loader id, always 00000000
//	20–27  milliseconds since the start of the current month (local
//	       time) as an int32, lower-case hex
//	28–31  a per-process counter as an int16, lower-case hex
//
// It is a value (no allocation); String copies it out.
type UniqID [32]byte

// String returns the id as text ("" for the zero id).
func (id UniqID) String() string {
	if id[0] == 0 {
		return ""
	}
	return string(id[:])
}

// uniqGen makes UniqIDs. Safe for concurrent use; Next allocates nothing.
type uniqGen struct {
	prefix  [20]byte // immutable after newUniqGen
	counter atomic.Uint32

	mu struct {
		sync.Mutex
		monthStart time.Time // start of the month of the last id
		nextMonth  time.Time
	}
}

const hexUpper = "0123456789ABCDEF"
const hexLower = "0123456789abcdef"

func newUniqGen(ip net.IP, pid int) *uniqGen {
	g := &uniqGen{}
	ip4 := ip.To4()
	if ip4 == nil {
		ip4 = net.IPv4(127, 0, 0, 1).To4()
	}
	putHex(g.prefix[0:8], uint64(ip4[0])<<24|uint64(ip4[1])<<16|uint64(ip4[2])<<8|uint64(ip4[3]), hexUpper)
	putHex(g.prefix[8:12], uint64(uint16(pid)), hexUpper)
	copy(g.prefix[12:20], "00000000")
	return g
}

// putHex writes v into dst as len(dst) hex digits (the low bits of v).
func putHex(dst []byte, v uint64, digits string) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = digits[v&0xF]
		v >>= 4
	}
}

// Next returns a fresh id for a message made at now.
func (g *uniqGen) Next(now time.Time) UniqID {
	var id UniqID
	copy(id[:20], g.prefix[:])
	ms := now.Sub(g.monthStart(now)).Milliseconds()
	putHex(id[20:28], uint64(uint32(int32(ms))), hexLower)
	putHex(id[28:32], uint64(uint16(g.counter.Add(1))), hexLower)
	return id
}

// monthStart returns the start of now's month in local time, cached until
// the month ends.
func (g *uniqGen) monthStart(now time.Time) time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Before(g.mu.monthStart) || !now.Before(g.mu.nextMonth) {
		y, m, _ := now.Date()
		g.mu.monthStart = time.Date(y, m, 1, 0, 0, 0, 0, now.Location())
		g.mu.nextMonth = g.mu.monthStart.AddDate(0, 1, 0)
	}
	return g.mu.monthStart
}

// localIPv4 returns the IPv4 address of the first interface that is up and
// not a loopback, or 127.0.0.1.
func localIPv4() net.IP {
	ifaces, err := net.Interfaces()
	if err == nil {
		for _, ifc := range ifaces {
			if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
				continue
			}
			addrs, err := ifc.Addrs()
			if err != nil {
				continue
			}
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
					return n.IP.To4()
				}
			}
		}
	}
	return net.IPv4(127, 0, 0, 1).To4()
}

// clientID returns "<ip>@<instance>", the id brokers know this client by;
// instance defaults to the process id.
func clientID(ip net.IP, instance string) string {
	if instance == "" {
		instance = strconv.Itoa(os.Getpid())
	}
	return ip.String() + "@" + instance
}
