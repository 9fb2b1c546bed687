package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/breaker"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/pipeline"
	"github.com/nngbench/nngbench/impl/pubsub"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/retry"
)

// Socket names in the metrics registry, after the links of api.Links. The
// command socket and the client are named by the node id alone, as their
// names are also the sender id on the wire.
const (
	broadcastsSuffix = "/broadcasts"
	tasksSuffix      = "/tasks"
	resultsSuffix    = "/results"
)

// open binds and dials every socket, serves /metrics and registers the
// worker's own metrics. What it opened before an error, Close closes.
func (w *Worker) open(ctx context.Context) error {
	if err := w.openServer(); err != nil {
		return err
	}
	metricsAddr, err := w.serveMetrics()
	if err != nil {
		return err
	}
	w.setAddr("metrics", metricsAddr)
	if err := w.openClient(); err != nil {
		return err
	}
	if err := w.openStreams(); err != nil {
		return err
	}
	coll := newCollector(w)
	if err := w.reg.Prometheus().Register(coll); err != nil {
		return fmt.Errorf("worker: register metrics: %w", err)
	}
	w.coll = coll
	return ctx.Err()
}

func (w *Worker) setAddr(role, addr string) {
	w.mu.Lock()
	w.addrs[role] = addr
	w.mu.Unlock()
}

// delayed wraps handlers with d of busy CPU before each call
// (handler_delay_us): a spin rather than a sleep, so that the cost is d to
// the microsecond rather than d rounded up to the next timer tick.
func delayed(d time.Duration) func(reqrep.Handler) reqrep.Handler {
	return func(h reqrep.Handler) reqrep.Handler {
		if d <= 0 {
			return h
		}
		return func(ctx context.Context, req *envelope.Envelope) (json.RawMessage, error) {
			for start := time.Now(); time.Since(start) < d; {
			}
			return h(ctx, req)
		}
	}
}

// openServer binds the command socket and routes the api endpoints.
func (w *Worker) openServer() error {
	srv, err := reqrep.NewServer(reqrep.ServerConfig{
		Name: w.cfg.NodeID, Transport: w.topts, Metrics: w.reg, Logger: w.logger,
	})
	if err != nil {
		return fmt.Errorf("worker: command socket: %w", err)
	}
	w.server = srv
	cost := delayed(time.Duration(w.cfg.HandlerDelayUS) * time.Microsecond)
	srv.Handle(api.InstancesCreate, cost(w.handleCreate))
	srv.Handle(api.InstancesDelete, cost(w.handleDelete))
	srv.Handle(api.InstancesList, cost(w.handleList))
	srv.Handle(api.Health, cost(w.handleHealth))
	srv.Handle(api.ConfigGet, cost(w.handleConfig))
	srv.Handle(api.ConfigHistoryGet, cost(w.handleConfigHistory))
	bound, err := srv.Listen(w.cfg.Messaging.BindAddress)
	if err != nil {
		return fmt.Errorf("worker: command socket: %w", err)
	}
	advertise := w.cfg.Messaging.AdvertiseAddress
	if advertise == "" {
		advertise = bound
	}
	w.mu.Lock()
	w.addrs["bind"], w.addrs["advertise"], w.advertise = bound, advertise, advertise
	w.mu.Unlock()
	return nil
}

// openClient creates the REQ peer for register, heartbeat and snapshot.
// Its breaker probes again after one heartbeat interval, so heartbeats
// resume within an interval of the control plane coming back.
func (w *Worker) openClient() error {
	m := w.cfg.Messaging
	cli, err := reqrep.NewClient(reqrep.ClientConfig{
		Name: w.cfg.NodeID, Transport: w.topts, Timeout: m.RequestTimeout.D(),
		Retry:   retry.Policy{BaseDelay: min(retry.DefaultBaseDelay, m.ReconnectInterval.D()), MaxDelay: m.ReconnectInterval.D()},
		Breaker: breaker.Config{ResetTimeout: m.HeartbeatInterval.D()},
		Metrics: w.reg, Logger: w.logger,
	})
	if err != nil {
		return fmt.Errorf("worker: control plane client: %w", err)
	}
	w.client = cli
	if err := cli.AddPeer(cpPeer, m.ControlPlaneAddress); err != nil {
		return fmt.Errorf("worker: control plane client: %w", err)
	}
	return nil
}

// openStreams dials the broadcast, task and result sockets.
func (w *Worker) openStreams() error {
	m, id := w.cfg.Messaging, w.cfg.NodeID
	sub, err := pubsub.NewSubscriber(pubsub.SubscriberConfig{
		Name: id + broadcastsSuffix, Transport: w.topts, Metrics: w.reg, Logger: w.logger,
	})
	if err != nil {
		return fmt.Errorf("worker: broadcasts: %w", err)
	}
	w.sub = sub
	if err := sub.Subscribe("config."); err != nil {
		return fmt.Errorf("worker: broadcasts: %w", err)
	}
	if err := sub.Dial(m.SubAddress); err != nil {
		return fmt.Errorf("worker: broadcasts: %w", err)
	}
	push, err := pipeline.NewPusher(pipeline.PusherConfig{
		Name: id + resultsSuffix, Transport: w.topts, Metrics: w.reg, Logger: w.logger,
	})
	if err != nil {
		return fmt.Errorf("worker: results: %w", err)
	}
	w.pusher = push
	if err := push.Dial(m.ResultAddress); err != nil {
		return fmt.Errorf("worker: results: %w", err)
	}
	// Small queues: batches waiting here hold leases the control plane
	// could give to an idle worker, so take little more than is running.
	conc := w.cfg.Tasks.Concurrency
	pullOpts := w.topts
	pullOpts.ReadQueue = conc
	pull, err := pipeline.NewPuller(pipeline.PullerConfig{
		Name: id + tasksSuffix, Transport: pullOpts, Buffer: conc, Metrics: w.reg, Logger: w.logger,
	})
	if err != nil {
		return fmt.Errorf("worker: tasks: %w", err)
	}
	w.puller = pull
	if err := pull.Dial(m.TaskAddress); err != nil {
		return fmt.Errorf("worker: tasks: %w", err)
	}
	return nil
}
