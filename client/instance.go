package client

import (
	"context"
	"log/slog"
	"net"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// instance is the machinery every client kind shares (RocketMQ's
// MQClientInstance): the transport, the route table, the client id, and
// two loops — route refresh and broker heartbeats.
//
// Goroutines it owns, started by start and stopped and awaited by close:
// the route refresher (client=routes) and the heartbeat sender
// (client=heartbeat).
type instance struct {
	cfg    *common // immutable
	log    *slog.Logger
	ip     net.IP
	id     string
	rpc    *remoting
	routes *routes

	// heartbeat builds the heartbeat body; set before start, immutable.
	heartbeat func() protocol.HeartbeatData
	// mastersOnly: heartbeats go only to masters (a client without
	// consumers), as RocketMQ's clients do.
	mastersOnly bool

	// ctx ends when close begins; every loop and request of the
	// instance's owner runs under it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newInstance(c *common, serve onRequest) *instance {
	log := c.logger
	if log == nil {
		log = slog.Default()
	}
	in := &instance{cfg: c, log: log, ip: localIPv4()}
	in.ctx, in.cancel = context.WithCancel(context.Background())
	in.id = clientID(in.ip, c.instanceName)
	in.rpc = newRemoting(c, log, serve)
	in.routes = newRoutes(in.rpc, c.nameServers)
	return in
}

// start runs the loops: routes refreshed every routeEvery, heartbeats
// every heartbeatEvery (one is sent at once by the caller when it needs
// the brokers to know it before going on).
func (in *instance) start(routeEvery, heartbeatEvery time.Duration) {
	in.goLoop("routes", routeEvery, func(ctx context.Context) { in.routes.refreshAll(ctx) })
	in.goLoop("heartbeat", heartbeatEvery, func(ctx context.Context) { in.sendHeartbeat(ctx) })
}

// goLoop runs fn every interval until close, under in.ctx.
func (in *instance) goLoop(name string, every time.Duration, fn func(ctx context.Context)) {
	in.wg.Add(1)
	go pprof.Do(in.ctx, pprof.Labels("client", name), func(ctx context.Context) {
		defer in.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fn(ctx)
			}
		}
	})
}

// sendHeartbeat sends the heartbeat to every broker the routes name and
// returns the last error (nil when every broker took it).
func (in *instance) sendHeartbeat(ctx context.Context) error {
	if in.heartbeat == nil {
		return nil
	}
	hb := in.heartbeat()
	body := protocol.AppendHeartbeatData(nil, &hb)
	var last error
	for _, addr := range in.routes.allBrokerAddrs(in.mastersOnly) {
		req := in.rpc.newRequest(protocol.ReqHeartBeat)
		req.Body = body
		resp, err := in.rpc.invoke(ctx, addr, req, 0)
		switch {
		case err != nil:
			last = err
		case resp.Code != int32(protocol.RespSuccess):
			last = brokerError("heartbeat", addr, resp)
		}
		if last != nil {
			in.log.Debug("client: heartbeat failed", "broker", addr, "err", last)
		}
	}
	return last
}

// close stops the loops, waits for them and closes the transport.
func (in *instance) close() error {
	in.cancel()
	in.wg.Wait()
	return in.rpc.close()
}
