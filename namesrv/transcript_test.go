package namesrv

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

var update = flag.Bool("update", false, "rewrite testdata/*.txt transcripts with the current output")

// TestRouteTranscripts replays the route-table state machine scripts in
// testdata/*.txt (registrations, heartbeats, clock advances, expiry scans,
// connection closes) and compares every command's output with the
// transcript. Run with -update to rewrite them, then read the diff.
//
// Script commands (one per block, output after "----", blocks separated by
// a blank line):
//
//	register <brokerName> <id> <addr> [cluster=c] [conn=n] [v=counter] [topics=t:queues,...]
//	unregister <brokerName> <id> <addr> [cluster=c]
//	advance <duration>        move the clock
//	scan                      expire brokers silent for 120 s
//	close <conn>              the connection closed
//	route <topic>             the route as Go v2.1.2 receives it
//	clusters                  GET_BROKER_CLUSTER_INFO
//	topics                    GET_ALL_TOPIC_LIST_FROM_NAMESERVER
func TestRouteTranscripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, file := range files {
		t.Run("file="+filepath.Base(file), func(t *testing.T) { runTranscript(t, file) })
	}
}

func runTranscript(t *testing.T, file string) {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rt := newRouteTable()
	now := t0
	var out strings.Builder
	for _, block := range strings.Split(strings.TrimSpace(string(b)), "\n\n") {
		cmdText, want, _ := strings.Cut(block, "\n----\n")
		cmdText = strings.TrimSuffix(cmdText, "\n----")
		got := strings.TrimSpace(execTranscript(t, rt, &now, cmdText))
		fmt.Fprintf(&out, "%s\n----\n%s\n\n", cmdText, got)
		if !*update && got != strings.TrimSpace(want) {
			t.Errorf("%s:\n%s\n got: %s\nwant: %s", file, cmdText, got, strings.TrimSpace(want))
		}
	}
	if *update {
		if err := os.WriteFile(file, []byte(strings.TrimSuffix(out.String(), "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// execTranscript runs one command (comment lines starting with # are kept
// in the script and skipped here).
func execTranscript(t *testing.T, rt *routeTable, now *time.Time, text string) string {
	var line string
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(l, "#") {
			line = l
		}
	}
	f := strings.Fields(line)
	if len(f) == 0 {
		t.Fatalf("empty command in %q", text)
	}
	arg := func(i int) string {
		if i >= len(f) {
			t.Fatalf("%q: missing argument %d", line, i)
		}
		return f[i]
	}
	switch f[0] {
	case "register", "unregister":
		id, _ := strconv.ParseInt(arg(2), 10, 64)
		r := &registration{BrokerIdentity: protocol.BrokerIdentity{BrokerName: arg(1), BrokerID: id, BrokerAddr: arg(3), ClusterName: "c1"},
			HAServerAddr: arg(3) + "-ha", Topics: &protocol.TopicConfigSerializeWrapper{TopicConfigTable: map[string]protocol.TopicConfig{}}}
		for _, opt := range f[4:] {
			k, v, _ := strings.Cut(opt, "=")
			switch k {
			case "cluster":
				r.ClusterName = v
			case "conn":
				r.ConnID, _ = strconv.ParseUint(v, 10, 64)
			case "v":
				r.Topics.DataVersion.Counter, _ = strconv.ParseInt(v, 10, 64)
			case "topics":
				for _, tq := range strings.Split(v, ",") {
					name, q, _ := strings.Cut(tq, ":")
					n, _ := strconv.Atoi(q)
					r.Topics.TopicConfigTable[name] = protocol.TopicConfig{TopicName: name, ReadQueueNums: int32(n), WriteQueueNums: int32(n), Perm: 6}
				}
			default:
				t.Fatalf("%q: unknown option %q", line, k)
			}
		}
		if f[0] == "unregister" {
			rt.unregister(&r.BrokerIdentity)
			return "ok"
		}
		res := rt.register(r, *now)
		if res.MasterAddr != "" {
			return "master=" + res.MasterAddr + " ha=" + res.HAServerAddr
		}
		return "ok"
	case "advance":
		d, err := time.ParseDuration(arg(1))
		if err != nil {
			t.Fatal(err)
		}
		*now = now.Add(d)
		return "clock=+" + now.Sub(t0).String()
	case "scan":
		var gone []string
		for _, e := range rt.expire(*now, DefaultBrokerTimeout) {
			gone = append(gone, e.addr)
		}
		return "expired: " + list(gone)
	case "close":
		id, _ := strconv.ParseUint(arg(1), 10, 64)
		return "removed: " + list(rt.connClosed(id))
	case "route":
		var sc routeScratch
		b, ok := rt.appendRoute(nil, &sc, arg(1), "", protocol.MapKeysBare)
		if !ok {
			return "TOPIC_NOT_EXIST"
		}
		return string(b)
	case "clusters":
		ci := rt.clusterInfo()
		return string(protocol.AppendClusterInfo(nil, &ci, protocol.MapKeysBare))
	case "topics":
		return list(rt.allTopics())
	}
	t.Fatalf("unknown command %q", line)
	return ""
}

func list(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}
