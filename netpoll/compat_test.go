package netpoll

import (
	"context"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/admin"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/rlog"
	"github.com/fastmq/fastmq/protocol"
)

// TestOfficialGoClientTalksToServer pins framing and opaque matching
// against the official Go client v2.1.2: its admin CreateTopic
// (admin/admin.go, CreateTopic → RemotingClient.InvokeSync) sends a JSON
// UPDATE_AND_CREATE_TOPIC request straight to a broker address and fails
// unless a response with its opaque comes back and decodes.
func TestOfficialGoClientTalksToServer(t *testing.T) {
	rlog.SetLogLevel("error")
	topics := make(chan string, 1)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(protocol.ReqUpdateAndCreateTopic, func(c *Conn, req *protocol.Command) {
			topic, _ := req.ExtField("topic")
			topics <- topic + "/" + req.SerializeType.String()
			_ = c.Reply(req, protocol.NewResponse(protocol.RespSuccess, ""))
		})
	})
	adm, err := admin.NewAdmin(admin.WithResolver(primitive.NewPassthroughResolver([]string{s.Addr()})))
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = adm.CreateTopic(ctx, admin.WithTopicCreate("compat-topic"), admin.WithBrokerAddrCreate(s.Addr()))
	if err != nil {
		t.Fatalf("official client's CreateTopic: %v", err)
	}
	if got := recvOrFail(t, topics, "request at the server"); got != "compat-topic/JSON" {
		t.Fatalf("server saw %q, want compat-topic/JSON", got)
	}
}
