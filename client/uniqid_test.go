package client

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestUniqIDLayout(t *testing.T) {
	g := newUniqGen(net.IPv4(192, 168, 0, 5), 0x12345)
	loc := time.FixedZone("X", 3*3600)
	now := time.Date(2026, 11, 21, 10, 30, 15, 250e6, loc)
	id := g.Next(now)
	s := id.String()
	if len(s) != 32 {
		t.Fatalf("len %d: %q", len(s), s)
	}
	if s[0:8] != "C0A80005" {
		t.Errorf("ip part %q", s[0:8])
	}
	if s[8:12] != "2345" { // pid as int16
		t.Errorf("pid part %q", s[8:12])
	}
	if s[12:20] != "00000000" {
		t.Errorf("class-loader part %q", s[12:20])
	}
	monthStart := time.Date(2026, 11, 1, 0, 0, 0, 0, loc)
	wantMs := now.Sub(monthStart).Milliseconds()
	gotMs, err := strconv.ParseUint(s[20:28], 16, 32)
	if err != nil || int64(gotMs) != wantMs {
		t.Errorf("time part %q = %d, want %d", s[20:28], gotMs, wantMs)
	}
	if s[20:28] != strings.ToLower(s[20:28]) || s[28:32] != "0001" {
		t.Errorf("time/counter parts must be lower-case hex, counter 1: %q %q", s[20:28], s[28:32])
	}
	if n := g.Next(now).String()[28:32]; n != "0002" {
		t.Errorf("counter did not advance: %q", n)
	}
	// A new month restarts the time part.
	next := g.Next(time.Date(2026, 12, 1, 0, 0, 1, 0, loc)).String()
	if next[20:28] != "000003e8" {
		t.Errorf("time part at 1 s into a month = %q", next[20:28])
	}
}

func TestUniqIDsAreUniqueAndAllocationFree(t *testing.T) {
	g := newUniqGen(net.IPv4(10, 0, 0, 1), 42)
	now := time.Now()
	seen := make(map[UniqID]bool, 60000)
	for range 60000 {
		id := g.Next(now)
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
	if n := testing.AllocsPerRun(1000, func() { _ = g.Next(now) }); n != 0 && !raceEnabled {
		t.Errorf("Next allocates %v times", n)
	}
	var zero UniqID
	if zero.String() != "" {
		t.Errorf("zero id prints %q", zero.String())
	}
}
