package broker

import (
	"context"
	"hash/crc32"
	"sync"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// registerLoop registers the broker with every NameServer every
// RegisterNameServerPeriod, and at once when a topic was created
// (triggerRegister), as J4 BrokerController.registerBrokerAll does.
func (b *Broker) registerLoop() {
	t := time.NewTicker(b.cfg.RegisterNameServerPeriod)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		case <-b.regSignal:
		}
		b.registerAll()
	}
}

// afterRegister runs fn (which must not block) once a registration that
// starts after this call has finished, successful or not.
func (b *Broker) afterRegister(fn func()) {
	if len(b.cfg.NamesrvAddrs) == 0 {
		fn()
		return
	}
	b.regMu.Lock()
	b.regWaiters = append(b.regWaiters, fn)
	b.regMu.Unlock()
	b.triggerRegister()
}

// runRegisterWaiters calls the waiters taken before a registration.
func runRegisterWaiters(fns []func()) {
	for _, fn := range fns {
		fn()
	}
}

// triggerRegister asks registerLoop to register now.
func (b *Broker) triggerRegister() {
	select {
	case b.regSignal <- struct{}{}:
	default:
	}
}

func (b *Broker) identity() protocol.BrokerIdentity {
	return protocol.BrokerIdentity{BrokerName: b.cfg.BrokerName, BrokerAddr: b.addr,
		ClusterName: b.cfg.BrokerClusterName, BrokerID: b.cfg.BrokerID}
}

// registerAll sends REGISTER_BROKER with the whole topic table to every
// NameServer in parallel and waits for the answers.
func (b *Broker) registerAll() {
	if len(b.cfg.NamesrvAddrs) == 0 {
		return
	}
	b.regMu.Lock()
	waiters := b.regWaiters
	b.regWaiters = nil
	b.regMu.Unlock()
	defer runRegisterWaiters(waiters)
	body := protocol.RegisterBrokerBody{TopicConfigSerializeWrapper: b.topics.wrapper(), FilterServerList: []string{}}
	data := protocol.AppendRegisterBrokerBody(nil, &body)
	crc := int32(crc32.ChecksumIEEE(data) & 0x7FFFFFFF)
	b.eachNamesrv(func(ctx context.Context, addr string) {
		req := protocol.NewRequest(protocol.ReqRegisterBroker)
		h := protocol.RegisterBrokerRequestHeader{BrokerIdentity: b.identity(), HAServerAddr: b.haAddr(), BodyCRC32: crc}
		h.Encode(req)
		req.Body = data
		resp, err := b.nsc.Invoke(ctx, addr, req)
		switch {
		case err != nil:
			b.log.Warn("register broker with NameServer failed", "namesrv", addr, "err", err)
		case resp.Code != int32(protocol.RespSuccess):
			b.log.Warn("NameServer refused registration", "namesrv", addr, "code", resp.Code, "remark", resp.Remark)
		default:
			b.log.Debug("registered with NameServer", "namesrv", addr, "topics", len(body.TopicConfigSerializeWrapper.TopicConfigTable))
		}
	})
}

// unregisterAll sends UNREGISTER_BROKER to every NameServer.
func (b *Broker) unregisterAll() {
	b.eachNamesrv(func(ctx context.Context, addr string) {
		req := protocol.NewRequest(protocol.ReqUnregisterBroker)
		id := b.identity()
		id.Encode(req)
		if _, err := b.nsc.Invoke(ctx, addr, req); err != nil {
			b.log.Warn("unregister broker from NameServer failed", "namesrv", addr, "err", err)
		}
	})
}

// eachNamesrv runs fn for every NameServer concurrently, each bounded by 6 s,
// and waits for them.
func (b *Broker) eachNamesrv(fn func(ctx context.Context, addr string)) {
	var wg sync.WaitGroup
	for _, addr := range b.cfg.NamesrvAddrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
			defer cancel()
			fn(ctx, addr)
		}()
	}
	wg.Wait()
}

// haAddr is the announced HA address (listen port + 1, RocketMQ's default);
// replication is not implemented, nothing listens there yet.
func (b *Broker) haAddr() string {
	ap := b.addrPort()
	return ap.Addr().String() + ":" + itoa(int64(ap.Port())+1)
}
